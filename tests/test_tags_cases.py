"""Shared cases 15, 19, 20 and 23 (tag sequences both ways), read from ../shared/cases: input, expected, must_not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import shared_path

from seqalign.decode import Piece, decode_units, units_of
from seqalign.schemes import SCHEMES, find_violations, get_scheme, spans_to_tags, tags_to_spans, unrepresentable


def _case(n: int) -> dict[str, Any]:
    return json.loads(shared_path("cases", f"case-{n:02d}.json").read_text(encoding="utf-8"))


def _decode_tags(text_offsets: list[list[int]], tags: list[str], scheme: str) -> list[tuple[int, int, str]]:
    """Decode per-token tags through the same path model predictions take (pieces -> units -> spans)."""
    labels = sorted(set(tags))
    label2id = {t: i for i, t in enumerate(labels)}
    pieces = [Piece(s, e, None, True, label2id[t]) for (s, e), t in zip(text_offsets, tags, strict=True)]
    spans, _ = decode_units(units_of(pieces), dict(enumerate(labels)), get_scheme(scheme))
    return [(s.start, s.end, s.label) for s in spans]


def test_case_15_adjacent_same_type_entities_stay_apart() -> None:
    case = _case(15)
    inp, exp = case["input"], case["expected"]
    got = _decode_tags(inp["encoding"]["offsets"], inp["predicted_tags"], inp["scheme"])
    assert got == [tuple(s) for s in exp["spans"]]
    assert [inp["text"][s:e] for s, e, _ in got] == exp["span_texts"]
    # must_not: grouping by type only gives one entity "Istanbul Los Angeles"
    assert len(got) == 2
    # IO cannot keep them apart: the IO reading merges them, and the converter says so.
    io = _decode_tags(inp["encoding"]["offsets"], inp["also_decode_as_IO"], "IO")
    assert io == [tuple(s) for s in exp["spans_from_IO_tags"]]
    chunks, _ = tags_to_spans(inp["predicted_tags"], SCHEMES["IOB2"])
    assert chunks == [(2, 3, "LOC"), (3, 5, "LOC")]
    assert unrepresentable(chunks, SCHEMES["IO"]) == chunks  # the IO converter reports both as merged


@pytest.mark.parametrize("target", ["IO", "IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU"])
def test_case_19_reference_table(target: str) -> None:
    case = _case(19)
    exp = case["expected"]
    sch = SCHEMES[target]
    for k, sent in enumerate(case["input"]["sentences"]):
        chunks = [tuple(e) for e in sent["entities"]]
        tags = spans_to_tags(len(sent["tokens"]), chunks, sch)
        assert tags == exp[target][k], f"sentence {k}"
        back, violations = tags_to_spans(tags, sch)
        assert violations == []
        if target in exp["roundtrip_exact_for"]:
            assert back == chunks
        else:
            assert back == [tuple(c) for c in exp["IO_roundtrip_spans"][k]]
    # The lossy IO conversion is detectable: sentence 0 has two LOC entities that merge.
    lost = unrepresentable([tuple(e) for e in case["input"]["sentences"][0]["entities"]], SCHEMES["IO"])
    assert (2, 3, "LOC") in lost and (3, 4, "LOC") in lost


@pytest.mark.parametrize("target", ["IOB2", "IOBES", "BILOU"])
def test_case_20_iob1_source(target: str) -> None:
    case = _case(20)
    inp, exp = case["input"], case["expected"]
    chunks, violations = tags_to_spans(inp["tags"], SCHEMES[inp["from"]])
    assert violations == []
    assert chunks == [tuple(e) for e in exp["entities"]]
    out = spans_to_tags(len(inp["tokens"]), chunks, SCHEMES[target])
    assert out == exp[target]
    # must_not: reading it as IOB2 and splitting every token; producing S-MISC S-MISC S-MISC
    assert out[:3] != ["S-MISC", "S-MISC", "S-MISC"]
    assert find_violations(inp["tags"], SCHEMES["IOB2"]), "the same tags are illegal IOB2 (I- at the start)"


_REASON_KIND = {
    "type change inside entity": "type-switch",
    "I- cannot start an entity in IOB2": "no-start",
}


def test_case_23_violations_strict_and_lenient() -> None:
    case = _case(23)
    exp = case["expected"]
    for k, seq in enumerate(case["input"]["sequences"]):
        sch = get_scheme(seq["scheme"])
        vs = find_violations(seq["tags"], sch)
        want = exp["violations"][k]
        assert [(v.position, v.tag, v.prev or "<start>") for v in vs] == [(w["index"], w["tag"], w["prev"]) for w in want], (
            f"sequence {k}"
        )
        for v, w in zip(vs, want, strict=True):
            reason = w["reason"]
            if reason in _REASON_KIND:
                assert v.kind == _REASON_KIND[reason]
            else:  # "entity opened at 0 not closed by E-PER"
                assert v.kind == "unclosed"
                assert "opened at 0" in v.rule and "E-PER" in v.rule
        strict, _ = tags_to_spans(seq["tags"], sch, "drop")
        assert strict == [tuple(e) for e in exp["strict_entities"][k]], f"sequence {k}"
    seq0 = case["input"]["sequences"][0]
    lenient, _ = tags_to_spans(seq0["tags"], get_scheme(seq0["scheme"]), "begin")
    assert lenient == [tuple(e) for e in exp["lenient_entities_seq0"]]
    # must_not: the BILOU sequence read as one MISC entity; I-PER -> S-PER accepted in IOBES
    bilou = case["input"]["sequences"][2]
    assert (0, 3, "MISC") not in tags_to_spans(bilou["tags"], SCHEMES["BILOU"], "begin")[0]
    assert (0, 3, "MISC") not in tags_to_spans(bilou["tags"], SCHEMES["BILOU"], "drop")[0]
    assert find_violations(["I-PER", "S-PER"], SCHEMES["IOBES"])
