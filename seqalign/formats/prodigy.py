"""Prodigy / spaCy annotation JSONL: ``text``, ``tokens``, ``spans`` with char offsets and token indices.

``token_end`` is INCLUSIVE (the last token), ``end`` exclusive. A task without ``spans`` and one with
``"spans": []`` both mean "no entity". Tasks answered ``ignore`` or ``reject`` are not training data: by default
(``answers="accept"``) they are skipped and counted in an F104 note; ``answers="all"`` keeps them
(``meta["answer"]``) so a Prodigy -> Prodigy conversion is lossless.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Example
from ..tokenization import split_words
from .spaninfo import RawSpan, check_unit, fragments_of, make_example, note, out_offsets, span_infos
from .textio import read_lines
from .writing import atomic_text

NAME = "prodigy"
EXTENSIONS = ()
SPAN_KEYS = ("start", "end", "label", "text", "token_start", "token_end")


def sniff(head: str) -> bool:
    first = next((ln for ln in head.splitlines() if ln.strip()), "").strip()
    if '"source_format"' in first:
        return False  # seqalign's own JSONL, which may carry Prodigy's keys in its meta
    return (
        first.startswith("{")
        and '"text"' in first
        and any(k in first for k in ('"_input_hash"', '"tokens"', '"answer"', '"token_start"'))
    )


def read(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    offset_unit: str = "codepoint",
    lenient: bool = False,
    answers: str = "accept",
    **_: object,
) -> Iterator[Example]:
    file = str(path)
    check_unit(offset_unit)
    skipped: dict[str, int] = {}
    for n, line in read_lines(path, encoding):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg} at column {exc.colno}", file=file, line=n) from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputError('each line must be a Prodigy task object with a "text" string', file=file, line=n)
        answer = obj.get("answer", "accept")
        if answers != "all" and answer not in answers.split(","):
            skipped[str(answer)] = skipped.get(str(answer), 0) + 1
            continue
        spans = obj.get("spans", [])
        if not isinstance(spans, list):
            raise InputError('"spans" must be a list', file=file, line=n)
        raws: list[RawSpan] = []
        keeps: list[dict[str, Any]] = []
        for k, s in enumerate(spans):
            if not isinstance(s, dict):
                raise InputError(f"span {k} is not an object", file=file, line=n)
            raws.append(
                RawSpan(
                    s.get("start"),
                    s.get("end"),
                    s.get("label"),
                    s.get("text") if isinstance(s.get("text"), str) else None,
                    line=n,
                )
            )
            keeps.append({kk: v for kk, v in s.items() if kk not in ("start", "end", "label", "text")} | {"_keys": list(s)})
        rest = {kk: v for kk, v in obj.items() if kk not in ("text", "spans")}
        notes = []
        if skipped:
            notes.append(
                note(
                    "F104",
                    "skipped task(s) before this one: " + ", ".join(f"{v} answered {k}" for k, v in skipped.items()),
                    file,
                    n,
                )
            )
            skipped = {}
        if obj.get("relations"):
            notes.append(note("F102", f"{len(obj['relations'])} relation(s) kept aside (not spans)", file, n))
        ex = make_example(
            str(obj.get("_task_hash", obj.get("id", n))),
            obj["text"],
            raws,
            fmt=NAME,
            line=n,
            unit=offset_unit,
            lenient=lenient,
            file=file,
            where="task",
            extra={"rest": rest, "keys": list(obj), "has_spans": "spans" in obj},
            notes=notes,
        )
        ex.meta["answer"] = answer
        if len(ex.spans) == len(keeps):
            for info, keep in zip(ex.meta["span_info"], keeps, strict=True):
                info["extra"] = keep
        yield ex
    if skipped:
        # nothing follows to carry the note: an empty marker example would be data, so it goes to the reader log
        _TRAILING_SKIPS[file] = skipped


_TRAILING_SKIPS: dict[str, dict[str, int]] = {}


def trailing_skips(file: str) -> dict[str, int]:
    """Tasks skipped after the last kept one (no example followed to carry the F104 note)."""
    return _TRAILING_SKIPS.pop(file, {})


def _token_index(tokens: list[dict[str, Any]], start: int, end: int) -> tuple[int | None, int | None]:
    ts = next((i for i, t in enumerate(tokens) if t.get("start") == start), None)
    te = next((i for i, t in enumerate(tokens) if t.get("end") == end), None)
    return ts, te


def record(ex: Example, offset_unit: str = "codepoint") -> dict[str, Any]:
    extra = ex.meta.get("extra", {}) if ex.meta.get("source_format") == NAME else {}
    rest = dict(extra.get("rest", {}))
    tokens = rest.get("tokens")
    if not isinstance(tokens, list):
        tokens = [
            {"text": ex.text[a:b], "start": a, "end": b, "id": i, "ws": b < len(ex.text) and ex.text[b : b + 1].isspace()}
            for i, (a, b) in enumerate(split_words(ex.text))
        ]
        rest["tokens"] = tokens
    spans = []
    for s, info in zip(ex.spans, span_infos(ex), strict=True):
        keep = dict(info.get("extra") or {})
        keys = keep.pop("_keys", None)
        for a, b in fragments_of(s, info):
            start, end = out_offsets(ex.text, a, b, offset_unit)
            item: dict[str, Any] = {"start": start, "end": end, "label": s.label}
            if keys is None or "text" in keys:
                item["text"] = ex.text[a:b]
            if keys is None:
                ts, te = _token_index(tokens, a, b)
                if ts is not None and te is not None:
                    item["token_start"], item["token_end"] = ts, te  # token_end is inclusive in Prodigy
            item.update(keep)
            spans.append(
                {k: item[k] for k in (keys or list(item)) if k in item}
                | {k: v for k, v in item.items() if keys and k not in keys}
            )
    fields: dict[str, Any] = {"text": ex.text, **rest}
    if spans or extra.get("has_spans", True):
        fields["spans"] = spans
    order = [k for k in extra.get("keys", []) if k in fields]
    order += [k for k in fields if k not in order]
    return {k: fields[k] for k in order}


def write(path: str | Path, items: Iterable[Example], *, offset_unit: str = "codepoint", **_: object) -> int:
    check_unit(offset_unit)
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        for ex in items:
            count += 1
            yield json.dumps(record(ex, offset_unit), ensure_ascii=False) + "\n"

    atomic_text(path, lines())
    return count
