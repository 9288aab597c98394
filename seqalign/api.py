"""The jobs behind the CLI verbs, callable from Python: ``align_file``, ``convert_file``, ``decode_dataset``."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from . import formats, sharded
from .align import AlignConfig, align_example
from .errors import InputError, UsageError, refuse_overwrite
from .export.token_classification import write_batches
from .model import IGNORE, Example, Report
from .pipeline import (
    BATCH,
    IdNames,
    ReadOptions,
    _Job,
    align_record_batches,
    collect_types,
    default_workers,
    duplicate_id,
    input_format,
    label_map,
    open_examples,
    raise_on_overlap_errors,
    resolve_input_scheme,
    word_tags_to_spans,
)
from .schemes import Scheme, TagError, get_scheme, parse_tag
from .tokenization import load_tokenizer, split_words, word_pieces

_HUGE = 1 << 30

# What a record of an annotation tool can be (Label Studio: meta["origin"]). Training data is what people
# submitted; a draft, a model's prediction, a skipped ("cancelled") annotation or a task nobody annotated
# would all become rows, the last two all O: a missing label written as O.
ORIGINS = ("annotation", "draft", "prediction", "cancelled", "task")
DEFAULT_ORIGINS = ("annotation",)


def _by_origin(
    again: Callable[[], Iterator[Example]], origins: Sequence[str], skipped: Counter[str]
) -> Callable[[], Iterator[Example]]:
    def run() -> Iterator[Example]:
        skipped.clear()  # every pass counts again (the first pass and the second give the same)
        for ex in again():
            origin = ex.meta.get("origin")
            if origin is not None:
                kind = "cancelled" if ex.meta.get("cancelled") else str(origin)
                if kind in ORIGINS and kind not in origins:  # other tools' origin names are not ours to judge
                    skipped[kind] += 1
                    continue
            yield ex

    return run


def _counted(skipped: Counter[str]) -> str:
    return ", ".join(f"{n} {k}{'s' if n != 1 else ''}" for k, n in sorted(skipped.items()))


def _skipped_note(skipped: Counter[str]) -> str:
    return f"records not aligned, by origin: {_counted(skipped)} (--origins chooses; by default only submitted annotations are aligned)"


# Pass 1 keeps the examples it read while they fit in this many characters of text, so that small and
# medium files (CoNLL-2003 train is 1.2 M) are read once; larger ones are streamed again from disk.
KEEP_CHARS = 4_000_000


class NoExamples(InputError):
    """The input holds nothing to align (after any filter)."""


def _first_pass(again: Callable[[], Iterator[Example]], file: str) -> tuple[int, bool, list[list[str]], list[str]]:
    n, word_input, tagseqs, types, _, _ = _first_pass_keeping(again, file, 0)
    return n, word_input, tagseqs, types


def _first_pass_keeping(
    again: Callable[[], Iterator[Example]], file: str, keep_chars: int, check_stored: bool = False
) -> tuple[int, bool, list[list[str]], list[str], list[Example] | None, list[Any]]:
    """Pass 1: count, kind of input, tag sequences (for detection), types; plus the examples themselves
    while their text stays under ``keep_chars`` (None once it does not: the caller reads again), and
    [number of spans whose stored text is not the text at their offsets, (id, stored, found) of the first]."""
    kept: list[Example] | None = [] if keep_chars > 0 else None
    mismatch: list[Any] = [0, None]  # spans whose stored text differs from the text at their offsets, first one
    chars = 0
    n = 0
    word_input: bool | None = None
    tagseqs: list[list[str]] = []
    tags: set[str] = set()
    labels: set[str] = set()
    for ex in again():
        is_words = ex.words is not None
        if word_input is None:
            word_input = is_words
        n += 1
        if ex.word_tags is not None:
            if is_words:
                tagseqs.append(ex.word_tags)
            tags.update(ex.word_tags)
        labels.update(s.label for s in ex.spans)
        infos = ex.meta.get("span_info") if check_stored else None
        if infos and len(infos) == len(ex.spans):
            # a span whose stored text (Label Studio value.text, ...) is not the text at its offsets: the offsets
            # may count in another unit (UTF-16 from a browser tool); align places them where they point
            for sp, info in zip(ex.spans, infos, strict=True):
                stored = info.get("text")
                if isinstance(stored, str) and not info.get("fragments"):
                    got = ex.text[sp.start : sp.end]
                    if stored != got and stored.strip() != got.strip():
                        mismatch[0] += 1
                        if mismatch[1] is None:
                            mismatch[1] = (ex.id, stored, got)
        if kept is not None:
            chars += len(ex.text)
            if chars > keep_chars:
                kept = None
            else:
                kept.append(ex)
    if n == 0:
        raise NoExamples("no examples found (the file holds no sentences or records)", file=file)
    try:
        types = set(collect_types([Example("", "", word_tags=sorted(tags))])) | labels
    except TagError as exc:
        raise InputError(str(exc), file=file, hint="a word tag is O or a scheme prefix and a type (B-PER, I-LOC, ...)") from None
    return n, bool(word_input), tagseqs, sorted(types), kept, mismatch


def _check_types(types: list[str], file: str) -> None:
    bad = []
    for t in types:
        try:
            parse_tag(f"B-{t}")
        except TagError:
            bad.append(t)
    if bad:
        raise InputError(
            f"label(s) {', '.join(repr(b) for b in bad[:5])} cannot be written as tags (tab, newline, comma or edge space)",
            file=file,
            hint="rename the labels in the input",
        )


def _load_labels(path: Path, target: Scheme, types: list[str]) -> dict[str, Any]:
    """seqalign's labels.json, or any JSON with ``id2label``/``label2id`` (a model's config.json): the ids the
    model was trained with are kept, and a map that contradicts itself is refused rather than guessed."""
    file = str(path)
    hint = 'expected seqalign\'s labels.json ({"labels": [...]}) or a model config with "id2label"'
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=file) from None
    except ValueError as exc:
        raise InputError(f"not JSON: {exc}", file=file, hint=hint) from None
    if not isinstance(data, dict):
        raise InputError("not a label map (a JSON object)", file=file, hint=hint)

    def label(x: Any) -> str:
        if not isinstance(x, str) or not x:
            raise TypeError(f"label {x!r} is not a non-empty string")
        return x

    def ident(x: Any) -> int:
        # JSON keys are strings ("0"), values numbers (0); 1.9 or true are not ids
        if isinstance(x, str) and x.strip().isdigit():
            return int(x)
        if isinstance(x, int) and not isinstance(x, bool) and x >= 0:
            return x
        raise TypeError(f"label id {x!r} is not a whole number >= 0")

    try:
        for key in ("id2label", "label2id"):
            if not isinstance(data.get(key) or {}, dict):
                raise TypeError(f'"{key}" is not an object')
        id2 = {ident(k): label(v) for k, v in (data.get("id2label") or {}).items()}
        l2i = {label(k): ident(v) for k, v in (data.get("label2id") or {}).items()}
        if "labels" in data and not isinstance(data["labels"], list):
            raise TypeError('"labels" is not a list')
        labels = [label(x) for x in data["labels"]] if "labels" in data else None
        scheme_name = data.get("scheme", target.name)
        if not isinstance(scheme_name, str):
            raise TypeError(f'"scheme" {scheme_name!r} is not a scheme name')
    except (TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"unreadable label map: {exc}", file=file, hint=hint) from None
    shared = sorted({i for i in l2i.values() if list(l2i.values()).count(i) > 1})
    if shared:
        names = sorted(lab for lab, i in l2i.items() if i == shared[0])
        raise InputError(f"label2id gives id {shared[0]} to {', '.join(names)}", file=file, hint="each label needs its own id")
    if labels is None:
        if not id2 and l2i:
            id2 = {i: lab for lab, i in l2i.items()}
        if not id2:
            raise InputError('no "labels" list and no "id2label" map', file=file, hint=hint)
        if sorted(id2) != list(range(len(id2))):
            raise InputError(f"label ids must be 0..{len(id2) - 1}, found {sorted(id2)[:10]}", file=file)
        labels = [id2[i] for i in range(len(id2))]
    dupes = sorted({lab for lab in labels if labels.count(lab) > 1})
    if dupes:
        raise InputError(f"labels listed twice: {', '.join(dupes[:10])}", file=file, hint="each label needs one id")
    mine = {lab: i for i, lab in enumerate(labels)}
    for name, given in (("id2label", {lab: i for i, lab in id2.items()}), ("label2id", l2i)):
        wrong = [lab for lab in set(given) | set(mine) if given and given.get(lab) != mine.get(lab)]
        if wrong:
            lab = sorted(wrong)[0]
            raise InputError(
                f"{name} disagrees with the label list: {lab} is {given.get(lab)} there, {mine.get(lab)} in the list "
                f"({len(wrong)} label(s) differ)",
                file=file,
                hint="one label map, one id per label: fix the file",
            )
    try:
        named = get_scheme(scheme_name)
    except (KeyError, ValueError, TagError):
        raise InputError(f'unknown "scheme" {scheme_name!r} in the label map', file=file, hint=hint) from None
    if named.name != target.name:
        raise UsageError(f"labels.json is for scheme {scheme_name}, but --scheme is {target.name}", file=file)
    missing = [lab for lab in target.labels_for(types) if lab not in mine]
    if missing:
        raise UsageError(
            f"the data has labels that the label map lacks: {', '.join(missing[:10])}",
            file=str(path),
            hint="build the label map from all splits, or drop --labels",
        )
    return {
        "scheme": target.name,
        "labels": labels,
        "label2id": mine,
        "id2label": {str(i): lab for i, lab in enumerate(labels)},
    }


def align_file(
    input_path: str | Path,
    tokenizer: str,
    out: str | Path,
    *,
    scheme: str = "bio",
    input_scheme: str | None = None,
    alignment: str = "strict",
    overlaps: str = "error",
    label_subwords: str = "first",
    max_length: int | None = None,
    overlap: int = 0,
    repair: str = "begin",
    labels_file: str | Path | None = None,
    save_format: str = "arrow",
    read: ReadOptions = ReadOptions(),
    progress: Callable[[int, str], Any] | None = None,
    workers: int | None = None,
    word_cache: bool = True,
    origins: Sequence[str] = DEFAULT_ORIGINS,
) -> Report:
    """The main job: INPUT -> dataset in OUT (+ labels.json, report.json). Returns the report.

    ``origins``: which records of an annotation tool's export are aligned (see ORIGINS); the others are
    counted in the report.

    ``workers``: processes that align batches (default: all cores for span input, 1 for word input with the word
    cache; the output is the same for any number).
    ``word_cache=False`` encodes every sentence in full (the reference path the cache is tested against).
    """
    file = str(input_path)
    bad = sorted(set(origins) - set(ORIGINS))
    if bad or not origins:
        what = f"unknown {', '.join(bad)}" if bad else "name at least one"
        raise UsageError(f"--origins: {what}", hint=f"choose from {', '.join(ORIGINS)}")
    fmt, again = open_examples(input_path, read)
    skipped: Counter[str] = Counter()
    again = _by_origin(again, origins, skipped)
    shards = None
    if (
        read.offset_unit == "codepoint"
        and sharded.shardable(fmt, input_path, read.encoding, default_workers() if workers is None else workers)
        and not sharded.mentions(input_path, b'"origin"')  # records from an annotation tool: filtered one by one
    ):
        shards = sharded.scan(input_path, read.encoding, default_workers() if workers is None else workers)
        if shards.word_input:
            shards = None  # JSONL that carries words (written by convert): the general path
        elif shards.n == 0:
            raise InputError("no examples found (the file holds no sentences or records)", file=file)
    if shards is not None:
        n, word_input, tagseqs, types, kept, mismatch = shards.n, False, [], shards.types, None, [0, None]
    else:
        try:
            # stored span texts are checked in annotation tools' own formats; JSONL (ours, written by convert) is
            # read in shards by several workers, which must report the same as one
            n, word_input, tagseqs, types, kept, mismatch = _first_pass_keeping(again, file, KEEP_CHARS, fmt != "jsonl")
        except NoExamples:
            if not skipped:
                raise
            raise InputError(
                f"no records to align: the file holds only {_counted(skipped)}",
                file=file,
                hint=f"pass --origins {','.join(sorted(skipped))} to align them anyway"
                + (" (a task nobody annotated becomes a row of O labels)" if "task" in skipped else ""),
            ) from None
    in_scheme, detection = (
        resolve_input_scheme([Example("", "", word_tags=t) for t in tagseqs], input_scheme, file) if word_input else (None, None)
    )
    target = get_scheme(scheme)
    _check_types(types, file)
    labels = _load_labels(Path(labels_file), target, types) if labels_file else label_map(target, types)
    labels["label_subwords"] = label_subwords
    adapter = load_tokenizer(tokenizer, words=word_input)
    if not word_cache:
        adapter.word_cache = "off"
    max_len = max_length or adapter.max_length
    if max_len <= adapter.n_special:
        raise UsageError(f"--max-length {max_len} leaves no room next to the {adapter.n_special} special tokens")
    if overlap >= max_len - adapter.n_special:
        raise UsageError(
            f"--overlap {overlap} must be smaller than the window ({max_len - adapter.n_special} tokens without specials)"
        )
    cfg = AlignConfig(target, alignment, overlaps, label_subwords, max_len, overlap)

    report = Report()
    report.notes.extend(adapter.notes)
    report.meta = {
        "input": file,
        "format": fmt,
        "input_kind": "words" if word_input else "spans",
        "input_scheme": in_scheme.name if in_scheme else None,
        "input_scheme_detected": None
        if detection is None
        else {"status": detection.status, "violations": detection.candidates, "note": detection.note},
        "scheme": target.name,
        "alignment": alignment,
        "overlaps": overlaps,
        "label_subwords": label_subwords,
        "max_length": max_len,
        "overlap": overlap,
        "repair": repair,
        "tokenizer": adapter.info(),
    }
    if detection is not None and detection.note:
        report.notes.append(f"input scheme detected as {in_scheme.name}: {detection.note}")
    # how the input was read, so that `decode --text-from` reads it the same way
    report.meta["read"] = {
        "format": fmt,
        "token_column": read.token_column,
        "tag_column": read.tag_column,
        "encoding": read.encoding,
        "offset_unit": read.offset_unit,
        "origins": list(origins),
    }
    if mismatch[0]:
        n_bad, (ex_id, stored, got) = mismatch
        report.notes.append(
            f"{n_bad} span(s) whose stored text differs from the text at their offsets (first: example {ex_id}, stored "
            f"{stored!r}, at the offsets {got!r}); if the offsets count UTF-16 units (browser tools, texts with emoji), "
            "pass --offset-unit utf16; `seqalign validate` lists them"
        )
        report.meta["stored_text_mismatches"] = n_bad
    if skipped:
        report.meta["not_aligned_by_origin"] = dict(sorted(skipped.items()))
        report.notes.append(_skipped_note(skipped))
    limit = getattr(adapter.tokenizer, "model_max_length", None)
    if max_length and isinstance(limit, int) and max_length > limit:
        report.notes.append(
            f"--max-length {max_length} is above the tokenizer's model_max_length {limit}: the model may not take such rows"
        )
    if not types:
        report.notes.append(
            "the input holds no entity at all: every token is labelled O. If that is not intended, check the field "
            'that holds the spans (JSONL: "spans") or the tag column'
        )

    bar = progress(n, "aligning") if progress else None
    n_workers = default_workers() if workers is None else max(1, workers)
    if workers is None and word_input and adapter.word_cache != "off" and adapter.has_offsets:
        n_workers = 1  # measured (scripts/bench.py): workers only add the cost of shipping sentences here
    if n <= BATCH:
        n_workers = 1  # one batch: forking costs more than it saves
    report.meta["workers"] = n_workers
    if shards is not None and n_workers > 1:
        job = _Job(adapter, cfg, labels["label2id"], None, repair, file)
        task = None
        if bar is not None:
            bar.start()
            task = bar.add_task("align", total=n)
        batches = sharded.align(shards, job, report, n_workers, (lambda k: bar.advance(task, k)) if bar is not None else None)
    else:
        batches = _serial_batches(again, kept, report, file, bar, n, adapter, cfg, labels, in_scheme, repair, n_workers)

    def finished() -> Report:
        if bar is not None:
            bar.stop()
        if overlaps == "error":
            raise_on_overlap_errors(report)
        _order_diagnostics(report, file)
        return report

    try:
        write_batches(out, batches, labels, finished, save_format)
    except TagError as exc:
        raise UsageError(str(exc), file=file, hint="check --input-scheme") from None
    return report


def _order_diagnostics(report: Report, file: str) -> None:
    """Diagnostics of a single input file in line order (stable), so that any number of workers, which see
    the records in different groupings, gives the same report."""
    if all(d.location.line is not None and d.location.file == file for d in report.diagnostics):
        report.diagnostics.sort(key=lambda d: d.location.line or 0)


def _serial_batches(
    again: Callable[[], Iterator[Example]],
    kept: list[Example] | None,
    report: Report,
    file: str,
    bar: Any,
    n: int,
    adapter: Any,
    cfg: AlignConfig,
    labels: dict[str, Any],
    in_scheme: Scheme | None,
    repair: str,
    n_workers: int,
) -> Iterator[Any]:
    held = list(kept) if kept is not None else None  # _drain empties kept as it goes
    examples: Iterator[Example] = _unique_ids(_drain(kept) if kept is not None else again(), report, file)
    if bar is not None:
        examples = _tick(examples, bar, n)
    return align_record_batches(
        examples,
        adapter,
        cfg,
        labels["label2id"],
        input_scheme=in_scheme,
        repair=repair,
        file=file,
        report=report,
        workers=n_workers,
        held=held,
    )


def _unique_ids(examples: Iterator[Example], report: Report, file: str) -> Iterator[Example]:
    """Rows of one example are merged back by id (windows), so two records sharing an id must not: the later
    ones get ``id#2``, ``id#3`` ... and the report says so."""
    names = IdNames()
    for ex in examples:
        new = names.rename(ex.id)
        if new is not None:
            report.diagnostics.append(duplicate_id(file, ex.line, ex.id, new))
            ex.id = new
        yield ex


