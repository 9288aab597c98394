"""Rows -> a dataset that goes straight into AutoModelForTokenClassification + DataCollatorForTokenClassification.

Rows are written batch by batch to an Arrow stream, so memory does not grow with the corpus.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ..align import Row
from ..align_columns import RowColumns
from ..model import Report
from .atomic import atomic_dir

SAVE_FORMATS = ("arrow", "parquet", "jsonl")
SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("doc_id", pa.string()),
        ("window", pa.int32()),
        ("input_ids", pa.list_(pa.int32())),
        ("attention_mask", pa.list_(pa.int8())),
        ("labels", pa.list_(pa.int64())),
        ("offset_mapping", pa.list_(pa.list_(pa.int32()))),
        ("word_ids", pa.list_(pa.int32())),
        ("char_start", pa.int32()),
        ("char_end", pa.int32()),
        ("token_start", pa.int32()),
    ]
)
_FLUSH = 2048
_MAX_SHARD = 500 * 10**6  # datasets' default max_shard_size for save_to_disk


# Arrays are built from buffers: ``pa.array`` imports pandas on first use (0.25 s of start-up) to check
# whether its input is a pandas object.


def _arr(values: Any, typ: pa.DataType, null: Any = None) -> pa.Array:
    """A numpy-convertible sequence of numbers -> an Arrow array of ``typ`` (``null``: where values are null)."""
    data = np.ascontiguousarray(values, dtype=typ.to_pandas_dtype())
    validity = None
    if null is not None and bool(np.any(null)):
        validity = pa.py_buffer(np.packbits(~np.asarray(null, bool), bitorder="little"))
    return pa.Array.from_buffers(typ, len(data), [validity, pa.py_buffer(data)])


def _strings(values: list[str | None]) -> pa.Array:
    null = [v is None for v in values]
    raw = [(v or "").encode("utf-8") for v in values]
    offsets = np.zeros(len(raw) + 1, np.int32)
    np.cumsum(np.fromiter(map(len, raw), np.int64, len(raw)), out=offsets[1:])
    validity = pa.py_buffer(np.packbits(~np.array(null, bool), bitorder="little")) if any(null) else None
    return pa.Array.from_buffers(pa.string(), len(raw), [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(raw))])


def _offsets(lengths: Any) -> pa.Array:
    offsets = np.zeros(len(lengths) + 1, np.int32)
    np.cumsum(np.asarray(lengths, np.int64), out=offsets[1:])
    return _arr(offsets, pa.int32())


def _list(flat: Any, lengths: Any, typ: pa.DataType, null: Any = None) -> pa.Array:
    return pa.ListArray.from_arrays(_offsets(lengths), _arr(flat, typ, null))


def _pairs(flat: Any) -> pa.Array:
    """Flat [s0, e0, s1, e1, ...] -> a list<int32> array of [s, e] pairs."""
    n = len(flat) // 2
    return pa.ListArray.from_arrays(_arr(np.arange(0, 2 * n + 1, 2), pa.int32()), _arr(flat, pa.int32()))


def rows_batch(rows: list[Row]) -> pa.RecordBatch:
    """Rows -> one record batch, built from flat columns (a list per row would cost a Python object per cell)."""
    ids: list[int] = []
    labels: list[int] = []
    wids: list[int | None] = []
    offs: list[int] = []
    lengths: list[int] = []
    for r in rows:
        ids += r.input_ids
        labels += r.labels
        wids += r.word_ids
        for p in r.offset_mapping:
            offs += p
        lengths.append(len(r.input_ids))
    null = [w is None for w in wids]
    cols = [
        _strings([r.id for r in rows]),
        _strings([r.doc_id for r in rows]),
        _arr([r.window for r in rows], pa.int32()),
        _list(ids, lengths, pa.int32()),
        _list(np.ones(len(ids), np.int8), lengths, pa.int8()),
        _list(labels, lengths, pa.int64()),
        pa.ListArray.from_arrays(_offsets(lengths), _pairs(offs)),
        _list([0 if w is None else w for w in wids], [len(r.word_ids) for r in rows], pa.int32(), null),
        _arr([r.char_start for r in rows], pa.int32()),
        _arr([r.char_end for r in rows], pa.int32()),
        _arr([r.token_start for r in rows], pa.int32()),
    ]
    return pa.RecordBatch.from_arrays(cols, schema=SCHEMA)


def columns_batch(cols: RowColumns) -> pa.RecordBatch:
    """Rows already held as flat numpy columns (seqalign.align_columns) -> one record batch."""
    n_rows = len(cols.ids)
    offs = _offsets(cols.lengths)
    pairs = np.empty(2 * len(cols.starts), np.int32)
    pairs[0::2] = cols.starts
    pairs[1::2] = cols.ends
    zeros = _arr(np.zeros(n_rows, np.int32), pa.int32())
    arrays = [
        _strings(cols.ids),
        _strings(cols.doc_ids),
        zeros,
        pa.ListArray.from_arrays(offs, _arr(cols.input_ids, pa.int32())),
        pa.ListArray.from_arrays(offs, _arr(np.ones(len(cols.input_ids), np.int8), pa.int8())),
        pa.ListArray.from_arrays(offs, _arr(cols.labels, pa.int64())),
        pa.ListArray.from_arrays(offs, _pairs(pairs)),
        pa.ListArray.from_arrays(offs, _arr(cols.word_ids, pa.int32(), cols.word_null)),
        zeros if cols.char_start is None else _arr(cols.char_start, pa.int32()),
        _arr(cols.char_end, pa.int32()),
        zeros,
    ]
    return pa.RecordBatch.from_arrays(arrays, schema=SCHEMA)


_batch = rows_batch  # the name older callers use


def _batch_plain(rows: list[Row]) -> pa.RecordBatch:
    """The straightforward conversion, kept as the reference the tests compare ``_batch`` with."""
    cols: dict[str, list[Any]] = {
        "id": [r.id for r in rows],
        "doc_id": [r.doc_id for r in rows],
        "window": [r.window for r in rows],
        "input_ids": [r.input_ids for r in rows],
        "attention_mask": [[1] * len(r.input_ids) for r in rows],
        "labels": [r.labels for r in rows],
        "offset_mapping": [[list(p) for p in r.offset_mapping] for r in rows],
        "word_ids": [r.word_ids for r in rows],
        "char_start": [r.char_start for r in rows],
        "char_end": [r.char_end for r in rows],
        "token_start": [r.token_start for r in rows],
    }
    return pa.RecordBatch.from_pydict(cols, schema=SCHEMA)


def write_dataset(
    out: str | Path,
    rows: Iterable[Row],
    labels: dict[str, Any],
    report_fn: Any,
    save_format: str = "arrow",
) -> int:
    """Write rows + labels.json + report.json atomically. ``report_fn()`` is called after the rows are consumed
    (the report is only complete then). Returns the number of rows."""
    if save_format not in SAVE_FORMATS:
        raise ValueError(f"save_format must be one of {', '.join(SAVE_FORMATS)}")
    return write_batches(out, batches_of(rows), labels, report_fn, save_format)


def batches_of(rows: Iterable[Row], size: int = _FLUSH) -> Iterator[pa.RecordBatch]:
    buf: list[Row] = []
    for r in rows:
        buf.append(r)
        if len(buf) >= size:
            yield rows_batch(buf)
            buf = []
    if buf:
        yield rows_batch(buf)


def write_batches(
    out: str | Path,
    batches: Iterable[pa.RecordBatch],
    labels: dict[str, Any],
    report_fn: Any,
    save_format: str = "arrow",
) -> int:
    """``write_dataset`` for record batches already built (by worker processes)."""
    if save_format not in SAVE_FORMATS:
        raise ValueError(f"save_format must be one of {', '.join(SAVE_FORMATS)}")
    n = 0
    with atomic_dir(out) as tmp:
        if save_format == "arrow":
            n = _write_hf_dataset(tmp, batches)
            report: Report = report_fn()
        else:
            stream_path = tmp / "rows.arrow"
            with pa.OSFile(str(stream_path), "wb") as sink, pa.ipc.new_stream(sink, SCHEMA) as writer:
                for b in batches:
                    writer.write_batch(b)
                    n += b.num_rows
            report = report_fn()
            finish_stream(tmp, stream_path, save_format)
        (tmp / "labels.json").write_text(json.dumps(labels, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "report.json").write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return n


def _write_hf_dataset(tmp: Path, batches: Iterable[pa.RecordBatch]) -> int:
    """Write what ``datasets.Dataset.save_to_disk`` writes (Arrow stream shards of at most 500 MB, state.json,
    dataset_info.json) straight from the batches, without importing ``datasets`` (1-2 s of start-up) or
    copying the data a second time. ``datasets.load_from_disk`` reads it; the features are the Arrow
    schema's, which is how ``datasets`` infers them (tested against a real ``save_to_disk``)."""
    shards: list[Path] = []
    n = 0
    sink: Any = None
    writer: Any = None
    try:
        for b in batches:
            if writer is None or sink.tell() >= _MAX_SHARD:
                if writer is not None:
                    writer.close()
                    sink.close()
                shards.append(tmp / f"shard-{len(shards)}.arrow")
                sink = pa.OSFile(str(shards[-1]), "wb")
                writer = pa.ipc.new_stream(sink, SCHEMA)
            writer.write_batch(b)
            n += b.num_rows
        if writer is None:  # no rows: one empty shard, as save_to_disk writes
            shards.append(tmp / "shard-0.arrow")
            sink = pa.OSFile(str(shards[-1]), "wb")
            writer = pa.ipc.new_stream(sink, SCHEMA)
    finally:
        if writer is not None:
            writer.close()
            sink.close()
    names = []
    for i, p in enumerate(shards):
        name = f"data-{i:05d}-of-{len(shards):05d}.arrow"
        p.rename(tmp / name)
        names.append({"filename": name})
    state = {
        "_data_files": names,
        "_fingerprint": os.urandom(8).hex(),
        "_format_columns": None,
        "_format_kwargs": {},
        "_format_type": None,
        "_output_all_columns": False,
        "_split": None,
    }
    (tmp / "state.json").write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    info = {"citation": "", "description": "", "homepage": "", "license": ""}
    (tmp / "dataset_info.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return n


def finish_stream(tmp: Path, stream_path: Path, save_format: str, schema: pa.Schema = SCHEMA) -> None:
    """An Arrow IPC stream of rows -> the requested layout in ``tmp`` (also used by the CTC exporter)."""
    if save_format == "arrow":
        # The straightforward path (datasets' own save_to_disk), kept as the reference in the tests.
        import datasets

        datasets.disable_progress_bars()
        ds = datasets.Dataset.from_file(str(stream_path), in_memory=False)
        ds.save_to_disk(str(tmp / "dataset"))
        del ds
        stream_path.unlink()
        # load_from_disk(out) must work: move the dataset files to the top of the output directory.
        for p in (tmp / "dataset").iterdir():
            p.rename(tmp / p.name)
        (tmp / "dataset").rmdir()
        for cache in tmp.glob("cache-*.arrow"):
            cache.unlink()
        return
    with pa.OSFile(str(stream_path), "rb") as src:
        reader = pa.ipc.open_stream(src)
        if save_format == "parquet":
            import pyarrow.parquet as pq

            with pq.ParquetWriter(str(tmp / "data.parquet"), schema) as pw:
                for b in reader:
                    pw.write_batch(b)
        else:
            with open(tmp / "data.jsonl", "w", encoding="utf-8") as fh:
                for b in reader:
                    for rec in b.to_pylist():
                        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    stream_path.unlink()
