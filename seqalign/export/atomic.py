"""Write a whole output directory or nothing: build it beside the target, then swap it in."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import UsageError

MARKER = "labels.json"  # a directory holding this was written by seqalign and may be replaced


@contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    out = Path(target)
    if out.exists() and not out.is_dir():
        raise UsageError("exists and is not a directory", file=str(out), hint="choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise UsageError(
            "exists, is not empty and was not written by seqalign; refusing to replace it",
            file=str(out),
            hint="choose another --out or empty the directory",
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
