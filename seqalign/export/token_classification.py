"""Rows -> a dataset that goes straight into AutoModelForTokenClassification + DataCollatorForTokenClassification.

Rows are written batch by batch to an Arrow stream, so memory does not grow with the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..align import Row
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


def _batch(rows: list[Row]) -> pa.RecordBatch:
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
    n = 0
    with atomic_dir(out) as tmp:
        stream_path = tmp / "rows.arrow"
        with pa.OSFile(str(stream_path), "wb") as sink, pa.ipc.new_stream(sink, SCHEMA) as writer:
            buf: list[Row] = []
            for r in rows:
                buf.append(r)
                if len(buf) >= _FLUSH:
                    writer.write_batch(_batch(buf))
                    n += len(buf)
                    buf = []
            if buf:
                writer.write_batch(_batch(buf))
                n += len(buf)
        report: Report = report_fn()
        _finish(tmp, stream_path, save_format)
        (tmp / "labels.json").write_text(json.dumps(labels, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (tmp / "report.json").write_text(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return n


def _finish(tmp: Path, stream_path: Path, save_format: str) -> None:
    if save_format == "arrow":
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

            with pq.ParquetWriter(str(tmp / "data.parquet"), SCHEMA) as pw:
                for b in reader:
                    pw.write_batch(b)
        else:
            with open(tmp / "data.jsonl", "w", encoding="utf-8") as fh:
                for b in reader:
                    for rec in b.to_pylist():
                        fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    stream_path.unlink()
