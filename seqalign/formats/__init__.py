"""File formats behind one small registry: each module has NAME, EXTENSIONS, sniff(head), read(path) and write."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from ..errors import InputError
from . import atis, conll, jsonl

REGISTRY: dict[str, ModuleType] = {m.NAME: m for m in (jsonl, conll, atis)}


def get_format(name: str) -> ModuleType:
    try:
        return REGISTRY[name]
    except KeyError:
        raise InputError(f"unknown format {name!r}; known: {', '.join(REGISTRY)}") from None


def detect_format(path: str | Path, encoding: str = "utf-8") -> ModuleType:
    """By content first (extensions lie: .txt and .bmes hold several formats), then by extension."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", file=str(p))
    # Formats made of several files (ATIS seq.in + seq.out) recognise a path, not a head of content.
    for mod in REGISTRY.values():
        if hasattr(mod, "sniff_path") and mod.sniff_path(p):
            return mod
    if p.is_dir():
        raise InputError("is a directory, expected a file", file=str(p))
    with open(p, "rb") as fh:
        head = fh.read(65536).decode(encoding, errors="replace").lstrip("\ufeff")
    if not head.strip():
        raise InputError("file is empty", file=str(p))
    for mod in REGISTRY.values():
        if mod.sniff(head):
            return mod
    for mod in REGISTRY.values():
        if p.suffix.lower() in mod.EXTENSIONS:
            return mod
    raise InputError(
        "cannot tell the format from the content or the extension",
        file=str(p),
        hint=f"pass --from with one of: {', '.join(REGISTRY)}",
    )
