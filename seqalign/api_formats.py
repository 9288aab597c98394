"""The jobs behind ``seqalign validate`` (and the format side of ``convert``), callable from Python."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import formats
from .api import open_any
from .errors import InputError, UsageError
from .model import Diagnostic, Example, Report
from .pipeline import ReadOptions
from .schemes import Scheme, TagError, get_scheme
from .tokenization import load_tokenizer


def _label_list(path: str | Path) -> set[str]:
    """Entity types from a file: one per line, a JSON list, or a seqalign labels.json (prefixes dropped)."""
    from .schemes import parse_tag

    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read the label list: {exc.strerror}", file=str(p)) from None
    try:
        data = json.loads(raw)
        items = data["labels"] if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise ValueError
    except (ValueError, KeyError):
        items = [ln.strip() for ln in raw.splitlines() if ln.strip() and not ln.startswith("#")]
    out: set[str] = set()
    for it in items:
        lab = str(it)
        if lab == "O":
            continue
        try:
            out.add(parse_tag(lab)[1] if "-" in lab[:2] else lab)
        except TagError:
            out.add(lab)
    return out


def validate_file(
    input_path: str | Path,
    *,
    read: ReadOptions = ReadOptions(),
    offset_unit: str = "codepoint",
    tokenizer: str | None = None,
    labels_file: str | Path | None = None,
    input_scheme: str | None = None,
    selected: tuple[str, ...] = (),
    ignored: tuple[str, ...] = (),
    fix_out: str | Path | None = None,
    collect: list[Example] | None = None,
    collect_limit: int = 500,
) -> Report:
    """Every check of ``seqalign.validate`` over one input. Error-level diagnostics mean exit 1."""
    from . import validate as v
    from .schemes import detect_scheme

    file = str(input_path)
    # brat event triggers are checked too: a validator looks at every T line of the export
    mod, raw_again = open_any(input_path, read, offset_unit=offset_unit, lenient=True, triggers="spans", tag_check=False)

    def again() -> Iterator[Example]:
        for ex in raw_again():
            bad = v.clean_tags(ex, file)
            if bad:
                ex.meta.setdefault("notes", []).extend(bad)
            yield ex

    p = Path(input_path)
    diags: list[Diagnostic] = []
    if p.is_file():
        with open(p, "rb") as fh:
            diags += v.check_bytes(fh.read(1 << 20), file)
    checks = v.Checks(labels=_label_list(labels_file) if labels_file else None, file=file)
    scheme_note = None
    first = next(iter(again()), None)
    if first is not None and first.word_tags is not None:
        seqs = [ex.word_tags for ex in again() if ex.word_tags is not None]
        if input_scheme:
            checks.scheme = get_scheme(input_scheme)
        else:
            det = detect_scheme(seqs)
            name = det.scheme or min(det.candidates, key=lambda k: det.candidates[k], default=None)
            checks.scheme = get_scheme(name) if name else None
            scheme_note = f"tag scheme {det.status}: read as {name} ({det.note})" if name else None
    adapter = load_tokenizer(tokenizer) if tokenizer else None
    report = Report()
    report.meta = {"input": file, "format": mod.NAME, "offset_unit": offset_unit, "tokenizer": tokenizer}
    if scheme_note:
        report.notes.append(scheme_note)
    fixed: list[Any] = []
    n_fixes = 0
    batch: list[Example] = []

    def run(batch: list[Example]) -> None:
        nonlocal n_fixes
        encs = adapter.encode_texts([ex.text for ex in batch]) if adapter is not None else [None] * len(batch)
        for ex, enc in zip(batch, encs, strict=True):
            if ex.word_tags is not None and not ex.spans and ex.word_offsets is not None and checks.scheme is not None:
                chunks, _ = tags_to_spans_safe(ex, checks.scheme)
                ex.spans = chunks
            found = v.select(v.validate_example(ex, checks, enc), selected, ignored)
            diags.extend(found)
            report.counts.examples += 1
            report.counts.spans_in += len(ex.spans)
            if collect is not None and found and len(collect) < collect_limit:
                collect.append(ex)
            if fix_out is not None:
                n_fixes += v.apply_fixes(ex, found)
                fixed.append(ex)

    for ex in again():
        batch.append(ex)
        if len(batch) >= 256:
            run(batch)
            batch = []
    if batch:
        run(batch)
    if report.counts.examples == 0 and mod.NAME not in ("label_studio",):
        raise InputError("no examples found (the file holds no sentences or records)", file=file)
    report.diagnostics = v.select(diags, selected, ignored)
    report.meta["spans"] = report.counts.spans_in
    if fix_out is not None:
        kind = formats.kind(mod)
        if kind == "tags":
            raise UsageError(f"--fix writes span formats; {mod.NAME} holds word tags", hint="convert to JSONL first")
        mod.write(fix_out, [(ex, ex.spans) for ex in fixed] if kind == "spans" else fixed)
        report.meta["fixes_applied"] = n_fixes
        report.meta["fixed_output"] = str(fix_out)
    return report


def tags_to_spans_safe(ex: Example, scheme: Scheme) -> tuple[list[Any], list[Any]]:
    """Word tags -> char spans under ``scheme`` (repair=begin), for the span checks of validate."""
    from .model import Span
    from .schemes import tags_to_spans

    assert ex.word_tags is not None and ex.word_offsets is not None
    chunks, viol = tags_to_spans(ex.word_tags, scheme, "begin")
    return [Span(ex.word_offsets[a][0], ex.word_offsets[b - 1][1], t) for a, b, t in chunks], viol
