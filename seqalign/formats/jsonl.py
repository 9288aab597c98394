"""JSON Lines with char spans: ``{"id", "text", "spans": [{"start", "end", "label"}]}`` per line.

Spans may also be ``[start, end, label]`` lists. Offsets are code points, end-exclusive; anything out of
range is an input error with the line number, never silently clipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Example, Span
from .textio import read_lines

NAME = "jsonl"
EXTENSIONS = (".jsonl", ".ndjson", ".json")


def sniff(head: str) -> bool:
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    return first.lstrip().startswith("{") and '"text"' in first


def _span(obj: Any, text: str, file: str, n: int, k: int) -> Span:
    where = f"span {k}"
    if isinstance(obj, dict):
        start, end, label = obj.get("start"), obj.get("end"), obj.get("label")
    elif isinstance(obj, list | tuple) and len(obj) >= 3:
        start, end, label = obj[0], obj[1], obj[2]
    else:
        raise InputError(f"{where} is not an object with start/end/label: {str(obj)[:80]}", file=file, line=n)
    for name, v in (("start", start), ("end", end)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise InputError(f"{where}: {name} must be an integer, got {v!r}", file=file, line=n)
    if not isinstance(label, str) or not label:
        raise InputError(f"{where}: label must be a non-empty string, got {label!r}", file=file, line=n)
    if start < 0 or end < start or end > len(text):
        raise InputError(
            f"{where} ({start},{end},{label}) is out of range for a text of {len(text)} characters",
            file=file,
            line=n,
            hint="offsets are Unicode code points, end-exclusive; UTF-16 offsets from browser tools run past the "
            "end after astral characters (emoji)",
        )
    return Span(start, end, label)


def read(path: str | Path, *, encoding: str = "utf-8", **_: object) -> Iterator[Example]:
    file = str(path)
    k = 0
    for n, line in read_lines(path, encoding):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg} at column {exc.colno}", file=file, line=n) from None
        if not isinstance(obj, dict):
            raise InputError("each line must be a JSON object", file=file, line=n)
        text = obj.get("text")
        if not isinstance(text, str):
            raise InputError('record has no "text" string', file=file, line=n, hint='expected {"id", "text", "spans": [...]}')
        raw = obj.get("spans", obj.get("entities", obj.get("label", [])))
        if raw is None:
            raw = []
        if not isinstance(raw, list):
            raise InputError('"spans" must be a list', file=file, line=n)
        spans = [_span(s, text, file, n, i) for i, s in enumerate(raw)]
        ex_id = obj.get("id", k)
        doc = obj.get("doc_id", obj.get("document_id"))
        yield Example(id=str(ex_id), text=text, spans=spans, doc_id=None if doc is None else str(doc), line=n)
        k += 1


def example_to_dict(ex: Example, spans: Iterable[Span] | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"id": ex.id}
    if ex.doc_id is not None:
        d["doc_id"] = ex.doc_id
    d["text"] = ex.text
    d["spans"] = [
        {"start": s.start, "end": s.end, "label": s.label, "text": ex.text[s.start : s.end]}
        for s in (ex.spans if spans is None else spans)
    ]
    return d


def write(path: str | Path, examples: Iterable[tuple[Example, list[Span]]]) -> int:
    count = 0
    tmp = Path(f"{path}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for ex, spans in examples:
                fh.write(json.dumps(example_to_dict(ex, spans), ensure_ascii=False) + "\n")
                count += 1
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count
