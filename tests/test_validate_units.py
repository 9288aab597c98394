"""Offsets in UTF-16 code units or grapheme clusters (case 29 and its whole kind, for doccano and Label Studio).

Expected offsets are computed here independently: UTF-16 units by encoding the prefix, graphemes by building
the text from pieces that are one grapheme each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from conftest import shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqalign.api_formats import validate_file
from seqalign.cli import main
from seqalign.formats import doccano, label_studio

# pieces that are exactly one grapheme cluster each and never join their neighbours
PIECES = ["a", "b", "x", "Z", "7", "é", "e\u0301", "💩", "👨🏻\u200d🚒", "🇳🇴", "中", "ß"]
WORDS = st.lists(st.sampled_from(PIECES), min_size=1, max_size=5).map(tuple)


def _u16(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


def _case() -> dict[str, Any]:
    return json.loads(shared_path("cases", "case-29.json").read_text(encoding="utf-8"))


def _write(tmp: Path, name: str, fmt: str, record: dict[str, Any]) -> Path:
    p = tmp / name
    body = json.dumps(record, ensure_ascii=False) if fmt.startswith("doccano") else json.dumps([record], ensure_ascii=False)
    p.write_text(body + "\n", encoding="utf-8")
    return p


def test_case_29_reading_each_record_in_its_unit(tmp_path: Path) -> None:
    case = _case()
    for i, (rec, expected) in enumerate(zip(case["input"]["records"], case["expected"]["spans_codepoints"], strict=True)):
        mod = doccano if rec["format"].startswith("doccano") else label_studio
        p = _write(tmp_path, f"r{i}.{'jsonl' if mod is doccano else 'json'}", rec["format"], rec["record"])
        if expected == "mismatch":
            continue
        ex = next(iter(mod.read(p, offset_unit=rec["offset_unit"])))
        assert [list(s.as_tuple()) for s in ex.spans] == expected
        if mod is label_studio:
            s = ex.spans[0]
            assert ex.text[s.start : s.end] == rec["record"]["annotations"][0]["result"][0]["value"]["text"]


def test_case_29_record_3_warns_with_the_suggested_span(tmp_path: Path) -> None:
    case = _case()
    rec = case["input"]["records"][3]
    p = _write(tmp_path, "r3.jsonl", rec["format"], rec["record"])
    report = validate_file(p)
    unit = [d for d in report.diagnostics if d.code == "V104"]
    assert len(unit) == 1
    assert [list(unit[0].new_span.as_tuple())] == case["expected"]["record_3"]["suggested_spans"]
    assert "utf16" in unit[0].message and unit[0].fix == "--offset-unit utf16"
    # --fix writes the converted spans; reading the fixed file as code points gives the suggestion
    fixed = tmp_path / "fixed.jsonl"
    validate_file(p, fix_out=fixed)
    ex = next(iter(doccano.read(fixed)))
    assert [list(s.as_tuple()) for s in ex.spans] == case["expected"]["record_3"]["suggested_spans"]
    res = CliRunner().invoke(main, ["validate", str(p)])
    assert res.exit_code == 1 and "V104" in res.output
    res = CliRunner().invoke(main, ["validate", str(p), "--offset-unit", "utf16"])
    assert res.exit_code == 0, res.output


def test_case_29_write_back_in_utf16(tmp_path: Path) -> None:
    case = _case()
    recs = case["input"]["records"]
    p0 = _write(tmp_path, "d.jsonl", "doccano", recs[0]["record"])
    out = tmp_path / "back.jsonl"
    doccano.write(out, doccano.read(p0, offset_unit="utf16"), offset_unit="utf16")
    assert json.loads(out.read_text(encoding="utf-8"))["label"] == case["expected"]["on_write_back_utf16"]["doccano"]
    p2 = _write(tmp_path, "ls.json", "label_studio", recs[2]["record"])
    out = tmp_path / "back.json"
    label_studio.write(out, label_studio.read(p2, offset_unit="utf16"), offset_unit="utf16")
    value = json.loads(out.read_text(encoding="utf-8"))[0]["annotations"][0]["result"][0]["value"]
    assert {k: value[k] for k in ("start", "end")} == case["expected"]["on_write_back_utf16"]["label_studio"]


def _doc(words: list[tuple[str, ...]], pick: int) -> tuple[str, int, int, int, int, int, int]:
    """Text of words joined by spaces; the picked word's span in code points, UTF-16 units and graphemes."""
    texts = ["".join(w) for w in words]
    text = " ".join(texts)
    k = pick % len(words)
    start = sum(len(t) + 1 for t in texts[:k])
    end = start + len(texts[k])
    g_start = sum(len(w) + 1 for w in words[:k])
    g_end = g_start + len(words[k])
    return text, start, end, _u16(text[:start]), _u16(text[:end]), g_start, g_end


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(WORDS, min_size=1, max_size=6), pick=st.integers(0, 10), unit=st.sampled_from(["utf16", "grapheme"]))
def test_units_round_trip_both_tools(tmp_path: Path, words: list[tuple[str, ...]], pick: int, unit: str) -> None:
    text, s, e, u_s, u_e, g_s, g_e = _doc(words, pick)
    raw = (u_s, u_e) if unit == "utf16" else (g_s, g_e)
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"text": text, "label": [[*raw, "X"]]}, ensure_ascii=False) + "\n", encoding="utf-8")
    ex = next(iter(doccano.read(p, offset_unit=unit)))
    assert ex.spans[0].as_tuple() == (s, e, "X")
    doccano.write(tmp_path / "o.jsonl", [ex], offset_unit=unit)
    assert json.loads((tmp_path / "o.jsonl").read_text(encoding="utf-8"))["label"] == [[*raw, "X"]]
    task = {
        "data": {"text": text},
        "annotations": [
            {"result": [{"type": "labels", "value": {"start": raw[0], "end": raw[1], "text": text[s:e], "labels": ["X"]}}]}
        ],
    }
    q = tmp_path / "ls.json"
    q.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    ex = next(iter(label_studio.read(q, offset_unit=unit)))
    assert ex.spans[0].as_tuple() == (s, e, "X")
    label_studio.write(tmp_path / "o.json", [ex], offset_unit=unit)
    value = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))[0]["annotations"][0]["result"][0]["value"]
    assert (value["start"], value["end"], value["text"]) == (raw[0], raw[1], text[s:e])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(WORDS, min_size=1, max_size=6), pick=st.integers(0, 10), unit=st.sampled_from(["utf16", "grapheme"]))
