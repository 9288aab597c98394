"""The jobs the CLI runs, as plain functions: read -> (detect scheme) -> align -> export, with one Report.

Files are read twice rather than held in memory: the first pass learns the label set and the input scheme
(detection needs the whole file), the second streams batches through the tokenizer into the writer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from . import formats
from .align import AlignConfig, Aligned, Row, align_example
from .align_columns import TagPlan, align_word_columns, plan_tags
from .align_fast import align_words_first
from .errors import DataProblem, UsageError
from .model import Diagnostic, Example, Location, Report, Severity, Span
from .schemes import Detection, Scheme, Violation, detect_scheme, get_scheme, parse_tag, tags_to_spans
from .tag_arrays import TagCoder
from .tokenization import Encoded, TokenizerAdapter

ILLEGAL_TRANSITION = "T101"
BATCH = 512


@dataclass(frozen=True, slots=True)
class ReadOptions:
    fmt: str | None = None
    token_column: int = 0
    tag_column: int = -1
    encoding: str = "utf-8"
    offset_unit: str = "codepoint"  # span formats: how the file counts offsets (see formats.spaninfo)


def input_format(path: str | Path, opts: ReadOptions) -> Any:
    """The format module that reads ``path``: the one named by ``opts.fmt``, else the one detected."""
    mod = formats.get_format(opts.fmt) if opts.fmt else formats.detect_format(path, opts.encoding)
    defaults = ReadOptions()
    if mod.NAME != "conll" and (opts.token_column, opts.tag_column) != (defaults.token_column, defaults.tag_column):
        # Ignoring them would label the data from other columns than the user asked for.
        raise UsageError(
            f"--token-column/--tag-column apply to CoNLL column files, and this input is read as {mod.NAME}",
            file=str(path),
            hint="drop those options, or pass --from conll if the file is in CoNLL columns",
        )
    return mod


def open_examples(path: str | Path, opts: ReadOptions = ReadOptions()) -> tuple[str, Callable[[], Iterator[Example]]]:
    """(format name, a function that starts a fresh pass over the file)."""
    mod = input_format(path, opts)

    def again() -> Iterator[Example]:
        return mod.read(
            path, token_column=opts.token_column, tag_column=opts.tag_column, encoding=opts.encoding, offset_unit=opts.offset_unit
        )

    return mod.NAME, again


def resolve_input_scheme(
    examples: Iterable[Example], given: str | None, file: str | None = None
) -> tuple[Scheme, Detection | None]:
    """The scheme of word tags: the one given, or the one detected over the whole input."""
    if given:
        return get_scheme(given), None
    det = detect_scheme(ex.word_tags or [] for ex in examples)
    if det.status == "detected" and det.scheme:
        return get_scheme(det.scheme), det
    counts = ", ".join(f"{k}: {v}" for k, v in sorted(det.candidates.items(), key=lambda kv: kv[1]))
    if det.status == "ambiguous":
        raise UsageError(
            f"the tag scheme is ambiguous: {det.note}",
            file=file,
            hint="pass --input-scheme (e.g. iob1 for the original CoNLL-2003 files, iob2 for re-tagged copies)",
        )
    where = ""
    if det.first_violation:
        k, v = det.first_violation
        where = f"; first problem in sentence {k}, token {v.position}: {v.rule}"
    raise UsageError(
        f"no tag scheme reads this file without illegal transitions (illegal transitions per scheme: {counts}){where}",
        file=file,
        hint=f"pass --input-scheme ({det.note}) to read it anyway; every illegal transition is then reported",
    )


def word_tags_to_spans(ex: Example, scheme: Scheme, repair: str = "begin", file: str | None = None) -> list[Diagnostic]:
    """Fill ``ex.spans`` from its word tags; every illegal transition becomes a diagnostic naming the repair."""
    assert ex.words is not None and ex.word_offsets is not None and ex.word_tags is not None
    chunks, violations = tags_to_spans(ex.word_tags, scheme, repair)
    ex.spans = [Span(ex.word_offsets[a][0], ex.word_offsets[b - 1][1], t) for a, b, t in chunks]
    return _violation_diagnostics(ex, violations, scheme, repair, file)


def _violation_diagnostics(
    ex: Example, violations: list[Violation], scheme: Scheme, repair: str, file: str | None
) -> list[Diagnostic]:
    assert ex.words is not None
    diags = []
    for v in violations:
        line = ex.line + min(v.position, len(ex.words) - 1) if ex.line else None
        diags.append(
            Diagnostic(
                ILLEGAL_TRANSITION,
                Severity.WARNING,
                f"illegal {scheme.name} transition {v.prev or 'START'} -> {v.tag or 'END'} at word {v.position}: {v.rule}",
                Location(file, line, ex.id),
                fix=f"read with repair={repair}",
                policy=f"repair={repair}",
            )
        )
    return diags


def collect_types(examples: Iterable[Example]) -> list[str]:
    types: set[str] = set()
    for ex in examples:
        if ex.word_tags is not None:
            types.update(parse_tag(t)[1] for t in ex.word_tags if t != "O")
        types.update(s.label for s in ex.spans)
    return sorted(types)


def label_map(scheme: Scheme, types: Iterable[str]) -> dict[str, Any]:
    labels = scheme.labels_for(types)
    return {
        "scheme": scheme.name,
        "labels": labels,
        "label2id": {lab: i for i, lab in enumerate(labels)},
        "id2label": {str(i): lab for i, lab in enumerate(labels)},
    }


def align_stream(
    examples: Iterable[Example],
    adapter: TokenizerAdapter,
    cfg: AlignConfig,
    label2id: dict[str, int],
    *,
    input_scheme: Scheme | None = None,
    repair: str = "begin",
    file: str | None = None,
    report: Report | None = None,
    batch_size: int = BATCH,
) -> Iterator[Aligned]:
    """Align examples batch by batch. Word-tag examples get their spans decoded first."""
    report = report if report is not None else Report()
    job = _Job(adapter, cfg, label2id, input_scheme, repair, file)
    for batch in _chunks(examples, batch_size):
        yield from job.run(batch, report)


def _chunks(examples: Iterable[Example], size: int) -> Iterator[list[Example]]:
    batch: list[Example] = []
    for ex in examples:
        batch.append(ex)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class _Job:
    """Everything one batch needs; a forked worker inherits it instead of unpickling a tokenizer."""

    adapter: TokenizerAdapter
    cfg: AlignConfig
    label2id: dict[str, int]
    input_scheme: Scheme | None
    repair: str
    file: str | None
    columns: bool = True  # False: word batches go through the per-example path (the reference in the tests)
    _plans: dict[tuple[str, ...], TagPlan] = field(default_factory=dict, repr=False)
    _coder: TagCoder | None = field(default=None, repr=False)
    _span_labels: Any = field(default=None, repr=False)

    def run(self, batch: list[Example], report: Report) -> list[Aligned]:
        adapter, cfg, label2id, file = self.adapter, self.cfg, self.label2id, self.file
        words = [ex for ex in batch if ex.words is not None]
        if words and len(words) != len(batch):
            raise UsageError("a batch mixes word input and span input", file=file)
        if words:
            if self.input_scheme is None:
                raise UsageError("word-tag input needs an input scheme", file=file)
            for ex in batch:
                if ex.word_tags is not None:
                    report.extend(word_tags_to_spans(ex, self.input_scheme, self.repair, file))
            fast = adapter.word_cache != "off"
            encs = adapter.encode_words([ex.text for ex in batch], [ex.words for ex in batch], [ex.word_offsets for ex in batch])
        else:
            fast = False
            encs = adapter.encode_texts([ex.text for ex in batch])
        out = []
        pre, suf = adapter.prefix_ids, adapter.suffix_ids
        for ex, enc in zip(batch, encs, strict=True):
            res = (fast and align_words_first(ex, enc, cfg, label2id, pre, suf)) or align_example(
                ex, enc, cfg, label2id, pre, suf, file
            )
            report.counts.merge(res.counts)
            report.extend(res.diagnostics)
            out.append(res)
        return out

    def record_batch(self, batch: list[Example]) -> tuple[Any, Report]:
        """One batch -> (Arrow record batch, the batch's own report): what a worker sends back."""
        from .export.token_classification import rows_batch

        rep = Report()
        rb = None
        if self._columns_apply(batch):
            rb = self._columns_batch(batch, rep)
        elif self._spans_apply(batch):
            rb = self._spans_batch(batch, rep)
        if rb is not None:
            rep.notes = list(self.adapter.notes)
            rep.meta = {"word_cache": self.adapter.word_cache_note}
            return rb, rep
        results = self.run(batch, rep)
        rep.notes = list(self.adapter.notes)
        rep.meta = {"word_cache": self.adapter.word_cache_note}
        return rows_batch([r for res in results for r in res.rows]), rep

    # ---------------------------------------------------------------- word input, whole batch as columns

    def _columns_apply(self, batch: list[Example]) -> bool:
        """Once the word cache is proven (on the first batch), word batches are aligned as columns."""
        a = self.adapter
        ok = (
            self.columns
            and a.word_cache != "off"
            and self.cfg.label_subwords == "first"
            and self.input_scheme is not None
            and None not in [ex.words for ex in batch]
            and None not in [ex.word_tags for ex in batch]
            and None not in [ex.word_offsets for ex in batch]
        )
        if ok and a.word_cache_state == "unproven":
            a.prove_word_cache(
                [ex.text for ex in batch], [ex.words or [] for ex in batch], [ex.word_offsets or [] for ex in batch]
            )
        return ok and a.word_cache_state == "on"

    def warm(self, examples: list[Example]) -> None:
        """Word input held in memory: prove the word cache on the first batch, then encode every distinct word
        in one call (the backend spreads one big call over all cores; one call per batch keeps them idle)."""
        a = self.adapter
        if not examples or not self._columns_apply(examples[:BATCH]):
            return
        a.fill_words(chain.from_iterable(ex.words or () for ex in examples))

    def _plan(self, tags: list[str]) -> TagPlan:
        key = tuple(tags)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) > 100_000:
                self._plans.clear()
            assert self.input_scheme is not None
            plan = plan_tags(tags, self.input_scheme, self.cfg.scheme, self.repair, self.label2id)
            self._plans[key] = plan
        return plan

    def _columns_batch(self, batch: list[Example], report: Report) -> Any:
        import numpy as np

        from .export.token_classification import columns_batch

        adapter, cfg = self.adapter, self.cfg
        assert self.input_scheme is not None
        if self._coder is None:
            self._coder = TagCoder(self.input_scheme, cfg.scheme, self.label2id)
        nw = np.fromiter((len(ex.words or ()) for ex in batch), np.int64, len(batch))
        tag_codes = self._coder.encode(list(chain.from_iterable(ex.word_tags or () for ex in batch)))
        tags_ok, n_chunks, word_labels = self._coder.relabel(tag_codes, nw)
        if not tags_ok.all():
            # illegal transitions (reported, repaired) and what the arrays leave to tags_to_spans
            first = np.zeros(len(batch), np.int64)
            np.cumsum(nw[:-1], out=first[1:])
            for i in np.flatnonzero(~tags_ok).tolist():
                ex = batch[i]
                plan = self._plan(ex.word_tags or [])
                if plan.violations:
                    report.extend(_violation_diagnostics(ex, plan.violations, self.input_scheme, self.repair, self.file))
                if plan.label_ids is not None and len(plan.label_ids) == nw[i]:
                    word_labels[first[i] : first[i] + nw[i]] = plan.label_ids
                    n_chunks[i] = len(plan.chunks)
                    tags_ok[i] = True
        table = adapter.word_table
        n_words = int(nw.sum())
        try:  # after warm(), every word is usually in the table already
            codes = np.fromiter(
                map(table.index.__getitem__, chain.from_iterable(ex.words or () for ex in batch)), np.int64, n_words
            )
        except KeyError:
            flat = [w for ex in batch for w in ex.words or ()]
            adapter.fill_words(flat)
            codes = np.fromiter(map(table.index.__getitem__, flat), np.int64, n_words)
        pre, suf = adapter.prefix_ids, adapter.suffix_ids
        room = max(1, cfg.max_length - len(pre) - len(suf))
        cols, taken, counts = align_word_columns(batch, codes, nw, table, word_labels, tags_ok, n_chunks, pre, suf, room)
        report.counts.merge(counts)
        if bool(taken.all()):
            return columns_batch(cols)
        rest = [ex for ex, t in zip(batch, taken.tolist(), strict=True) if not t]
        for ex in rest:
            assert ex.word_offsets is not None
            ex.spans = [
                Span(ex.word_offsets[a][0], ex.word_offsets[b - 1][1], t) for a, b, t in self._plan(ex.word_tags or []).chunks
            ]
        encs = adapter.encode_words(
            [ex.text for ex in rest], [ex.words or [] for ex in rest], [ex.word_offsets or [] for ex in rest]
        )
        return self._merge_rest(cols, taken, rest, encs, report)

    def _merge_rest(self, cols: Any, taken: Any, rest: list[Example], encs: list[Encoded], report: Report) -> Any:
        """The batch's record batch: the columns of the examples taken, and the general path's rows of the
        others (``rest``, encoded as ``encs``), back in input order."""
        import pyarrow as pa

        from .export.token_classification import _arr, columns_batch, rows_batch

        cfg, pre, suf, words = self.cfg, self.adapter.prefix_ids, self.adapter.suffix_ids, self.input_scheme is not None
        fast_rb = columns_batch(cols)
        rows = []
        for ex, enc in zip(rest, encs, strict=True):
            res = (words and align_words_first(ex, enc, cfg, self.label2id, pre, suf)) or align_example(
                ex, enc, cfg, self.label2id, pre, suf, self.file
            )
            report.counts.merge(res.counts)
            report.extend(res.diagnostics)
            rows.append(res.rows)
        # back into input order: the taken examples' rows first, then the others', each example's rows together
        slow_rb = rows_batch([r for rs in rows for r in rs])
        order: list[int] = []
        fast_i, slow_i = 0, len(cols.ids)
        rest_iter = iter(rows)
        for t in taken.tolist():
            if t:
                order.append(fast_i)
                fast_i += 1
            else:
                k = len(next(rest_iter))
                order.extend(range(slow_i, slow_i + k))
                slow_i += k
        both = pa.Table.from_batches([fast_rb, slow_rb]).take(_arr(order, pa.int64())).combine_chunks()
        return both.to_batches()[0] if both.num_rows else fast_rb

    # ---------------------------------------------------------------- span input, whole batch as columns

    def _spans_apply(self, batch: list[Example]) -> bool:
        return (
            self.columns
            and self.adapter.has_offsets
            and self.cfg.label_subwords == "first"
            and all(ex.words is None for ex in batch)
        )

    def _spans_batch(self, batch: list[Example], report: Report) -> Any:
        import numpy as np

        from .align_spans import LabelTable, align_span_columns
        from .export.token_classification import columns_batch

        adapter, cfg = self.adapter, self.cfg
        if self._span_labels is None:
            self._span_labels = LabelTable(cfg.scheme, self.label2id)
        if adapter._keeps is None:
            from .coverage import normalizer_keeps

            adapter._keeps = normalizer_keeps(adapter.tokenizer)
        texts = [ex.text for ex in batch]
        encs = adapter.tokenizer._tokenizer.encode_batch(texts, add_special_tokens=False)
        n_pieces = np.fromiter((len(e.ids) for e in encs), np.int64, len(encs))
        total = int(n_pieces.sum())
        ids = np.fromiter(chain.from_iterable(e.ids for e in encs), np.int64, total)
        offsets = np.fromiter(chain.from_iterable(chain.from_iterable(e.offsets for e in encs)), np.int64, 2 * total).reshape(
            -1, 2
        )
        wl = list(chain.from_iterable(e.word_ids for e in encs))
        if None in wl:
            wl = [-1 if w is None else w for w in wl]
        word_ids = np.asarray(wl, np.int64).reshape(-1)
        spans = [(i, sp) for i, ex in enumerate(batch) for sp in ex.spans]
        n_spans = len(spans)
        cols, taken, counts = align_span_columns(
            texts,
            n_pieces,
            ids,
            offsets,
            word_ids,
            np.fromiter((i for i, _ in spans), np.int64, n_spans),
            np.fromiter((sp.start for _, sp in spans), np.int64, n_spans),
            np.fromiter((sp.end for _, sp in spans), np.int64, n_spans),
            self._span_labels.encode([sp.label for _, sp in spans]),
            self._span_labels,
            adapter.marker_ids,
            adapter._keeps,
            adapter.prefix_ids,
            adapter.suffix_ids,
            max(1, cfg.max_length - adapter.n_special),
            [ex.id for ex in batch],
            [ex.doc_id for ex in batch],
        )
        report.counts.merge(counts)
        if bool(taken.all()):
            return columns_batch(cols)
        rest = [ex for ex, t in zip(batch, taken.tolist(), strict=True) if not t]
        return self._merge_rest(cols, taken, rest, adapter.encode_texts([ex.text for ex in rest]), report)


