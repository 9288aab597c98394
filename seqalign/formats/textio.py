"""Opening text files the same careful way for every reader: UTF-8 (BOM tolerated), clear errors otherwise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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
        if _blockwise(encoding):
            yield from _block_lines(fh, encoding, str(p))
            return
        for n, raw in enumerate(fh, 1):
            if n == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise _bad_byte(raw, exc, encoding, str(p), n) from None
            yield n, line.rstrip("\r\n")
    finally:
        fh.close()


_BLOCK = 1 << 22


def _blockwise(encoding: str) -> bool:
    """Whether a newline byte always is a newline character (UTF-8, Latin-1, cp1252 ...; not UTF-16)."""
    try:
        return "\n".encode(encoding) == b"\n" and "a\n\u00e9".encode(encoding, "ignore").startswith(b"a\n")
    except LookupError:
        return False


def _bad_byte(raw: bytes, exc: UnicodeDecodeError, encoding: str, file: str, n: int) -> InputError:
    return InputError(
        f"byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is not valid {encoding}",
        file=file,
        line=n,
        hint="the file is probably Latin-1 or cp1252; pass --encoding latin-1 (or convert it to UTF-8)",
    )


def _block_lines(fh: Any, encoding: str, file: str) -> Iterator[tuple[int, str]]:
    """Lines decoded a few MB at a time: one decode and one split per block instead of per line."""
    n = 0
    rest = b""
    head: bytes | None = fh.read(max(_BLOCK, 3))  # whole, so that a BOM is never split over two reads
    bom = head.startswith(b"\xef\xbb\xbf")
    if bom:
        head = head[3:]
        if not head:
            if not fh.peek(1):
                yield 1, ""  # a file that is only a BOM is one empty line, as the line-by-line reader says
                return
            head = None
    while True:
        chunk, head = (head, None) if head is not None else (fh.read(_BLOCK), None)
        if chunk:
            data = rest + chunk if rest else chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:  # no line end yet: read on
                rest = data
                continue
            block, rest = data[:cut], data[cut:]
        elif rest:
            block, rest = rest, b""
        else:
            return
        for item in decode_lines(block, encoding, file, n):
            n = item[0]
            yield item


def decode_lines(block: bytes, encoding: str, file: str, before: int = 0) -> Iterator[tuple[int, str]]:
    """The numbered lines of a block of whole lines (``before``: lines of the file before the block). A line
    that does not decode raises after the lines before it, as reading line by line would."""
    try:
        text = block.decode(encoding)
    except UnicodeDecodeError as exc:
        start = block.rfind(b"\n", 0, exc.start) + 1
        yield from decode_lines(block[:start], encoding, file, before)
        line = block[start:].split(b"\n", 1)[0]
        err = UnicodeDecodeError(exc.encoding, line, exc.start - start, exc.end - start, exc.reason)
        raise _bad_byte(line, err, encoding, file, before + block.count(b"\n", 0, exc.start) + 1) from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for i, ln in enumerate(lines, 1):
        yield before + i, ln.rstrip("\r") if ln.endswith("\r") else ln


def line_shards(path: str | Path, size: int = 1 << 18) -> list[tuple[int, int, int]]:
    """Byte ranges of about ``size`` bytes that hold whole lines: ``(start, end, lines before start)``."""
    out: list[tuple[int, int, int]] = []
    lines = 0
    with open(path, "rb") as fh:
        start = 0
        while True:
            fh.seek(start + size)
            tail = fh.readline()
            end = start + size + len(tail)
            fh.seek(start)
            chunk = fh.read(end - start)
            if not chunk:
                break
            out.append((start, start + len(chunk), lines))
            lines += chunk.count(b"\n")
            start += len(chunk)
    return out


def shard_lines(path: str | Path, shard: tuple[int, int, int], encoding: str) -> Iterator[tuple[int, str]]:
    """The numbered lines of one of ``line_shards``' ranges (a UTF-8 BOM at the start of the file dropped)."""
    start, end, before = shard
    with open(path, "rb") as fh:
        fh.seek(start)
        block = fh.read(end - start)
    if start == 0 and block.startswith(b"\xef\xbb\xbf"):
        block = block[3:]
        if not block:
            return iter([(1, "")])  # a file that is only a BOM is one empty line, as read_lines says
    return decode_lines(block, encoding, str(path), before)
