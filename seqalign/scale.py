"""seqalign as a batch function for engines that already scale out: HF ``datasets.map(num_proc=...)``,
Ray Data ``map_batches``, Spark ``mapInArrow``/``mapInPandas``, or anything that hands over column batches.

    from seqalign.scale import BatchAligner
    align = BatchAligner("path/to/tokenizer", types=["LOC", "MISC", "ORG", "PER"], scheme="bio")
    ds = ds.map(align, batched=True, num_proc=8, remove_columns=ds.column_names)        # HF datasets
    ds = ray.data.read_json(...).map_batches(align, batch_format="pyarrow")              # Ray Data

Input columns: span input ``text`` + ``spans`` (a list of {start, end, label}) and optional ``id``; or word
input ``tokens`` + ``tags`` (``--input-scheme`` given as ``input_scheme``). Output: the columns of
``seqalign align``'s dataset (one row per window), plus per-row report counts (``spans_in``, ``exact``,
``adjusted``, ``lost``, ``truncated``, on each example's first window) whose column sums are the report's
counts, and ``problems`` (the report's problem entries for the example, as JSON) so no span goes
unaccounted for when no single process sees the whole corpus.

The label map must be known up front (``types`` or ``labels_json``), since no worker sees every example.
The tokenizer is loaded once per process, on first use, so the object pickles small.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .align import AlignConfig
from .model import Example, Report, Span
from .pipeline import _Job, label_map
from .schemes import get_scheme

COUNT_COLUMNS = ("spans_in", "exact", "adjusted", "lost", "truncated")


class BatchAligner:
    def __init__(
        self,
        tokenizer: str,
        *,
        types: list[str] | None = None,
        labels_json: str | Path | None = None,
        scheme: str = "bio",
        input_scheme: str | None = None,
        alignment: str = "strict",
        overlaps: str = "keep-longer",
        label_subwords: str = "first",
        max_length: int | None = None,
        overlap: int = 0,
        repair: str = "begin",
    ) -> None:
        if labels_json is not None:
            self.label2id = json.loads(Path(labels_json).read_text(encoding="utf-8"))["label2id"]
        elif types is not None:
            self.label2id = label_map(get_scheme(scheme), sorted(types))["label2id"]
        else:
            raise ValueError("give types=[...] or labels_json=...: no single worker sees every label")
        self.tokenizer = tokenizer
        self.scheme = scheme
        self.input_scheme = input_scheme
        self.options = (alignment, overlaps, label_subwords, max_length, overlap, repair)
        self._job: dict[bool, _Job] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_job"] = {}  # the tokenizer is loaded again in each process
        return state

    def job(self, words: bool) -> _Job:
        if words not in self._job:
            from .tokenization import load_tokenizer

            alignment, overlaps, label_subwords, max_length, overlap, repair = self.options
            adapter = load_tokenizer(self.tokenizer, words=words)
            cfg = AlignConfig(
                get_scheme(self.scheme), alignment, overlaps, label_subwords, max_length or adapter.max_length, overlap
            )
            ins = get_scheme(self.input_scheme) if self.input_scheme else None
            self._job[words] = _Job(adapter, cfg, self.label2id, ins, repair, None)
        return self._job[words]

    def examples(self, batch: dict[str, list[Any]]) -> list[Example]:
        n = len(next(iter(batch.values()))) if batch else 0
        ids = [str(x) for x in batch["id"]] if "id" in batch else None
        out = []
        for i in range(n):
            eid = ids[i] if ids else str(i)
            if "tokens" in batch:
                out.append(Example.from_words(eid, list(batch["tokens"][i]), list(batch["tags"][i])))
            else:
                spans = [Span(int(s["start"]), int(s["end"]), str(s["label"])) for s in batch["spans"][i] or []]
                out.append(Example(eid, batch["text"][i], spans))
        return out

    def __call__(self, batch: Any) -> Any:
        """A column batch (dict of lists, a pyarrow Table/RecordBatch or a pandas DataFrame) -> the same kind."""
        kind = "builtins" if isinstance(batch, Mapping) else type(batch).__module__.split(".")[0]
        cols = _to_pydict(batch)
        exs = self.examples(cols)
        if not exs:
            return _from_pydict(_empty(), kind)
        job = self.job(exs[0].words is not None)
        out: dict[str, list[Any]] = _empty()
        for ex in exs:
            rep = Report()
            (res,) = job.run([ex], rep)
            for w, row in enumerate(res.rows):
                d = row.as_dict()
                for k in d:
                    out[k].append(d[k])
                for k in COUNT_COLUMNS:
                    out[k].append(getattr(res.counts, k) if w == 0 else 0)
                out["problems"].append(json.dumps([p.to_dict() for p in rep.problems]) if w == 0 else "[]")
        return _from_pydict(out, kind)


def _empty() -> dict[str, list[Any]]:
    from .export.token_classification import SCHEMA

    return {name: [] for name in [*SCHEMA.names, *COUNT_COLUMNS, "problems"]}


def _to_pydict(batch: Any) -> dict[str, list[Any]]:
    if isinstance(batch, Mapping):  # dict, or datasets' LazyBatch
        return {k: batch[k] for k in batch}
    if hasattr(batch, "to_pydict"):  # pyarrow Table / RecordBatch
        return batch.to_pydict()
    if hasattr(batch, "to_dict"):  # pandas
        return {k: list(v) for k, v in batch.to_dict(orient="list").items()}
    raise TypeError(f"cannot read a batch of type {type(batch).__name__}")


def _from_pydict(cols: dict[str, list[Any]], kind: str) -> Any:
    if kind == "builtins":
        return cols
    import pyarrow as pa

    from .export.token_classification import SCHEMA

    schema = pa.schema([*SCHEMA, *[(k, pa.int64()) for k in COUNT_COLUMNS], ("problems", pa.string())])
    table = pa.Table.from_pydict(cols, schema=schema)
    if kind == "pandas":
        return table.to_pandas()
    return table
