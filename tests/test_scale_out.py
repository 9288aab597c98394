"""seqalign.scale.BatchAligner on engines that scale out, run locally: HF datasets map(num_proc=2) and Ray
Data (in the test extra; skipped when ray is not installed, a failure under CI=true). Each must give the rows
and report counts that ``align_file`` gives on the same input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, in_ci

from seqalign import api
from seqalign.scale import COUNT_COLUMNS, BatchAligner

TOK = str(FIXTURES / "tokenizers" / "wordpiece-bert")
SRC = FIXTURES / "sample" / "sample.jsonl"
ROW_COLUMNS = ["id", "window", "input_ids", "labels", "offset_mapping", "char_start", "char_end", "token_start"]


def _records() -> list[dict[str, Any]]:
    out = []
    for line in SRC.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            out.append(
                {"id": d["id"], "text": d["text"], "spans": [{k: s[k] for k in ("start", "end", "label")} for s in d["spans"]]}
            )
    return out


def _reference(tmp_path: Path) -> tuple[list[dict[str, Any]], dict[str, int], list[str]]:
    import datasets

    rep = api.align_file(SRC, TOK, tmp_path / "ref", overlaps="keep-longer", workers=1)
    rows = datasets.load_from_disk(str(tmp_path / "ref")).select_columns(ROW_COLUMNS).to_list()
    labels = json.loads((tmp_path / "ref" / "labels.json").read_text())
    types = sorted({lab[2:] for lab in labels["labels"] if lab != "O"})
    return rows, {k: getattr(rep.counts, k) for k in COUNT_COLUMNS}, types


def _check(got: list[dict[str, Any]], ref: tuple[list[dict[str, Any]], dict[str, int], list[str]]) -> None:
    rows, counts, _ = ref
    assert [{k: r[k] for k in ROW_COLUMNS} for r in got] == rows
    assert {k: sum(r[k] for r in got) for k in COUNT_COLUMNS} == counts
    assert sum(len(json.loads(r["problems"])) for r in got) == counts["adjusted"] + counts["lost"] + counts["truncated"]


def test_datasets_map_num_proc(tmp_path: Path) -> None:
    import datasets

    ref = _reference(tmp_path)
    ds = datasets.Dataset.from_list(_records())
    fn = BatchAligner(TOK, types=ref[2], overlaps="keep-longer")
    out = ds.map(fn, batched=True, batch_size=2, num_proc=2, remove_columns=ds.column_names)
    _check(out.to_list(), ref)


def test_ray_data_map_batches(tmp_path: Path) -> None:
    try:
        import ray
        import ray.data
    except ImportError:
        msg = "the Ray example needs ray[data] (in the test extra: pip install -e '.[test]')"
        if in_ci():
            pytest.fail(msg + " -- CI=true, so this is a failure, not a skip")
        pytest.skip(msg)
    ref = _reference(tmp_path)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True  # rows in input order, as align_file writes them
        ds = ray.data.from_items(_records())
        fn = BatchAligner(TOK, types=ref[2], overlaps="keep-longer")
        out = ds.map_batches(fn, batch_format="pyarrow", batch_size=2).take_all()
    finally:
        ray.shutdown()
    _check(out, ref)
