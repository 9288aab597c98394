"""Writing a file whole or not at all: a temp file beside the target, swapped in by os.replace."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def atomic_text(path: str | Path, chunks: Iterable[str]) -> None:
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for chunk in chunks:
                fh.write(chunk)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
