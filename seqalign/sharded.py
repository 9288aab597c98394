"""Line-based span files (JSONL) read by the worker processes themselves, shard by shard.

With ``--workers N`` the parent would otherwise parse every record twice (pass 1 for the label set, pass 2
to hand examples to the workers) and pickle them over: reading, not aligning, would then set the pace.
Here the parent only cuts the file into byte ranges of whole lines; the workers parse them, in pass 1 to
report their labels and ids, in pass 2 to align them. The parent merges the shards' results in file order,
so the dataset and the report are the same as from one process.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import pipeline
from .formats import jsonl
from .formats.textio import _blockwise, line_shards, shard_lines
from .model import Diagnostic, Example, Report

Shard = tuple[int, int, int]


def mentions(path: str | Path, needle: bytes) -> bool:
    """Whether the file holds ``needle`` anywhere: one buffered pass (a memory map would count the whole file
    in the peak RSS)."""
    tail = b""
    with open(path, "rb") as fh:
        while block := fh.read(1 << 22):
            if needle in tail + block[: len(needle)] or needle in block:
                return True
            tail = block[-(len(needle) - 1) :] if len(needle) > 1 else b""
    return False


def shardable(fmt: str, path: str | Path, encoding: str, workers: int) -> bool:
    return workers > 1 and fmt == jsonl.NAME and Path(path).is_file() and _blockwise(encoding)


@dataclass
class Scan:
    """Pass 1 over the shards: what ``align_file`` needs before aligning."""

    shards: list[Shard]
    counts: list[int]  # records per shard
    types: list[str]
    word_input: bool
    renames: list[dict[int, str]] = field(default_factory=list)  # per shard: record index in shard -> new id
    duplicates: list[list[Diagnostic]] = field(default_factory=list)  # per shard, in order

    @property
    def n(self) -> int:
        return sum(self.counts)


_PATH: str = ""
_ENCODING: str = "utf-8"


def _examples(shard: Shard, first_record: int, default_id: Callable[[int], str] = str) -> Iterator[Example]:
    return jsonl.parse_lines(shard_lines(_PATH, shard, _ENCODING), _PATH, first_record=first_record, default_id=default_id)


def _scan_one(shard: Shard, first_record: int = 0) -> tuple[int, bool, set[str], list[str | None], list[int | None]]:
    """(records, any word input, labels, ids (None: the record has none), lines) of one shard."""
    n = 0
    words = False
    labels: set[str] = set()
    ids: list[str | None] = []
    lines: list[int | None] = []
    unnamed: set[int] = set()

    def default_id(k: int) -> str:
        unnamed.add(k - first_record)  # named after its number in the whole file, known once all shards are counted
        return ""

    for k, ex in enumerate(_examples(shard, first_record, default_id)):
        n += 1
        words = words or ex.words is not None
        labels.update(s.label for s in ex.spans)
        ids.append(None if k in unnamed else ex.id)
        lines.append(ex.line)
    return n, words, labels, ids, lines


def _scan_quick(shard: Shard) -> tuple[int, bool, set[str], list[str | None], list[int | None]]:
    """``_scan_one`` without building examples: JSON, ids and labels only. Anything it is not sure of (a span
    that is not plain, a word record, a broken line) raises, and the shard is scanned in full instead."""
    n = 0
    labels: set[str] = set()
    ids: list[str | None] = []
    lines: list[int | None] = []
    for ln, line in shard_lines(_PATH, shard, _ENCODING):
        if not line.strip():
            continue
        obj = json.loads(line)
        if type(obj) is not dict or "words" in obj or type(obj.get("text")) is not str:
            raise ValueError("not a plain record")
        raw = obj.get("spans", obj.get("entities", obj.get("label", [])))
        for r in raw if raw is not None else ():
            lab = r.get("label") if type(r) is dict else None
            if type(lab) is not str or not lab:
                raise ValueError("not a plain span")
            labels.add(lab)
        n += 1
        ids.append(str(obj["id"]) if "id" in obj else None)
        lines.append(ln)
    return n, False, labels, ids, lines


def _scan_task(shard: Shard) -> tuple[str, Any]:
    try:
        return "ok", _scan_quick(shard)
    except Exception:
        try:
            return "ok", _scan_one(shard)
        except Exception:  # re-run in the parent, which raises the error as one process would
            return "error", None


def scan(path: str | Path, encoding: str, workers: int) -> Scan:
    global _PATH, _ENCODING
    _PATH, _ENCODING = str(path), encoding
    shards = line_shards(path)
    out = Scan(shards, [], [], False)
    labels: set[str] = set()
    names = pipeline.IdNames()  # every id once, as the one-process path keeps them
    base = 0
    with pipeline.fork_pool(workers) as pool:
        for i, (status, value) in enumerate(pool.imap(_scan_task, shards)):
            if status != "ok":
                # The first error in file order, as one process reports it: the quick scan of the shards before
                # this one did not check everything, so they are read in full first.
                first = 0
                for j in range(i):
                    first += _scan_one(shards[j], first)[0]
                value = _scan_one(shards[i], first)  # raises here
            n, words, shard_labels, ids, lines = value
            out.counts.append(n)
            out.word_input = out.word_input or words
            labels |= shard_labels
            renames: dict[int, str] = {}
            dups: list[Diagnostic] = []
            # ids as pass 2 will see them: records without an id are numbered across the file
            for k, (given, line) in enumerate(zip(ids, lines, strict=True)):
                ex_id = str(base + k) if given is None else given
                new = names.rename(ex_id)
                if new is not None:
                    renames[k] = new
                    dups.append(pipeline.duplicate_id(_PATH, line, ex_id, new))
            out.renames.append(renames)
            out.duplicates.append(dups)
            base += n
    out.types = sorted(labels)
    return out


def _align_one(task: tuple[Shard, int, dict[int, str]]) -> tuple[list[Any], Report]:
    shard, first_record, renames = task
    job = pipeline._WORKER_JOB
    assert job is not None
    exs = list(_examples(shard, first_record))
    for i, new in renames.items():
        exs[i].id = new
    rep = Report()
    batches = []
    for batch in pipeline._chunks(exs, pipeline.BATCH):
        rb, part = job.record_batch(batch)
        pipeline._merge_into(rep, part)
        batches.append(rb)
    return batches, rep


def _align_task(task: tuple[Shard, int, dict[int, str]]) -> tuple[str, Any]:
    try:
        return "ok", _align_one(task)
    except Exception:
        return "error", None


def align(sc: Scan, job: Any, report: Report, workers: int, tick: Callable[[int], None] | None = None) -> Iterator[Any]:
    """Arrow record batches of every shard, in file order; each shard's report is merged into ``report``."""
    firsts = [0]
    for c in sc.counts[:-1]:
        firsts.append(firsts[-1] + c)
    tasks = [(s, f, r) for s, f, r in zip(sc.shards, firsts, sc.renames, strict=True)]
    pipeline._WORKER_JOB = job
    try:
        with pipeline.fork_pool(workers) as pool:
            pending: deque[tuple[int, Any]] = deque()
            it = iter(range(len(tasks)))

            def submit() -> None:
                i = next(it, None)
                if i is not None:
                    pending.append((i, pool.apply_async(_align_task, (tasks[i],))))

            for _ in range(2 * workers):
                submit()
            while pending:
                i, res = pending.popleft()
                status, value = res.get()
                submit()
                if status == "error":
                    value = _align_one(tasks[i])  # raises here, as it would in one process
                batches, part = value
                report.diagnostics.extend(sc.duplicates[i])
                pipeline._merge_into(report, part)
                if tick is not None:
                    tick(sc.counts[i])
                yield from batches
    finally:
        pipeline._WORKER_JOB = None
