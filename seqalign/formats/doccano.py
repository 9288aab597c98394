"""doccano sequence-labeling JSONL, every export generation.

Text is under ``text`` (or ``data`` in early 1.x); spans under ``label`` / ``labels`` as ``[start, end, label]``
lists, or under ``entities`` as ``{"id", "label", "start_offset", "end_offset"}`` with ``relations`` beside
them. Offsets are end-exclusive characters of the browser, so texts with emoji may carry UTF-16 offsets
(``offset_unit="utf16"``). The keys a record used, and its other fields, are kept so writing it back gives
the same record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Example
from .spaninfo import RawSpan, check_unit, fragments_of, make_example, note, out_offsets, span_infos
from .textio import read_lines
from .writing import atomic_text

NAME = "doccano"
EXTENSIONS = (".json1",)
LABEL_KEYS = ("label", "labels", "entities")


def sniff(head: str) -> bool:
    first = next((ln for ln in head.splitlines() if ln.strip()), "").strip()
    if not first.startswith("{"):
        return False
    try:
        obj = json.loads(first)
    except ValueError:
        return False
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("text", obj.get("data")), str)
        and any(isinstance(obj.get(k), list) for k in LABEL_KEYS)
        and "spans" not in obj
        and "tokens" not in obj
    )


def _raws(obj: dict[str, Any], key: str, file: str, n: int) -> list[RawSpan]:
    out = []
    for k, item in enumerate(obj[key]):
        if isinstance(item, dict):
            out.append(
                RawSpan(
                    item.get("start_offset"),
                    item.get("end_offset"),
                    item.get("label"),
                    id=None if item.get("id") is None else str(item["id"]),
                )
            )
        elif isinstance(item, list) and len(item) == 3:
            out.append(RawSpan(item[0], item[1], item[2]))
        else:
            raise InputError(
                f"{key}[{k}] is neither [start, end, label] nor an entity object: {json.dumps(item)[:80]}", file=file, line=n
            )
    return out


def _entity_ids(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The entity ids as the file typed them (int or str), for the way back."""
    return [{"id": item["id"]} if isinstance(item, dict) and "id" in item else {} for item in obj.get(key, [])]


def read(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    offset_unit: str = "codepoint",
    lenient: bool = False,
    **_: object,
) -> Iterator[Example]:
    file = str(path)
    check_unit(offset_unit)
    for n, line in read_lines(path, encoding):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg} at column {exc.colno}", file=file, line=n) from None
        if not isinstance(obj, dict):
            raise InputError("each line must be a JSON object (one doccano record)", file=file, line=n)
        text_key = "text" if isinstance(obj.get("text"), str) else "data"
        text = obj.get(text_key)
        if not isinstance(text, str):
            raise InputError('record has no "text" (or "data") string', file=file, line=n)
        label_key = next((k for k in LABEL_KEYS if k in obj), "label")
        if not isinstance(obj.get(label_key, []), list):
            raise InputError(f'"{label_key}" must be a list', file=file, line=n)
        raws = _raws(obj, label_key, file, n) if label_key in obj else []
        rest = {k: v for k, v in obj.items() if k not in (text_key, label_key)}
        notes = []
        if obj.get("relations"):
            notes.append(note("F102", f"{len(obj['relations'])} relation(s) kept aside (not spans)", file, n, str(obj.get("id"))))
        # how the line was serialized, so that writing it back reproduces the export byte for byte
        style = {
            "compact": '": ' not in line and '", ' not in line,
            "ascii": line.isascii() and "\\u" in line,
            "slash": "\\/" in line,
        }
        extra = {"keys": list(obj), "text_key": text_key, "label_key": label_key, "rest": rest, "style": style}
        ex = make_example(
            str(obj.get("id", n)),
            text,
            raws,
            fmt=NAME,
            line=n,
            unit=offset_unit,
            lenient=lenient,
            file=file,
            where="record" if obj.get("id") is None else f"record id {obj['id']}",
            extra=extra,
            notes=notes,
        )
        ids = _entity_ids(obj, label_key)
        if label_key == "entities" and len(ids) == len(ex.spans):
            for info, keep in zip(ex.meta["span_info"], ids, strict=True):
                if keep:
                    info["extra"] = keep
        yield ex


def record(ex: Example, offset_unit: str = "codepoint") -> dict[str, Any]:
    extra = ex.meta.get("extra", {}) if ex.meta.get("source_format") == NAME else {}
    text_key = extra.get("text_key", "text")
    label_key = extra.get("label_key", "label")
    rest = dict(extra.get("rest", {}))
    items: list[Any] = []
    for s, info in zip(ex.spans, span_infos(ex), strict=True):
        for a, b in fragments_of(s, info):  # doccano has no discontinuous spans: each fragment is a span
            start, end = out_offsets(ex.text, a, b, offset_unit)
            if label_key == "entities":
                items.append(
                    {
                        "id": (info.get("extra") or {}).get("id", info.get("id")),
                        "label": s.label,
                        "start_offset": start,
                        "end_offset": end,
                    }
                )
            else:
                items.append([start, end, s.label])
    fields = {text_key: ex.text, label_key: items, **rest}
    if "id" not in fields and not extra:
        fields["id"] = ex.id  # a record from another format gets its id; a doccano record keeps what it had
    order = [k for k in extra.get("keys", []) if k in fields] or ["id", text_key, label_key]
    order += [k for k in fields if k not in order]
    return {k: fields[k] for k in order}


def write(path: str | Path, items: Iterable[Example], *, offset_unit: str = "codepoint", **_: object) -> int:
    check_unit(offset_unit)
    count = 0

    def lines() -> Iterator[str]:
        nonlocal count
        for ex in items:
            count += 1
            style = (ex.meta.get("extra") or {}).get("style", {}) if ex.meta.get("source_format") == NAME else {}
            seps = (",", ":") if style.get("compact") else (", ", ": ")
            out = json.dumps(record(ex, offset_unit), ensure_ascii=bool(style.get("ascii")), separators=seps)
            # "/" only occurs inside JSON strings, so escaping it everywhere is what PHP-style exporters did
            yield (out.replace("/", "\\/") if style.get("slash") else out) + "\n"

    atomic_text(path, lines())
    return count
