"""Opening text files the same careful way for every reader: UTF-8 (BOM tolerated), clear errors otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError


def read_lines(path: str | Path, encoding: str = "utf-8") -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line without its newline). CRLF and a UTF-8 BOM are accepted."""
    p = Path(path)
    if p.is_dir():
        raise InputError("is a directory, expected a file", file=str(p))
    try:
        fh = open(p, "rb")  # noqa: SIM115 - closed in the finally below
    except FileNotFoundError:
        raise InputError("no such file", file=str(p)) from None
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=str(p)) from None
    try:
        for n, raw in enumerate(fh, 1):
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is not valid {encoding}",
                    file=str(p),
                    line=n,
                    hint="the file is probably Latin-1 or cp1252; pass --encoding latin-1 (or convert it to UTF-8)",
                ) from None
            yield n, line.rstrip("\r\n")
    finally:
        fh.close()