DUPLICATE_ID = "W201"


def duplicate_id(file: str | None, line: int | None, old: str, new: str) -> Diagnostic:
    return Diagnostic(
        DUPLICATE_ID,
        Severity.WARNING,
        f"example id {old!r} was already used; this record is {new!r} in the dataset",
        Location(file, line, new),
        fix=f"renamed to {new}",
    )


def fork_pool(workers: int) -> Any:
    """Worker processes that inherit what the parent set up (the job, the tokenizer) instead of unpickling it."""
    import multiprocessing as mp

    # The tokenizer's own thread pool is of no use inside a worker and warns after fork.
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    return mp.get_context("fork").Pool(workers, initializer=_default_sigterm)


def _default_sigterm() -> None:
    """Pool.terminate() stops workers with SIGTERM. A Python-level handler inherited from the parent (the CLI
    installs one) runs only between bytecodes, so a signal landing just before a worker blocks on the task
    queue is never acted on and terminate() waits forever; the default action kills at once."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class IdNames:
    """Unique example ids: a repeated id becomes ``id#2``, ``id#3`` ..., skipping names already taken (ids
    ``a``, ``a``, ``a#2`` give ``a``, ``a#2``, ``a#2#2``). Rows of one example are merged back by id."""

    def __init__(self) -> None:
        self.count: dict[str, int] = {}
        self.used: set[str] = set()

    def rename(self, ex_id: str) -> str | None:
        """The new name of this record, or None when its id is still free."""
        if ex_id not in self.used:
            self.used.add(ex_id)
            self.count.setdefault(ex_id, 1)
            return None
        k = self.count.get(ex_id, 1) + 1
        while f"{ex_id}#{k}" in self.used:
            k += 1
        self.count[ex_id] = k
        new = f"{ex_id}#{k}"
        self.used.add(new)
        return new


