"""Label Studio records that are not submitted annotations (drafts, model predictions, annotations the
annotator skipped, tasks nobody annotated) are not aligned unless asked for, and the report counts them.

An unannotated task or a skipped annotation has no spans: aligning it would write a missing label as O.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, shared_path

from seqalign.cli import main

TOK = FIXTURES / "tokenizers" / "wordpiece-bert"
TEXT = "Peter Blackburn visited Paris ."


def _result(start: int, end: int, label: str) -> dict[str, Any]:
    return {"from_name": "label", "to_name": "text", "type": "labels", "value": {"start": start, "end": end, "labels": [label]}}


def _export(tmp_path: Path) -> Path:
    per, loc = _result(0, 15, "PER"), _result(24, 29, "LOC")
    tasks = [
        {
            "id": 1,
            "data": {"text": TEXT},
            "annotations": [
                {"id": 11, "completed_by": 1, "result": [per, loc]},
                {"id": 12, "completed_by": 2, "was_cancelled": True, "result": []},
            ],
            "drafts": [{"id": 13, "result": [per]}],
            "predictions": [{"id": 14, "model_version": "m1", "result": [loc]}],
        },
        {"id": 2, "data": {"text": TEXT}, "annotations": [], "predictions": []},  # nobody annotated it
    ]
    path = tmp_path / "export.json"
    path.write_text(json.dumps(tasks), encoding="utf-8")
    return path


def _align(src: Path, out: Path, *opts: str) -> tuple[Any, dict[str, Any] | None]:
    res = CliRunner().invoke(main, ["align", str(src), "-t", str(TOK), "--out", str(out), "-q", *opts])
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").exists() else None
    return res, report


def _ids(out: Path) -> list[str]:
    import datasets

    return sorted(set(datasets.load_from_disk(str(out))["id"]))


def test_only_submitted_annotations_are_aligned_by_default(tmp_path: Path) -> None:
    res, report = _align(_export(tmp_path), tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert report is not None
    assert _ids(tmp_path / "out") == ["1/annotation/11"]
    assert report["meta"]["not_aligned_by_origin"] == {"cancelled": 1, "draft": 1, "prediction": 1, "task": 1}
    assert report["counts"]["spans_in"] == 2  # the annotation's two spans; nothing else entered the count
    assert any("1 cancelled, 1 draft, 1 prediction, 1 task" in n for n in report["notes"])


def test_origins_are_chosen_with_a_flag(tmp_path: Path) -> None:
    res, report = _align(_export(tmp_path), tmp_path / "out", "--origins", "annotation,prediction,task")
    assert res.exit_code == 0, res.output
    assert report is not None
    assert _ids(tmp_path / "out") == ["1/annotation/11", "1/prediction/14", "2"]
    assert report["meta"]["not_aligned_by_origin"] == {"cancelled": 1, "draft": 1}
    assert report["counts"]["spans_in"] == 3


def test_a_file_of_predictions_only_says_how_to_align_it(tmp_path: Path) -> None:
    src = tmp_path / "preds.json"
    src.write_text(json.dumps([{"id": 1, "data": {"text": TEXT}, "predictions": [{"result": [_result(0, 5, "PER")]}]}]))
    res, _ = _align(src, tmp_path / "out")
    assert res.exit_code == 2
    assert "no records to align: the file holds only 1 prediction" in res.output
    assert "--origins prediction" in res.output
    assert not (tmp_path / "out").exists()
    res, report = _align(src, tmp_path / "out", "--origins", "prediction")
    assert res.exit_code == 0, res.output
    assert report is not None and report["counts"]["spans_in"] == 1


@pytest.mark.parametrize("value", ["annotations", "annotation,bogus"])
def test_an_unknown_origin_is_a_usage_error(tmp_path: Path, value: str) -> None:
    res, _ = _align(_export(tmp_path), tmp_path / "out", "--origins", value)
    assert res.exit_code == 2
    assert "--origins" in res.output and "choose from annotation, draft, prediction, cancelled, task" in res.output


def test_other_formats_are_not_filtered(tmp_path: Path) -> None:
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": "a", "text": TEXT, "spans": [{"start": 0, "end": 5, "label": "PER"}]}) + "\n")
    res, report = _align(src, tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert report is not None and "not_aligned_by_origin" not in report["meta"]
    assert report["counts"]["spans_in"] == 1


@pytest.mark.zoo
def test_real_export_with_a_draft(tmp_path: Path) -> None:
    src = shared_path("corpora", "label_studio", "nerine_nor", "label_studio_export.json")
    res, report = _align(src, tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert report is not None
    # corpora README: 5 annotations + 1 draft, 130 span results, of which the draft holds 15
    drafts = [t for t in json.loads(src.read_text(encoding="utf-8")) for d in t.get("drafts") or []]
    assert report["meta"]["not_aligned_by_origin"] == {"draft": len(drafts)} == {"draft": 1}
    assert report["counts"]["examples"] == 5
    assert report["counts"]["spans_in"] == 130 - sum(len(d["result"]) for t in drafts for d in t["drafts"])


@pytest.mark.zoo
def test_real_import_file_has_no_annotations(tmp_path: Path) -> None:
    src = shared_path("corpora", "label_studio", "nerine_nor", "label_studio_import.json")
    res, _ = _align(src, tmp_path / "out")
    assert res.exit_code == 2
    assert "the file holds only 5 tasks" in res.output and "row of O labels" in res.output


def test_empty_origins_say_to_name_one(tmp_path: Path) -> None:
    res, _ = _align(_export(tmp_path), tmp_path / "out", "--origins", ",")
    assert res.exit_code == 2 and "--origins: name at least one" in res.output


def test_origin_names_are_case_blind(tmp_path: Path) -> None:
    res, _ = _align(_export(tmp_path), tmp_path / "out", "--origins", "Annotation, PREDICTION")
    assert res.exit_code == 0, res.output
    assert _ids(tmp_path / "out") == ["1/annotation/11", "1/prediction/14"]


def test_a_read_error_is_not_hidden_behind_the_origin_filter(tmp_path: Path) -> None:
    tasks = [
        {"id": 1, "data": {"text": TEXT}, "drafts": [{"id": 13, "result": [_result(0, 5, "PER")]}]},
        {"id": 2, "data": {"text": TEXT}, "annotations": [{"id": 21, "result": [_result(0, 500, "PER")]}]},
    ]
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(tasks), encoding="utf-8")
    res, _ = _align(src, tmp_path / "out")
    assert res.exit_code == 2
    assert "run past the end of a text" in res.output and "no records to align" not in res.output


def _converted_jsonl(tmp_path: Path, copies: int) -> Path:
    """The Label Studio export converted to JSONL (which keeps each record's origin), ``copies`` times over."""
    res = CliRunner().invoke(main, ["convert", str(_export(tmp_path)), str(tmp_path / "one.jsonl")])
    assert res.exit_code == 0, res.output
    lines = (tmp_path / "one.jsonl").read_text(encoding="utf-8").splitlines()
    out = tmp_path / "many.jsonl"
    with open(out, "w", encoding="utf-8") as fh:
        for k in range(copies):
            for line in lines:
                rec = json.loads(line)
                rec["id"] = f"{rec['id']}@{k}"
                fh.write(json.dumps(rec) + "\n")
    return out


@pytest.mark.parametrize("workers", ["1", "2"])
def test_jsonl_from_label_studio_is_filtered_the_same_for_any_workers(tmp_path: Path, workers: str) -> None:
    copies = 300  # 1,500 records: several batches, so -j 2 really runs two workers
    src = _converted_jsonl(tmp_path, copies)
    res, report = _align(src, tmp_path / "out", "-j", workers)
    assert res.exit_code == 0, res.output
    assert report is not None
    # the cancelled annotation survived the conversion as cancelled: it is not trained on as all O
    assert report["meta"]["not_aligned_by_origin"] == {"cancelled": copies, "draft": copies, "prediction": copies, "task": copies}
    assert report["counts"]["examples"] == copies
    assert all(i.startswith("1/annotation/11@") for i in _ids(tmp_path / "out"))


def test_origin_names_of_other_tools_are_left_alone(tmp_path: Path) -> None:
    src = tmp_path / "gold.jsonl"
    rec = {"id": "a", "text": TEXT, "spans": [{"start": 0, "end": 5, "label": "PER"}], "meta": {"origin": "gold"}}
    src.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    res, report = _align(src, tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert report is not None and report["counts"]["examples"] == 1 and "not_aligned_by_origin" not in report["meta"]


def test_unreadable_word_tags_in_jsonl_exit_2(tmp_path: Path) -> None:
    src = tmp_path / "w.jsonl"
    rec = {
        "id": "1",
        "text": "a b",
        "spans": [],
        "words": ["a", "b"],
        "word_offsets": [[0, 1], [2, 3]],
        "word_tags": ["O", "Q-LOC"],
    }
    src.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    res, _ = _align(src, tmp_path / "out")
    assert res.exit_code == 2, res.output
    assert "Q-LOC" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("at", [0, (1 << 22) - 5, (1 << 22) - 8, 1 << 22, 2 * (1 << 22) + 3, None])
def test_the_origin_scan_finds_the_key_across_block_edges(tmp_path: Path, at: int | None) -> None:
    from seqalign.sharded import mentions

    data = bytearray(b"x" * (2 * (1 << 22) + 20))
    if at is not None:
        data[at : at + 8] = b'"origin"'
    path = tmp_path / "f.jsonl"
    path.write_bytes(bytes(data))
    assert mentions(path, b'"origin"') is (at is not None)
