"""OntoNotes / CoNLL-2012 ``*_gold_conll``: space-aligned columns, NER as brackets in column 11.

``(GPE*`` opens an entity, ``*)`` closes it, ``(ORG)`` is a one-token entity, ``*`` is inside or outside.
The column count varies per sentence (one SRL column per predicate), so NER is found by position, never as
"the last column". One Example per sentence with the words joined by spaces; the ``#begin document`` header
(not the row doc ids, which can differ from it) names the document part. Original lines are kept: a
sentence whose entities did not change is written back byte for byte.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Example, Severity, Span
from .spaninfo import note, span_infos
from .textio import read_lines
from .writing import atomic_text

NAME = "conll2012"
EXTENSIONS = (".gold_conll", ".v4_gold_conll", ".gold_skel")
NER_COLUMN = 10
_BEGIN = re.compile(r"^#begin document \((.*)\); part (\d+)")


def sniff(head: str) -> bool:
    return head.lstrip().startswith("#begin document (")


def _parse_ner(cells: list[str], file: str, first_line: int) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    open_: tuple[int, str] | None = None
    for i, cell in enumerate(cells):
        if cell == "*":
            continue
        if cell.startswith("("):
            if open_ is not None:
                raise InputError(f"NER cell {cell!r} opens an entity inside {open_[1]}", file=file, line=first_line + i)
            label = cell[1:].rstrip(")").rstrip("*")
            if cell.endswith(")"):
                out.append((i, i + 1, label))
            else:
                open_ = (i, label)
        elif cell == "*)":
            if open_ is None:
                raise InputError("NER cell '*)' closes no entity", file=file, line=first_line + i)
            out.append((open_[0], i + 1, open_[1]))
            open_ = None
        else:
            raise InputError(f"NER cell {cell!r} is not (TYPE*, *, *) or (TYPE)", file=file, line=first_line + i)
    if open_ is not None:
        raise InputError(f"entity {open_[1]} opened at word {open_[0]} is never closed", file=file, line=first_line + open_[0])
    return out


def read(path: str | Path, *, encoding: str = "utf-8", **_: object) -> Iterator[Example]:
    file = str(path)
    doc: str | None = None
    rows: list[tuple[int, str, list[str]]] = []
    between: list[str] = []  # raw lines (headers, footers, blank lines) since the last sentence
    held: Example | None = None  # yielded once we know what follows it (the file's trailer)
    header: str | None = None
    k = 0

    def make() -> Example:
        nonlocal rows, between, k
        words = [cols[3] for _, _, cols in rows]
        ex = Example.from_words(str(k), words, doc_id=doc, line=rows[0][0])
        assert ex.word_offsets is not None
        chunks = _parse_ner([cols[NER_COLUMN] for _, _, cols in rows], file, rows[0][0])
        ex.spans = [Span(ex.word_offsets[a][0], ex.word_offsets[b - 1][1], t) for a, b, t in chunks]
        ex.meta = {
            "source_format": NAME,
            "span_info": [{} for _ in ex.spans],
            "extra": {
                "before": between,
                "lines": [ln for _, ln, _ in rows],
                "ner": [c[NER_COLUMN] for _, _, c in rows],
                "after": [],
            },
        }
        row_docs = sorted({cols[0] for _, _, cols in rows})
        if header is not None and row_docs != [header]:
            ex.meta["notes"] = [
                note(
                    "V181",
                    f"rows carry document id(s) {', '.join(row_docs)} under the header {header!r}",
                    file,
                    rows[0][0],
                    ex.id,
                    Severity.WARNING,
                )
            ]
        k += 1
        rows, between = [], []
        return ex

    for n, line in read_lines(path, encoding):
        if line.strip() and not line.startswith("#"):
            cols = line.split()
            if len(cols) <= NER_COLUMN:
                raise InputError(f"expected at least {NER_COLUMN + 2} columns, found {len(cols)}", file=file, line=n)
            rows.append((n, line, cols))
            continue
        if rows:
            if held is not None:
                yield held
            held = make()
        m = _BEGIN.match(line)
        if m:
            doc = f"{m.group(1)}#{m.group(2)}"
            header = m.group(1)
        between.append(line)
    if rows:
        if held is not None:
            yield held
        held = make()
    if held is not None:
        held.meta["extra"]["after"] = between
        yield held


def _words(ex: Example) -> tuple[list[str], list[tuple[int, int]]]:
    """The example's words, or its whitespace-separated tokens (CoNLL-2012 columns cannot hold a space)."""
    if ex.words is not None and ex.word_offsets is not None:
        return ex.words, ex.word_offsets
    offs = [(m.start(), m.end()) for m in re.finditer(r"\S+", ex.text)]
    return [ex.text[a:b] for a, b in offs], offs


def _cells(ex: Example) -> list[str]:
    offs = _words(ex)[1]
    starts = {a: i for i, (a, _) in enumerate(offs)}
    ends = {b: i for i, (_, b) in enumerate(offs)}
    cells = ["*"] * len(offs)
    for s, info in zip(ex.spans, span_infos(ex), strict=True):
        if "fragments" in info or s.start not in starts or s.end not in ends:
            raise InputError(f"example {ex.id}: span ({s.start},{s.end},{s.label}) is not a word range", line=ex.line)
        a, b = starts[s.start], ends[s.end]
        if cells[a] != "*" or cells[b] != "*":
            raise InputError(f"example {ex.id}: overlapping spans cannot be bracketed in one NER column", line=ex.line)
        cells[a] = f"({s.label})" if a == b else f"({s.label}*"
        if a != b:
            cells[b] = "*)"
    return cells


def write(path: str | Path, items: Iterable[Example], **_: object) -> int:
    """Examples with words; sentences read from this format keep their other columns and spacing."""
    count = 0

    def chunks() -> Iterator[str]:
        nonlocal count
        last_doc: Any = object()
        for ex in items:
            extra = ex.meta.get("extra", {}) if ex.meta.get("source_format") == NAME else {}
            cells = _cells(ex)
            for ln in extra.get("before", []):
                yield ln + "\n"
            if not extra and count:
                yield "\n"
            lines = extra.get("lines")
            if lines and extra.get("ner") == cells:
                for ln in lines:
                    yield ln + "\n"
            else:
                if not extra and ex.doc_id != last_doc:
                    yield f"#begin document ({ex.doc_id or 'doc'}); part 000\n"
                    last_doc = ex.doc_id
                for i, (w, cell) in enumerate(zip(_words(ex)[0], cells, strict=True)):
                    cols = (
                        lines[i].split()
                        if lines
                        else [ex.doc_id or "doc", "0", str(i), w, "-", "-", "-", "-", "-", "-", cell, "-"]
                    )
                    cols[NER_COLUMN] = cell
                    yield "   ".join(cols) + "\n"
            for ln in extra.get("after", []):
                yield ln + "\n"
            count += 1

    atomic_text(path, chunks())
    return count
