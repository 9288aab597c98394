"""What span formats hold beyond (start, end, label), kept in ``Example.meta`` so writers can give it back.

``Example.meta`` keys (all optional):

- ``span_info``: list parallel to ``Example.spans``; each a dict with any of ``id`` (the tool's span id),
  ``text`` (the span text the file stores), ``fragments`` (``[[s, e], ...]`` of a discontinuous span, in file
  order; the Span itself is then the hull), ``line`` (line of the span in the file).
- ``bad_spans``: spans a lenient reader (``lenient=True``, used by ``validate``) could not place in the text,
  each ``{"start", "end", "label", "text", "reason", "unit"}`` with the raw numbers from the file.
- ``notes``: reader findings (``Diagnostic`` with an F code) about this record: lines kept aside, results
  ignored, records skipped.
- ``extra``: JSON-able leftovers of the source format (other columns, relations, task fields) that a writer
  of the same format puts back; JSONL carries them as ``"meta"`` so X -> JSONL -> X is lossless.
- ``origin`` / ``annotator``: which annotation of a task this example is (Label Studio keeps them apart).
- ``source_format``: the reader's NAME.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from ..model import Diagnostic, Example, Location, Severity, Span
from ..offsets import UNITS, differs, from_codepoint, to_codepoint


@dataclass(slots=True)
class RawSpan:
    """A span as the file states it, in the file's offset unit."""

    start: Any
    end: Any
    label: Any
    text: str | None = None
    id: str | None = None
    fragments: list[tuple[int, int]] | None = None
    line: int | None = None


def check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise InputError(f"unknown offset unit {unit!r}; known: {', '.join(UNITS)}")
    return unit


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def place(
    raws: Sequence[RawSpan],
    text: str,
    *,
    unit: str = "codepoint",
    lenient: bool = False,
    file: str | None = None,
    line: int | None = None,
    where: str = "record",
) -> tuple[list[Span], list[dict[str, Any]], list[dict[str, Any]]]:
    """(spans in code points, span_info parallel to them, bad spans). Strict readers raise on a bad span."""
    spans: list[Span] = []
    infos: list[dict[str, Any]] = []
    bad: list[dict[str, Any]] = []
    for k, r in enumerate(raws):
        frags = r.fragments or [(r.start, r.end)]
        reason = None
        if not isinstance(r.label, str) or not r.label:
            reason = f"label must be a non-empty string, got {r.label!r}"
        elif not all(_is_int(s) and _is_int(e) for s, e in frags):
            reason = f"offsets must be integers, got {r.start!r}, {r.end!r}"
        placed: list[tuple[int, int]] = []
        if reason is None:
            for s, e in frags:
                cs, ce = to_codepoint(text, s, unit), to_codepoint(text, e, unit)
                if s < 0 or e < s:
                    reason = f"offsets ({s},{e}) are negative or reversed"
                elif cs is None or ce is None:
                    size = len(text) if unit == "codepoint" else from_codepoint(text, len(text), unit)
                    if e > size:
                        reason = f"offsets ({s},{e}) run past the end of a text of {size} " + (
                            "characters" if unit == "codepoint" else f"{unit} units"
                        )
                    else:  # within the text, but between the units of one character (half an emoji)
                        reason = f"offsets ({s},{e}) fall inside a character, counted in {unit} units"
                else:
                    placed.append((cs, ce))
                    continue
                break
        if reason is not None:
            if not lenient:
                hint = (
                    "offsets are read as "
                    + ("Unicode code points" if unit == "codepoint" else f"{unit} units (--offset-unit)")
                    + ", end-exclusive"
                )
                if differs(text, "utf16") and unit == "codepoint":
                    hint += (
                        "; this text has astral characters (emoji): UTF-16 offsets from browser tools need --offset-unit utf16"
                    )
                hint += "; `seqalign validate` lists every span that cannot be placed"
                raise InputError(
                    f"{where}, span {k} ({r.start},{r.end},{r.label}): {reason}", file=file, line=r.line or line, hint=hint
                )
            bad.append(
                {
                    "index": k,
                    "start": r.start,
                    "end": r.end,
                    "label": r.label,
                    "text": r.text,
                    "reason": reason,
                    "unit": unit,
                    "line": r.line or line,
                }
            )
            continue
        info: dict[str, Any] = {}
        if r.id is not None:
            info["id"] = r.id
        if r.text is not None:
            info["text"] = r.text
        if r.fragments is not None and len(placed) > 1:
            info["fragments"] = [list(p) for p in placed]
        if r.line is not None:
            info["line"] = r.line
        spans.append(Span(min(s for s, _ in placed), max(e for _, e in placed), r.label))
        infos.append(info)
    return spans, infos, bad


def make_example(
    ex_id: str,
    text: str,
    raws: Sequence[RawSpan],
    *,
    fmt: str,
    doc_id: str | None = None,
    line: int | None = None,
    unit: str = "codepoint",
    lenient: bool = False,
    file: str | None = None,
    where: str = "record",
    extra: dict[str, Any] | None = None,
    notes: list[Diagnostic] | None = None,
) -> Example:
    spans, infos, bad = place(raws, text, unit=unit, lenient=lenient, file=file, line=line, where=where)
    meta: dict[str, Any] = {"source_format": fmt, "span_info": infos}
    if unit != "codepoint":
        meta["offset_unit"] = unit
    if bad:
        meta["bad_spans"] = bad
    if extra:
        meta["extra"] = extra
    if notes:
        meta["notes"] = notes
    return Example(id=ex_id, text=text, spans=spans, doc_id=doc_id, line=line, meta=meta)


def span_infos(ex: Example) -> list[dict[str, Any]]:
    """span_info parallel to ex.spans (empty dicts when the reader kept none or the spans were replaced)."""
    infos = ex.meta.get("span_info")
    if isinstance(infos, list) and len(infos) == len(ex.spans):
        return infos
    return [{} for _ in ex.spans]


def fragments_of(span: Span, info: dict[str, Any]) -> list[tuple[int, int]]:
    frags = info.get("fragments")
    return [(int(s), int(e)) for s, e in frags] if frags else [(span.start, span.end)]


def out_offsets(text: str, start: int, end: int, unit: str) -> tuple[int, int]:
    """Code point offsets -> the writer's unit."""
    return from_codepoint(text, start, unit), from_codepoint(text, end, unit)


def note(
    code: str, message: str, file: str | None, line: int | None, ex_id: str | None = None, severity: Severity = Severity.INFO
) -> Diagnostic:
    return Diagnostic(code, severity, message, Location(file, line, ex_id))
