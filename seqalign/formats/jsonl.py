"""JSON Lines with char spans: ``{"id", "text", "spans": [{"start", "end", "label"}]}`` per line.

Spans may also be ``[start, end, label]`` lists. Offsets are code points, end-exclusive; anything out of
range is an input error with the line number, never silently clipped.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Example, Span
from .spaninfo import RawSpan, check_unit, make_example, span_infos
from .textio import read_lines

NAME = "jsonl"
EXTENSIONS = (".jsonl", ".ndjson", ".json")


def sniff(head: str) -> bool:
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    return first.lstrip().startswith("{") and '"text"' in first


def _raw(obj: Any, file: str, n: int, k: int) -> RawSpan:
    if isinstance(obj, dict):
        frags = obj.get("fragments")
        stored = obj.get("stored_text", obj.get("text"))
        return RawSpan(
            obj.get("start"),
            obj.get("end"),
            obj.get("label"),
            stored if isinstance(stored, str) else None,
            None if obj.get("id") is None else str(obj.get("id")),
            [tuple(f) for f in frags] if isinstance(frags, list) and frags else None,  # type: ignore[misc]
        )
    if isinstance(obj, list | tuple) and len(obj) >= 3:
        return RawSpan(obj[0], obj[1], obj[2])
    raise InputError(f"span {k} is not an object with start/end/label: {str(obj)[:80]}", file=file, line=n)


_PLAIN_RECORD = frozenset({"id", "text", "spans", "doc_id"})
_PLAIN_SPAN = frozenset({"start", "end", "label", "text"})


def _plain_spans(raw: list[Any], text: str) -> tuple[list[Span], list[dict[str, Any]]] | None:
    """The spans of a record in the plain shape (objects with start/end/label and maybe their text, code
    points, all in range), as ``make_example`` would place them; None for anything else, which then takes
    the general path (and its error messages). Most records are plain, and this is 3x faster."""
    n = len(text)
    spans: list[Span] = []
    infos: list[dict[str, Any]] = []
    for r in raw:
        if type(r) is not dict:
            return None
        st, en, lab = r.get("start"), r.get("end"), r.get("label")
        if type(st) is not int or type(en) is not int or type(lab) is not str or not lab or not 0 <= st <= en <= n:
            return None
        if len(r) > 3:
            if not r.keys() <= _PLAIN_SPAN:
                return None
            stored = r.get("text")
            infos.append({"text": stored} if isinstance(stored, str) else {})
        else:
            infos.append({})
        spans.append(Span(st, en, lab))
    return spans, infos


def read(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    offset_unit: str = "codepoint",
    lenient: bool = False,
    **_: object,
) -> Iterator[Example]:
    yield from parse_lines(read_lines(path, encoding), str(path), offset_unit=offset_unit, lenient=lenient)


def parse_lines(
    lines: Iterable[tuple[int, str]],
    file: str,
    *,
    first_record: int = 0,
    offset_unit: str = "codepoint",
    lenient: bool = False,
    default_id: Callable[[int], str] = str,
) -> Iterator[Example]:
    """Examples from numbered lines (a whole file, or a shard of one whose first record is ``first_record``).
    A record without an id is named ``default_id(its record number)``."""
    check_unit(offset_unit)
    k = first_record
    for n, line in lines:
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
        ex_id = obj["id"] if "id" in obj else default_id(k)
        doc = obj.get("doc_id", obj.get("document_id"))
        fast = _plain_spans(raw, text) if offset_unit == "codepoint" and obj.keys() <= _PLAIN_RECORD else None
        if fast is not None:
            yield Example(
                id=str(ex_id),
                text=text,
                spans=fast[0],
                doc_id=None if doc is None else str(doc),
                line=n,
                meta={"source_format": NAME, "span_info": fast[1]},
            )
            k += 1
            continue
        raws = [_raw(s, file, n, i) for i, s in enumerate(raw)]
        ex = make_example(
            str(ex_id),
            text,
            raws,
            fmt=NAME,
            doc_id=None if doc is None else str(doc),
            line=n,
            unit=offset_unit,
            lenient=lenient,
            file=file,
            where=f"record {k}",
        )
        _restore(ex, obj, raw)
        yield ex
        k += 1


def _restore(ex: Example, obj: dict[str, Any], raw: list[Any]) -> None:
    """Give back what another reader put in meta (words, annotator, format leftovers)."""
    span_meta = [s.get("meta") if isinstance(s, dict) else None for s in raw]
    if len(span_meta) == len(ex.spans):
        for info, m in zip(ex.meta["span_info"], span_meta, strict=True):
            if isinstance(m, dict):
                info["extra"] = m
    words = obj.get("words")
    offs = obj.get("word_offsets")
    if isinstance(words, list) and isinstance(offs, list) and len(words) == len(offs):
        ex.words = [str(w) for w in words]
        ex.word_offsets = [(int(a), int(b)) for a, b in offs]
        tags = obj.get("word_tags")
        if isinstance(tags, list) and len(tags) == len(words):
            ex.word_tags = [str(t) for t in tags]
    meta = obj.get("meta")
    if isinstance(meta, dict):
        for key in ("origin", "cancelled", "annotator", "source_format"):
            if key in meta:
                ex.meta[key] = meta[key]
        if isinstance(meta.get("extra"), dict):
            ex.meta["extra"] = meta["extra"]


def example_to_dict(ex: Example, spans: Iterable[Span] | None = None) -> dict[str, Any]:
    d: dict[str, Any] = {"id": ex.id}
    if ex.doc_id is not None:
        d["doc_id"] = ex.doc_id
    d["text"] = ex.text
    own = spans is None or spans is ex.spans
    chosen = list(ex.spans if spans is None else spans)
    infos = span_infos(ex) if own else [{} for _ in chosen]
    out = []
    for s, info in zip(chosen, infos, strict=True):
        item: dict[str, Any] = {"start": s.start, "end": s.end, "label": s.label, "text": ex.text[s.start : s.end]}
        if "id" in info:
            item["id"] = info["id"]
        if "fragments" in info:
            item["fragments"] = info["fragments"]
            item["text"] = " ".join(ex.text[a:b] for a, b in info["fragments"])
        if isinstance(info.get("text"), str) and info["text"] != item["text"]:
            item["stored_text"] = info["text"]  # what the source file said, kept for the way back and for validate
        if info.get("extra"):
            item["meta"] = info["extra"]
        out.append(item)
    d["spans"] = out
    if own and ex.words is not None and ex.word_offsets is not None and ex.meta.get("source_format") not in (None, "conll"):
        # word formats other than plain CoNLL keep their tokens, so the way back is exact
        d["words"] = ex.words
        d["word_offsets"] = [list(o) for o in ex.word_offsets]
        if ex.word_tags is not None:
            d["word_tags"] = ex.word_tags
    meta = {k: ex.meta[k] for k in ("source_format", "origin", "cancelled", "annotator", "extra") if k in ex.meta}
    if own and meta:
        d["meta"] = meta
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