def _drain(items: list[Example]) -> Iterator[Example]:
    """Hand out the kept examples in order, letting go of each one as it is taken."""
    items.reverse()
    while items:
        yield items.pop()


def _tick(examples: Iterator[Example], bar: Any, total: int) -> Iterator[Example]:
    bar.start()
    task = bar.add_task("align", total=total)
    for ex in examples:
        yield ex
        bar.advance(task)


def _words_of(ex: Example) -> Example:
    """The example with words (its own, or split from the text) so that it can be written as CoNLL."""
    if ex.words is not None:
        return ex
    offs = split_words(ex.text)
    return Example(ex.id, ex.text, ex.spans, ex.doc_id, [ex.text[s:e] for s, e in offs], offs, None, ex.line, ex.meta)


def open_any(path: str | Path, read: ReadOptions = ReadOptions(), **opts: Any) -> tuple[Any, Callable[[], Iterator[Example]]]:
    """(format module, a function that starts a fresh pass), with format options (offset_unit, lenient, ...)."""
    mod = input_format(path, read)

    def again() -> Iterator[Example]:
        return mod.read(path, token_column=read.token_column, tag_column=read.tag_column, encoding=read.encoding, **opts)

    return mod, again


def convert_file(
    input_path: str | Path,
    output_path: str | Path,
    *,
    scheme: str = "bio",
    input_scheme: str | None = None,
    to_fmt: str | None = None,
    alignment: str = "strict",
    overlaps: str = "error",
    repair: str = "begin",
    discontinuous: str = "split",
    offset_unit: str = "codepoint",
    out_offset_unit: str = "codepoint",
    read: ReadOptions = ReadOptions(),
) -> Report:
    """Any reader -> any writer of the registry.

    Span formats are written as read (overlaps, edge whitespace and all: the target can hold them). Into
    word tags (CoNLL, CoNLL-U) the spans go through ``align`` (``alignment``/``overlaps`` decide, every loss is
    reported). Discontinuous spans into a format without fragments follow ``discontinuous``
    (split | hull | drop | error), each one reported (F202-F204).
    """
    from .convert_policies import HOLDS_FRAGMENTS, flatten_discontinuous, reader_notes

    refuse_overwrite(input_path, output_path)
    file = str(input_path)
    out_mod = formats.get_format(to_fmt) if to_fmt else formats.detect_output_format(output_path)
    extra_opts: dict[str, Any] = {"offset_unit": offset_unit}
    if out_mod.NAME == "prodigy":
        extra_opts["answers"] = "all"  # Prodigy -> Prodigy keeps ignored/rejected tasks (lossless)
    if out_mod.NAME == "conll":
        extra_opts["keep_columns"] = True  # CoNLL -> CoNLL gives back POS, chunk and any other column
    in_mod, again = open_any(input_path, read, **extra_opts)
    fmt = in_mod.NAME
    to_fmt = out_mod.NAME
    out_kind = formats.kind(out_mod)
    _n, word_input, tagseqs, types = _first_pass(again, file)
    in_scheme, _ = (
        resolve_input_scheme([Example("", "", word_tags=t) for t in tagseqs], input_scheme, file) if word_input else (None, None)
    )
    target = get_scheme(scheme)
    labels = label_map(target, types)
    id2label = {i: lab for lab, i in labels["label2id"].items()}
    cfg = AlignConfig(target, alignment, overlaps, "first", _HUGE, 0)
    report = Report()
    report.meta = {
        "input": file,
        "format": fmt,
        "to": to_fmt,
        "scheme": target.name,
        "input_scheme": in_scheme.name if in_scheme else None,
        "discontinuous": discontinuous,
        "offset_unit": offset_unit,
    }

    def converted() -> Iterator[Any]:
        dropped_columns = False
        for ex in again():
            report.extend(reader_notes(ex))
            width = ex.meta.get("conll_width") or 0
            if width > 2 and not dropped_columns and "conll_columns" not in ex.meta:
                dropped_columns = True
                report.notes.append(
                    f"the input has {width} columns; only the token and the tag go into {to_fmt} "
                    "(convert to CoNLL to keep the others)"
                )
            if ex.word_tags is not None:
                try:
                    report.extend(word_tags_to_spans(ex, in_scheme, repair, file))
                except TagError as exc:
                    raise UsageError(str(exc), file=file, line=ex.line, hint="check --input-scheme") from None
            if to_fmt not in HOLDS_FRAGMENTS:
                report.extend(flatten_discontinuous(ex, discontinuous, file))
            if out_kind != "tags":
                # span targets hold what was read: nothing to align, nothing lost
                report.counts.examples += 1
                report.counts.spans_in += len(ex.spans)
                report.counts.exact += len(ex.spans)
                yield (ex, ex.spans) if out_kind == "spans" else ex
                continue
            wex = _words_of(ex)
            enc = word_pieces(wex.word_offsets) if wex.word_offsets is not None else word_pieces(split_words(ex.text))
            res = align_example(wex, enc, cfg, labels["label2id"], file=file)
            report.counts.merge(res.counts)
            report.extend(res.diagnostics)
            tags = [id2label[lab] if lab != IGNORE else "O" for lab in res.rows[0].labels]
            ignored = [i for i, lab in enumerate(res.rows[0].labels) if lab == IGNORE]
            if ignored:
                # A word whose label is unknown (a lost span cut it) cannot be written as O in CoNLL.
                raise UsageError(
                    f"example {ex.id}: words {ignored[:5]} have no trustworthy tag (a span cuts them) and {to_fmt} "
                    "cannot hold an ignore label",
                    file=file,
                    line=ex.line,
                    hint="use --alignment contract or expand, or write JSONL",
                )
            yield wex, tags
        if fmt == "prodigy":
            from .formats.prodigy import trailing_skips

            skipped = trailing_skips(file)
            if skipped:
                report.notes.append(
                    "Prodigy tasks skipped at the end: " + ", ".join(f"{v} answered {k}" for k, v in skipped.items())
                )

    items = list(converted())
    if overlaps == "error" and out_kind == "tags":
        raise_on_overlap_errors(report)
    if discontinuous == "error":
        from .convert_policies import raise_on_discontinuous

        raise_on_discontinuous(report)
    if out_kind == "examples" and out_offset_unit != "codepoint":
        out_mod.write(output_path, items, offset_unit=out_offset_unit)
    else:
        out_mod.write(output_path, items)
    return report


def decode_dataset(
    dataset_dir: str | Path,
    out: str | Path,
    *,
    predictions: str | Path | None = None,
    text_from: str | Path | None = None,
) -> int:
    """Labels (gold or predicted) of an exported dataset -> one JSONL line of spans per example.

    Kept for callers of the first API; ``api_tags.decode_dataset`` has the options and the full report.
    """
    from .api_tags import decode_dataset as decode

    return decode(dataset_dir, out, predictions=predictions, text_from=text_from).examples


def _load_rows(d: Path) -> Any:
    import pyarrow.parquet as pq

    if (d / "data.parquet").exists():
        return pq.read_table(d / "data.parquet").to_pylist()
    if (d / "data.jsonl").exists():
        return [json.loads(x) for x in (d / "data.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    import datasets

    try:
        return datasets.load_from_disk(str(d))
    except Exception as exc:
        raise InputError(f"cannot load the dataset: {exc}", file=str(d)) from None
