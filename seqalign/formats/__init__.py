"""File formats behind one small registry: each module has NAME, EXTENSIONS, sniff(head), read(path) and write.

Writers take one of three item shapes, named by the module's ``KIND``: ``"tags"`` (CoNLL, CoNLL-U: pairs of
example and word tags), ``"spans"`` (JSONL: pairs of example and the spans to write), ``"examples"`` (every
span format: the examples themselves, with their ``meta`` for a lossless way back).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from ..errors import InputError
from . import atis, brat, conll, conll2012, conllu, docbin, doccano, hf_disk, jsonl, label_studio, prodigy, pubtator, w2ner

# Sniffing order matters: the specific JSON dialects before plain JSONL, CoNLL-U before CoNLL columns.
REGISTRY: dict[str, ModuleType] = {
    m.NAME: m
    for m in (label_studio, w2ner, prodigy, doccano, jsonl, pubtator, brat, conll2012, conllu, conll, atis, docbin, hf_disk)
}
_KINDS = {"conll": "tags", "conllu": "tags", "jsonl": "spans", "hf": "tags"}


def kind(mod: ModuleType) -> str:
    return getattr(mod, "KIND", _KINDS.get(mod.NAME, "examples"))


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
    if atis.sniff_path(p):
        return atis
    if hf_disk.sniff_path(p):
        return hf_disk
    if p.is_dir():
        if any(p.glob("*.ann")):
            return brat
        txt = next(iter(sorted(p.glob("*.txt"))), None)
        if txt is not None:
            raise InputError(
                f"is a directory with {txt.name} but no {txt.stem}.ann: not a brat corpus",
                file=str(p),
                hint="brat needs a .ann beside each .txt (an empty .ann for a document without annotations)",
            )
        raise InputError("is a directory, expected a file (or a directory of brat .txt/.ann pairs)", file=str(p))
    if p.suffix.lower() == ".ann" or (p.suffix.lower() == ".txt" and p.with_suffix(".ann").exists()):
        return brat
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


def detect_output_format(path: str | Path) -> ModuleType:
    """The writer for an output path, by extension (a path without one is a brat directory)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return jsonl
    if suffix == "" and p.is_dir() and hf_disk.sniff_path(p):
        return hf_disk
    if suffix == "" and (not p.exists() or p.is_dir()):
        return brat
    for mod in REGISTRY.values():
        if suffix in mod.EXTENSIONS:
            return mod
    return conll
