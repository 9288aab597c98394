"""Python API for tag sequences: transition tables, checking/repairing tag files, decoding predictions, evaluation.

The CLI verbs in ``cli_tags`` are thin over these functions; they read and write files, the modules they call
(``schemes``, ``tagcheck``, ``decode``, ``decode_windows``, ``evaluation``) do not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .decode import ScoredSpan
from .decode_windows import WINDOW_CONFLICT, Decoded, Window, count_specials, decode_example, row_pieces
from .errors import InputError, UsageError, refuse_overwrite
from .evaluation import Evaluation, entities_of, evaluate_entities
from .model import Diagnostic
from .predictions import Predictions, load_predictions
from .schemes import allowed_transitions, get_scheme
from .tagcheck import CheckResult, check_sequences


def transition_table(scheme: str, *, labels_file: str | Path | None = None, types: list[str] | None = None) -> dict[str, Any]:
    """``{"scheme", "labels", "matrix", "start", "end"}``; labels from a labels.json, or all tags of ``types``."""
    sch = get_scheme(scheme)
    if labels_file is not None:
        try:
            data = json.loads(Path(labels_file).read_text(encoding="utf-8"))
            labels = list(data["labels"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"not a seqalign labels.json: {exc}", file=str(labels_file)) from None
        if data.get("scheme") and get_scheme(data["scheme"]).name != sch.name:
            raise UsageError(f"labels.json is for scheme {data['scheme']}, but --scheme is {sch.name}", file=str(labels_file))
    else:
        clean = [t.strip() for t in types or [] if t.strip()]
        if not clean:
            raise UsageError("no entity types given")
        labels = sch.labels_for(clean)
    try:
        matrix, start, end = allowed_transitions(sch, labels)
    except ValueError as exc:  # TagError: a label the scheme cannot read
        raise UsageError(str(exc), file=str(labels_file) if labels_file else None) from None
    return {"scheme": sch.name, "labels": labels, "matrix": matrix, "start": start, "end": end}


def check_tags_file(
    path: str | Path,
    *,
    input_scheme: str | None = None,
    repair: str = "none",
    out: str | Path | None = None,
    layout: str | None = None,
    token_column: int = 0,
    tag_column: int = -1,
    encoding: str = "utf-8",
) -> CheckResult:
    """Check every tag sequence of a file; with a repair policy and ``out``, write the repaired copy."""
    from .tag_sources import read_sequences, write_repaired

    layout, seqs = read_sequences(path, layout, token_column=token_column, tag_column=tag_column, encoding=encoding)
    if not seqs:
        raise InputError("no tag sequences found", file=str(path))
    res = check_sequences(seqs, input_scheme, repair)
    if res.scheme is None and repair != "none":
        raise UsageError(
            f"the tag scheme is {res.scheme_source} ({res.detection.note if res.detection else ''}); a repair needs to know it",
            file=str(path),
            hint="pass --input-scheme",
        )
    if out is not None and res.repaired is not None:
        write_repaired(path, out, layout, seqs, res.repaired, tag_column=tag_column, encoding=encoding)
    return res


# ------------------------------------------------------------------------------------------------ decode


@dataclass(slots=True)
class DecodeReport:
    examples: int = 0
    rows: int = 0
    spans: int = 0
    illegal_transitions: int = 0  # in the predicted tags, read with the named repair
    diagnostics: list[Diagnostic] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "rows": self.rows,
            "spans": self.spans,
            "illegal_transitions": self.illegal_transitions,
            "window_conflicts": sum(1 for d in self.diagnostics if d.code == WINDOW_CONFLICT),
            "meta": self.meta,
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }


def _dataset_meta(d: Path) -> tuple[dict[str, Any], tuple[int, int] | None]:
    try:
        labels = json.loads((d / "labels.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"not a seqalign dataset (labels.json: {exc})", file=str(d)) from None
    specials = None
    try:
        tok = json.loads((d / "report.json").read_text(encoding="utf-8"))["meta"]["tokenizer"]
        specials = (len(tok["prefix_ids"]), len(tok["suffix_ids"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass  # older exports: count the specials on each row instead
    return labels, specials


def _recorded_read(d: Path) -> dict[str, Any]:
    """How align read its input (report.json ``meta.read``); {} for older exports."""
    try:
        how = json.loads((d / "report.json").read_text(encoding="utf-8"))["meta"]["read"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return how if isinstance(how, dict) else {}


def decode_rows_to_spans(
    rows: Sequence[dict[str, Any]],
    label_info: dict[str, Any],
    predictions: Predictions | None = None,
    *,
    aggregation: str = "first",
    repair: str = "begin",
    specials: tuple[int, int] | None = None,
) -> tuple[list[tuple[dict[str, Any], Decoded]], DecodeReport]:
    """Rows of an exported dataset (+ predictions, one entry per row) -> (first row, decoded) per example."""
    scheme = get_scheme(label_info["scheme"])
    id2label = {int(k): v for k, v in label_info["id2label"].items()}
    mode = label_info.get("label_subwords", "all")
    if predictions is not None and len(predictions.rows) != len(rows):
        raise InputError(
            f"{len(predictions.rows)} prediction rows for {len(rows)} dataset rows; one per row, in dataset order",
            file=predictions.file,
        )
    groups: dict[str, list[Window]] = {}
    firsts: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows):
        npre, nsuf = specials if specials is not None else count_specials(row)
        labs = probs = None
        if predictions is not None:
            labs, probs = predictions.row(i, list(row["labels"]), id2label)
        groups.setdefault(row["id"], []).append(row_pieces(row, npre, nsuf, labs, probs))
        firsts.setdefault(row["id"], row)
    report = DecodeReport(examples=len(groups), rows=len(rows))
    out = []
    for ex_id, windows in groups.items():
        # Gold labels carry their own prefixes on every piece: only the first piece reads them right.
        agg = aggregation if predictions is not None else "first"
        dec = decode_example(ex_id, windows, id2label, scheme, mode, agg, repair)
        report.spans += len(dec.spans)
        report.illegal_transitions += len(dec.violations)
        report.diagnostics.extend(dec.diagnostics)
        out.append((firsts[ex_id], dec))
    return out, report


def decode_dataset(
    dataset_dir: str | Path,
    out: str | Path,
    *,
    predictions: str | Path | None = None,
    text_from: str | Path | None = None,
    aggregation: str = "first",
    repair: str = "begin",
) -> DecodeReport:
    """Labels (gold, or a model's predictions) of an exported dataset -> one JSONL line of spans per example."""
    from .api import _load_rows
    from .pipeline import open_examples

    refuse_overwrite(dataset_dir, out, "the dataset")
    d = Path(dataset_dir)
    label_info, specials = _dataset_meta(d)
    rows = _load_rows(d)
    preds = load_predictions(predictions, [len(x) for x in _column(rows, "labels")]) if predictions is not None else None
    texts: dict[str, str] = {}
    if text_from is not None:
        from collections import Counter

        from .api import DEFAULT_ORIGINS, _by_origin
        from .pipeline import IdNames, ReadOptions

        # read as align read it (report.json says how): same format options, same records, same renames
        how = _recorded_read(d)
        read = ReadOptions(
            how.get("format"),
            int(how.get("token_column", 0)),
            int(how.get("tag_column", -1)),
            str(how.get("encoding", "utf-8")),
            str(how.get("offset_unit", "codepoint")),
        )
        _, again = open_examples(text_from, read)
        again = _by_origin(again, tuple(how.get("origins") or DEFAULT_ORIGINS), Counter())
        names = IdNames()  # repeated ids, renamed as align renamed them (id#2, ...)
        for ex in again():
            texts[names.rename(ex.id) or ex.id] = ex.text
        _check_texts(rows, texts, str(text_from))
    decoded, report = decode_rows_to_spans(rows, label_info, preds, aggregation=aggregation, repair=repair, specials=specials)
    report.meta = {
        "dataset": str(d),
        "predictions": str(predictions) if predictions is not None else None,
        "kind": preds.kind if preds is not None else "gold",
        "aggregation": aggregation if preds is not None else "first",
        "repair": repair,
        "scheme": label_info.get("scheme"),
        "label_subwords": label_info.get("label_subwords", "all"),
    }
    tmp = Path(f"{out}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            for row, dec in decoded:
                rec: dict[str, Any] = {"id": row["id"]}
                if row.get("doc_id") is not None:
                    rec["doc_id"] = row["doc_id"]
                text = texts.get(row["id"])
                if text is not None:
                    rec["text"] = text
                rec["spans"] = [_span_record(s, text) for s in dec.spans]
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return report


def _column(rows: Any, name: str) -> Any:
    """One column of the rows: read as a column from a ``datasets.Dataset`` (iterating its rows would decode
    every column of every row), picked from each row of a list of dicts."""
    return rows[name] if hasattr(rows, "column_names") else [r[name] for r in rows]


def _check_texts(rows: Any, texts: dict[str, str], file: str) -> None:
    """--text-from must be the file the dataset was aligned from: every example's text there, and every
    token's offsets on characters of it that a token can start and end with (offsets are trimmed of
    whitespace when aligned). CoNLL ids are sentence numbers, so another split of the same corpus has the
    same ids: without this, its texts would be cut at this dataset's offsets without a word."""
    missing: dict[str, None] = {}  # by example: windows are rows of one example
    for rid, offsets in zip(_column(rows, "id"), _column(rows, "offset_mapping"), strict=True):
        text = texts.get(rid)
        if text is None:
            missing[rid] = None
            continue
        n = len(text)
        for s, e in offsets:
            if e > s and (e > n or text[s].isspace() or text[e - 1].isspace()):
                raise InputError(
                    f"example {rid}: the dataset has a token at characters {s}-{e}, which "
                    + ("lie past the end of this file's text" if e > n else f"is {text[s:e]!r} in this file's text"),
                    file=file,
                    hint="--text-from must be the file the dataset was aligned from",
                )
    if missing:
        raise InputError(
            f"{len(missing)} example(s) of the dataset have no text in this file (first: {', '.join(list(missing)[:3])})",
            file=file,
            hint="--text-from must be the file the dataset was aligned from",
        )


def _span_record(s: ScoredSpan, text: str | None) -> dict[str, Any]:
    rec: dict[str, Any] = {"start": s.start, "end": s.end, "label": s.label}
    if text is not None:
        rec["text"] = text[s.start : s.end]
    if s.score is not None:
        rec["score"] = round(s.score, 6)
    return rec


# ---------------------------------------------------------------------------------------------- evaluate


@dataclass(slots=True)
class _Side:
    kind: str  # "tags" | "spans"
    ids: list[str]
    tags: list[list[str]] | None = None
    spans: list[list[tuple[int, int, str]]] | None = None
    words: list[list[str]] | None = None
    lines: list[int | None] | None = None
    texts: list[str | None] | None = None  # span side: each record's text, when it has one
    seqs: list[Any] | None = None  # tag side: the TagSequences (for the line of a token)
    record_lines: list[int | None] | None = None  # span side


def _read_side(path: str | Path, encoding: str) -> _Side:
    from .formats import detect_format
    from .schemes import TagError, parse_tag
    from .tag_sources import read_sequences

    p = Path(path)
    if detect_format(p, encoding).NAME == "jsonl":
        from .formats import jsonl

        exs = list(jsonl.read(p, encoding=encoding))
        return _Side(
            "spans",
            [e.id for e in exs],
            spans=[[s.as_tuple() for s in e.spans] for e in exs],
            texts=[e.text for e in exs],
            record_lines=[e.line for e in exs],
        )
    layout, seqs = read_sequences(p, encoding=encoding)
    for s in seqs:
        for i, t in enumerate(s.tags):
            try:
                parse_tag(t)
            except TagError as exc:
                raise InputError(
                    str(exc), file=str(p), line=s.line_of(i), hint="repair it first: seqalign check-tags --repair"
                ) from None
    words = None
    if layout == "conll":
        from .formats import conll

        words = [list(ex.words or []) for ex in conll.read(p, encoding=encoding, tag_check=False)]
    return _Side("tags", [s.id for s in seqs], tags=[s.tags for s in seqs], words=words, lines=[s.line for s in seqs], seqs=seqs)


def evaluate_files(
    gold_path: str | Path,
    pred_path: str | Path,
    *,
    mode: str = "default",
    scheme: str | None = None,
    criterion: str = "exact",
    repair: str = "begin",
    encoding: str = "utf-8",
    missing: str = "error",
) -> Evaluation:
    """Score PRED against GOLD: two tag files (CoNLL or one line of tags per sequence), two JSONL span files,
    or one of each (tags are then read into char spans over the words joined by single spaces).

    The two sides must describe the same texts: tag files the same tokens (when both have tokens), span
    files the same text for an id (when both give it). A gold id without a prediction is an error unless
    ``missing="empty"``, which scores it as predicting nothing and counts it in ``missing_predictions``.
    """
    from .schemes import detect_scheme

    if missing not in ("error", "empty"):
        raise UsageError(f"unknown missing policy {missing!r}; choose error or empty")
    g = _read_side(gold_path, encoding)
    p = _read_side(pred_path, encoding)
    if g.kind == "tags" and p.kind == "tags":
        _same_sequences(g, p, pred_path)
    scheme_name = _eval_scheme(g, p, mode, scheme, gold_path, detect_scheme)
    gold_ents = _entities(g, mode, scheme_name, repair)
    pred_ents = _entities(p, mode, scheme_name, repair)
    if g.kind != p.kind:
        # One side is char spans: read the tag side into char spans over its words joined by single spaces.
        for side, ents in ((g, gold_ents), (p, pred_ents)):
            if side.kind == "tags":
                if side.words is None:
                    raise UsageError("a tag-only file has no words, so it cannot be compared with char spans")
                ents[:] = _to_chars(side, ents)
    if g.kind == p.kind == "tags":
        ev = evaluate_entities(gold_ents, pred_ents, criterion, mode, scheme_name)
    else:
        gold_by_id = _by_id(g, gold_ents, gold_path)
        pred_by_id = _by_id(p, pred_ents, pred_path)
        unknown = [i for i in pred_by_id if i not in gold_by_id]
        if unknown:
            raise InputError(
                f"predictions for {len(unknown)} example id(s) the gold file lacks, e.g. {unknown[0]!r}", file=str(pred_path)
            )
        _same_texts(g, p, pred_path)
        absent = [i for i in g.ids if i not in pred_by_id]
        if absent and missing == "error":
            raise InputError(
                f"no prediction for {len(absent)} of the {len(g.ids)} gold example id(s), e.g. {absent[0]!r}; "
                "scoring them as empty would lower recall without saying so",
                file=str(pred_path),
                hint="predict every example (a record with no spans for none), or pass --missing empty to score "
                "them as predicting nothing",
            )
        ev = evaluate_entities(
            [gold_by_id[i] for i in g.ids],
            [pred_by_id.get(i, []) for i in g.ids],
            criterion,
            mode if "tags" in (g.kind, p.kind) else "spans",
            scheme_name,
        )
        ev.missing_predictions = len(absent)
    return ev


def _same_sequences(g: _Side, p: _Side, pred_path: str | Path) -> None:
    """Tag files are paired by position: the same number of sequences, of the same lengths, and (when both
    files have tokens) the same tokens; otherwise the scores would compare unrelated positions."""
    assert g.tags is not None and p.tags is not None
    if len(g.tags) != len(p.tags):
        raise InputError(f"{len(p.tags)} sequences, the gold file has {len(g.tags)}", file=str(pred_path))
    for k, (a, b) in enumerate(zip(g.tags, p.tags, strict=True)):
        if len(a) != len(b):
            raise InputError(
                f"sequence {k + 1} has {len(b)} tags, the gold one {len(a)}",
                file=str(pred_path),
                line=(p.lines or [None] * (k + 1))[k],
            )
    if g.words is None or p.words is None:
        return
    for k, (gw, pw) in enumerate(zip(g.words, p.words, strict=True)):
        if gw != pw:
            i = next(i for i, (x, y) in enumerate(zip(gw, pw, strict=True)) if x != y)
            raise InputError(
                f"sequence {k + 1}, token {i + 1} is {pw[i]!r} where the gold file has {gw[i]!r}: the files do not "
                "hold the same tokens, so their tags cannot be paired",
                file=str(pred_path),
                line=p.seqs[k].line_of(i) if p.seqs else None,
                hint="predict on the gold file's own tokens, in its order",
            )


def _by_id(side: _Side, ents: list[list[tuple[int, int, str]]], path: str | Path) -> dict[str, list[tuple[int, int, str]]]:
    out: dict[str, list[tuple[int, int, str]]] = {}
    for k, (i, e) in enumerate(zip(side.ids, ents, strict=True)):
        if i in out:
            line = (side.record_lines or side.lines or [None] * (k + 1))[k]
            raise InputError(
                f"example id {i!r} appears twice; examples are paired by id, so one of them would be dropped",
                file=str(path),
                line=line,
                hint="give every example its own id",
            )
        out[i] = e
    return out


def _same_texts(g: _Side, p: _Side, pred_path: str | Path) -> None:
    """Char spans of one id are comparable only over the same text."""

    def texts(side: _Side) -> list[str | None]:
        if side.texts is not None:
            return side.texts
        return [" ".join(w) for w in side.words] if side.words is not None else [None] * len(side.ids)

    gold = dict(zip(g.ids, texts(g), strict=True))
    for k, (i, t) in enumerate(zip(p.ids, texts(p), strict=True)):
        gt = gold.get(i)
        if t and gt and t != gt:
            raise InputError(
                f"example {i!r} has another text than in the gold file, so its char offsets cannot be compared",
                file=str(pred_path),
                line=(p.record_lines or p.lines or [None] * (k + 1))[k],
                hint="predict on the gold file's own texts",
            )


def _eval_scheme(g: _Side, p: _Side, mode: str, scheme: str | None, gold_path: str | Path, detect: Any) -> str | None:
    if scheme is not None:
        return get_scheme(scheme).name
    if mode == "default" and g.kind == p.kind == "tags":
        return None
    seqs = (g.tags or []) + (p.tags or [])
    if not seqs:
        return None
    det = detect(g.tags or p.tags or [])
    if det.status == "detected":
        return det.scheme
    if det.status == "invalid" and det.candidates:
        from .schemes import PREFERENCE

        return min(det.candidates, key=lambda n: (det.candidates[n], PREFERENCE.index(n)))
    raise UsageError(f"the tag scheme is ambiguous: {det.note}", file=str(gold_path), hint="pass --scheme")


def _entities(side: _Side, mode: str, scheme: str | None, repair: str) -> list[list[tuple[int, int, str]]]:
    if side.kind == "spans":
        return side.spans or []
    return [entities_of(t, mode, scheme, repair) for t in side.tags or []]


def _to_chars(side: _Side, ents: list[list[tuple[int, int, str]]]) -> list[list[tuple[int, int, str]]]:
    from .model import Example

    out = []
    for words, es in zip(side.words or [], ents, strict=True):
        offs = Example.from_words("", words).word_offsets or []
        out.append([(offs[a][0], offs[b - 1][1], t) for a, b, t in es])
    return out