def _merge_into(report: Report, part: Report) -> None:
    """Add one batch's (or shard's) report to the job's."""
    report.counts.merge(part.counts)
    report.extend(part.diagnostics)
    report.notes.extend(n for n in part.notes if n not in report.notes)
    if part.meta.get("word_cache"):
        report.meta["word_cache"] = part.meta["word_cache"]


_WORKER_JOB: _Job | None = None  # set in the parent just before forking; the children inherit it


def _work(batch: list[Example]) -> tuple[str, Any]:
    assert _WORKER_JOB is not None
    try:
        return "ok", _WORKER_JOB.record_batch(batch)
    except Exception:  # re-run in the parent, which raises the error exactly as one worker would
        return "error", None


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def align_record_batches(
    examples: Iterable[Example],
    adapter: TokenizerAdapter,
    cfg: AlignConfig,
    label2id: dict[str, int],
    *,
    input_scheme: Scheme | None = None,
    repair: str = "begin",
    file: str | None = None,
    report: Report,
    workers: int = 1,
    batch_size: int | None = None,
    held: list[Example] | None = None,
) -> Iterator[Any]:
    """Aligned examples as Arrow record batches, one per ``batch_size`` examples, in input order.

    With ``workers > 1`` batches go to forked processes, at most two per worker in flight (so memory stays
    flat on any input size); results are taken back in order and their reports merged in order, so the
    dataset and the report are the same as with one worker. A batch that fails in a worker is re-run here,
    so errors are raised exactly as without workers. ``held``: the same examples when they are all in memory
    (word input then has every distinct word encoded in one call before the first batch).
    """
    global _WORKER_JOB
    job = _Job(adapter, cfg, label2id, input_scheme, repair, file)
    if held is not None and workers <= 1:
        job.warm(held)
    held = None  # let the examples go as the batches do
    batches = _chunks(examples, batch_size or BATCH)

    def merge(part: Report) -> None:
        _merge_into(report, part)

    if workers <= 1:
        for batch in batches:
            rb, part = job.record_batch(batch)
            merge(part)
            yield rb
        return
    from collections import deque

    _WORKER_JOB = job
    try:
        with fork_pool(workers) as pool:
            pending: deque[tuple[list[Example], Any]] = deque()
            for batch in batches:
                pending.append((batch, pool.apply_async(_work, (batch,))))
                if len(pending) >= 2 * workers:
                    yield _collect(job, pending.popleft(), merge)
            while pending:
                yield _collect(job, pending.popleft(), merge)
    finally:
        _WORKER_JOB = None


def _collect(job: _Job, item: tuple[list[Example], Any], merge: Callable[[Report], None]) -> Any:
    batch, result = item
    status, value = result.get()
    if status == "error":
        value = job.record_batch(batch)  # raises here, as it would with one worker
    rb, part = value
    merge(part)
    return rb


def raise_on_overlap_errors(report: Report) -> None:
    errs = [d for d in report.diagnostics if d.severity is Severity.ERROR]
    if not errs:
        return
    shown = "\n".join(f"  {d.location}: ({d.span.start},{d.span.end},{d.span.label}) {d.message}" for d in errs[:20] if d.span)
    more = f"\n  ... and {len(errs) - 20} more" if len(errs) > 20 else ""
    raise DataProblem(
        f"{len(errs)} overlapping span(s); flat tags hold one label per token:\n{shown}{more}",
        hint="choose --overlaps keep-longer or --overlaps keep-first (every dropped span is reported)",
    )


def rows_of(results: Iterable[Aligned]) -> Iterator[Row]:
    for res in results:
        yield from res.rows