def test_validate_detects_the_unit_from_stored_text(tmp_path: Path, words: list[tuple[str, ...]], pick: int, unit: str) -> None:
    """Read as code points, a Label Studio export with unit offsets is either right by coincidence (same
    characters) or reported with a V104/V105 whose suggested span holds the stored text."""
    text, s, e, u_s, u_e, g_s, g_e = _doc(words, pick)
    raw = (u_s, u_e) if unit == "utf16" else (g_s, g_e)
    task = {
        "data": {"text": text},
        "annotations": [
            {"result": [{"type": "labels", "value": {"start": raw[0], "end": raw[1], "text": text[s:e], "labels": ["X"]}}]}
        ],
    }
    q = tmp_path / "ls.json"
    q.write_text(json.dumps([task], ensure_ascii=False), encoding="utf-8")
    report = validate_file(q)
    found = [d for d in report.diagnostics if d.code in ("V104", "V105", "V101", "V102")]
    coincide = 0 <= raw[0] <= raw[1] <= len(text) and text[raw[0] : raw[1]] == text[s:e]
    if coincide:
        assert not found
        return
    assert len(found) == 1 and found[0].code in ("V104", "V105"), found
    new = found[0].new_span
    assert new is not None and text[new.start : new.end] == text[s:e]
    if unit == "utf16":
        assert (new.start, new.end) == (s, e)  # UTF-16 is tried first and matches the truth
