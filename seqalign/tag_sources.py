"""Reading tag sequences for ``check-tags`` and writing a repaired copy (the I/O edge of ``tagcheck``).

Two layouts: CoNLL-style column files (through ``formats.conll`` with its tag check off, so that bad cells
are reported instead of stopping the read), and tag-only files with one space-separated sequence per line
(ATIS ``seq.out``). A repaired copy changes nothing but the tag cells: columns, comments, ``-DOCSTART-``
and blank lines stay byte for byte.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

from .errors import InputError, UsageError
from .formats import conll, detect_format
from .formats.textio import read_lines
from .schemes import TagError, parse_tag
from .tagcheck import TagSequence

LAYOUTS = ("conll", "tags")


def _all_tags(line: str) -> bool:
    try:
        for t in line.split():
            parse_tag(t)
    except TagError:
        return False
    return True


def sniff_layout(path: str | Path, encoding: str = "utf-8") -> str:
    """``tags`` when every line of the head is nothing but tags, else ``conll`` (JSONL span files are refused)."""
    head = []
    for _, line in read_lines(path, encoding):
        if line.strip():
            head.append(line)
        if len(head) >= 50:
            break
    if not head:
        raise InputError("file is empty", file=str(path))
    # A CoNLL line's first column is a word; a file whose every cell is a tag is a tag-only file.
    if all(_all_tags(ln) for ln in head) and any(len(ln.split()) > 2 for ln in head):
        return "tags"
    if detect_format(path, encoding).NAME != "conll":
        raise UsageError(
            "check-tags reads tag sequences: a CoNLL-style column file or one line of tags per sequence",
            file=str(path),
            hint="span files (JSONL) have no tags to check; pass --from conll or --from tags if detection is wrong",
        )
    return "conll"


def read_sequences(
    path: str | Path, layout: str | None = None, *, token_column: int = 0, tag_column: int = -1, encoding: str = "utf-8"
) -> tuple[str, list[TagSequence]]:
    layout = layout or sniff_layout(path, encoding)
    if layout == "tags":
        seqs = []
        for n, line in read_lines(path, encoding):
            if line.strip():
                tags = line.split()
                seqs.append(TagSequence(str(len(seqs)), tags, [n] * len(tags), n))
        return layout, seqs
    if layout != "conll":
        raise UsageError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    exs = list(conll.read(path, token_column=token_column, tag_column=tag_column, encoding=encoding, tag_check=False))
    lines = _token_lines(path, encoding, [(ex.line or 1, ex.words or [], ex.word_tags or []) for ex in exs], tag_column)
    return layout, [TagSequence(ex.id, list(ex.word_tags or []), ln, ex.line) for ex, ln in zip(exs, lines, strict=True)]


def _split(line: str) -> list[str]:
    if "\t" in line:
        cols = line.split("\t")
        while cols and cols[-1] == "":
            cols.pop()
        return cols
    return [c for c in line.split(" ") if c]


def _token_lines(
    path: str | Path, encoding: str, exs: Sequence[tuple[int, list[str], list[str]]], tag_column: int
) -> list[list[int]]:
    """The file line of every token: from each sentence's first line on, skipping lines that do not hold the
    next token and tag (comment lines inside a sentence), so a message never points at the wrong line."""
    text = {n: line for n, line in read_lines(path, encoding)}
    out: list[list[int]] = []
    for first, words, tags in exs:
        n = first
        mine = []
        for w, t in zip(words, tags, strict=True):
            while n in text:
                cols = _split(text[n])
                if len(cols) >= 2 and w in cols and cols[tag_column] == t:
                    break
                n += 1
            if n not in text:
                raise InputError(f"cannot find the line of token {w!r} (tag {t!r})", file=str(path), line=first)
            mine.append(n)
            n += 1
        out.append(mine)
    return out


_LAST_FIELD = re.compile(r"(\S+)(\s*)$")


def _replace_tag(line: str, old: str, new: str, tag_column: int) -> str:
    if tag_column == -1:
        m = _LAST_FIELD.search(line.rstrip("\t") if "\t" in line else line)
        if m and m.group(1) == old:
            return line[: m.start(1)] + new + line[m.end(1) :]
    sep = "\t" if "\t" in line else " "
    cols = line.split(sep)
    idx = [i for i, c in enumerate(cols) if c]
    k = idx[tag_column]
    if cols[k] != old:
        raise ValueError(f"expected tag {old!r}, found {cols[k]!r}")
    cols[k] = new
    return sep.join(cols)


def write_repaired(
    path: str | Path,
    out: str | Path,
    layout: str,
    seqs: Sequence[TagSequence],
    repaired: Sequence[Sequence[str]],
    *,
    tag_column: int = -1,
    encoding: str = "utf-8",
) -> int:
    """Copy ``path`` to ``out`` with the repaired tags. Returns the number of changed cells."""
    edits: dict[int, list[tuple[int, str, str]]] = {}  # line -> [(index on the line, old, new)]
    for s, new in zip(seqs, repaired, strict=True):
        for i, (old, tag) in enumerate(zip(s.tags, new, strict=True)):
            if old != tag:
                if not s.lines:
                    raise UsageError("cannot rewrite a file whose token lines are unknown", file=str(path))
                edits.setdefault(s.lines[i], []).append((i, old, tag))
    tmp = Path(f"{out}.tmp-{os.getpid()}")
    changed = 0
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            raw = Path(path).read_bytes().decode(encoding).lstrip("\ufeff")
            for n, line in enumerate(raw.splitlines(keepends=True), 1):
                body = line.rstrip("\r\n")
                end = line[len(body) :]
                for i, old, new in edits.get(n, []):
                    if layout == "tags":
                        cells = body.split(" ")
                        pos = [k for k, c in enumerate(cells) if c]
                        if cells[pos[i]] != old:
                            raise InputError(f"expected tag {old!r} at position {i}", file=str(path), line=n)
                        cells[pos[i]] = new
                        body = " ".join(cells)
                    else:
                        try:
                            body = _replace_tag(body, old, new, tag_column)
                        except ValueError as exc:
                            raise InputError(str(exc), file=str(path), line=n) from None
                    changed += 1
                fh.write(body + end)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return changed
