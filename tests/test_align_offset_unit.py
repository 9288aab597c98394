"""align --offset-unit: UTF-16 offsets (browser tools) on texts with emoji land on the right characters;
read as code points they are refused with a hint that names the option."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import FIXTURES

from seqalign.cli import main

TOK = FIXTURES / "tokenizers" / "wordpiece-bert"
TEXT = "I 😀 love Paris 😀"  # each 😀 is one code point, two UTF-16 units


def _utf16(text: str, start: int, end: int) -> tuple[int, int]:
    def units(k: int) -> int:
        return len(text[:k].encode("utf-16-le")) // 2

    return units(start), units(end)


def test_utf16_offsets_align_exactly_with_the_option(tmp_path: Path) -> None:
    start = TEXT.index("Paris")
    s16, e16 = _utf16(TEXT, start, start + 5)
    assert (s16, e16) == (start + 1, start + 6)  # the emoji before it counts twice in UTF-16
    src = tmp_path / "a.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": TEXT, "spans": [{"start": s16, "end": e16, "label": "LOC"}]}) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["align", str(src), "-t", str(TOK), "--out", str(out), "-q", "--offset-unit", "utf16"])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    assert report["counts"]["exact"] == report["counts"]["spans_in"] == 1
    dec = tmp_path / "dec.jsonl"
    res = CliRunner().invoke(main, ["decode", str(out), "-o", str(dec), "--text-from", str(src)])
    assert res.exit_code == 0, res.output
    # decode gives code points, into the text as read
    assert [(s["start"], s["end"], s["text"]) for s in json.loads(dec.read_text())["spans"]] == [(start, start + 5, "Paris")]


def test_utf16_offsets_read_as_code_points_name_the_option(tmp_path: Path) -> None:
    end16 = len(TEXT.encode("utf-16-le")) // 2  # the last emoji: past the end in code points
    src = tmp_path / "a.jsonl"
    src.write_text(
        json.dumps({"id": "a", "text": TEXT, "spans": [{"start": end16 - 2, "end": end16, "label": "EMO"}]}) + "\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(main, ["align", str(src), "-t", str(TOK), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "run past the end of a text of" in res.output
    assert "--offset-unit utf16" in res.output and "seqalign validate" in res.output
    assert not (tmp_path / "out").exists()


def test_stored_span_texts_that_disagree_with_the_offsets_suggest_the_unit(tmp_path: Path) -> None:
    text = "😀 Rome is far."
    s16, e16 = _utf16(text, 2, 6)  # "Rome", counted in UTF-16 (the emoji is two units)
    task = {
        "id": 1,
        "data": {"text": text},
        "annotations": [
            {"id": 1, "result": [{"type": "labels", "value": {"start": s16, "end": e16, "text": "Rome", "labels": ["LOC"]}}]}
        ],
    }
    src = tmp_path / "ls.json"
    src.write_text(json.dumps([task]), encoding="utf-8")
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["align", str(src), "-t", str(TOK), "--out", str(out), "-q", "--alignment", "expand"])
    assert res.exit_code == 0, res.output
    report = json.loads((out / "report.json").read_text())
    assert report["meta"]["stored_text_mismatches"] == 1
    assert any("stored 'Rome', at the offsets 'ome '" in n and "--offset-unit utf16" in n for n in report["notes"])
    res = CliRunner().invoke(
        main, ["align", str(src), "-t", str(TOK), "--out", str(tmp_path / "o2"), "-q", "--offset-unit", "utf16"]
    )
    assert res.exit_code == 0, res.output
    report = json.loads((tmp_path / "o2" / "report.json").read_text())
    assert "stored_text_mismatches" not in report["meta"] and report["counts"]["exact"] == 1
