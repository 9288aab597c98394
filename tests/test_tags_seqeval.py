"""Cross-check seqalign's scheme semantics against seqeval on the six schemes seqeval supports.

Our ``begin`` reading is compared with seqeval's default mode, our ``drop`` reading with seqeval's strict
mode. Where they differ on purpose, the test pins down exactly the documented difference (docs/schemes.md),
so any other disagreement fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from seqeval.metrics import f1_score, precision_score, recall_score

from seqalign.api_tags import check_tags_file, evaluate_files
from seqalign.evaluation import evaluate_entities, seqeval_default_entities, seqeval_strict_entities
from seqalign.formats import conll
from seqalign.schemes import SCHEMES, find_violations, tags_to_spans

SIX = ["IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU"]


def tags_of(name: str) -> st.SearchStrategy[list[str]]:
    alphabet = ["O"] + [f"{p}-{t}" for p in SCHEMES[name].rules for t in ("A", "B")]
    return st.lists(st.sampled_from(alphabet), max_size=9)


@pytest.mark.parametrize("name", ["IOB1", "IOB2", "IOE1", "IOE2", "IOBES"])
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_begin_equals_seqeval_default(name: str, data: st.DataObject) -> None:
    """Legal or not, our lenient reading is conlleval's (seqeval default) for these five schemes."""
    tags = data.draw(tags_of(name))
    assert sorted(tags_to_spans(tags, SCHEMES[name], "begin")[0]) == sorted(seqeval_default_entities(tags))


@settings(max_examples=150, deadline=None)
@given(tags=tags_of("BILOU"))
def test_bilou_default_differs_only_on_u_and_l(tags: list[str]) -> None:
    """seqeval's default chunker knows B/I/E/S only: with U-/L- in play it merges (U-A U-A -> one entity)."""
    ours = sorted(tags_to_spans(tags, SCHEMES["BILOU"], "begin")[0])
    if not any(t[0] in "UL" for t in tags):
        assert ours == sorted(seqeval_default_entities(tags))
    assert seqeval_default_entities(["U-A", "U-A"]) == [(0, 2, "A")]
    assert tags_to_spans(["U-A", "U-A"], SCHEMES["BILOU"])[0] == [(0, 1, "A"), (1, 2, "A")]


@pytest.mark.parametrize("name", ["IOB2", "IOE2", "IOBES", "BILOU"])
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_drop_equals_seqeval_strict(name: str, data: st.DataObject) -> None:
    tags = data.draw(tags_of(name))
    assert sorted(tags_to_spans(tags, SCHEMES[name], "drop")[0]) == sorted(seqeval_strict_entities(tags, name))


@settings(max_examples=150, deadline=None)
@given(tags=tags_of("IOB1"))
def test_iob1_strict_differences_are_the_documented_ones(tags: list[str]) -> None:
    ours = set(tags_to_spans(tags, SCHEMES["IOB1"], "drop")[0])
    theirs = set(seqeval_strict_entities(tags, "IOB1"))
    if not find_violations(tags, SCHEMES["IOB1"]):
        assert ours == theirs
        return
    for _a, b, t in ours - theirs:
        # (a) seqeval drops a well-formed entity ending in B-X when an illegal B-Y (Y != X) follows.
        assert tags[b - 1] == f"B-{t}" and b < len(tags) and tags[b][0] == "B" and tags[b][2:] != t
    for a, _b, t in theirs - ours:
        # (b) after an illegal B-X, seqeval keeps the I-X tail as an entity; we drop the whole chunk.
        assert tags[a] == f"I-{t}" and a > 0 and tags[a - 1] == f"B-{t}"


@settings(max_examples=150, deadline=None)
@given(tags=tags_of("IOE1"))
def test_ioe1_strict_differences_are_the_documented_ones(tags: list[str]) -> None:
    """seqeval's IOE1 cannot open a one-token E-X entity unless an E-X precedes it (even in legal input)."""
    ours = set(tags_to_spans(tags, SCHEMES["IOE1"], "drop")[0])
    theirs = set(seqeval_strict_entities(tags, "IOE1"))
    assert theirs <= ours
    for a, b, t in ours - theirs:
        assert b - a == 1 and tags[a] == f"E-{t}" and (a == 0 or tags[a - 1] != f"E-{t}")


def test_case_19_ioe1_reference_tags_show_the_seqeval_gap() -> None:
    tags = ["O", "O", "E-LOC", "I-LOC", "O", "I-LOC", "I-LOC"]
    assert find_violations(tags, SCHEMES["IOE1"]) == []
    assert tags_to_spans(tags, SCHEMES["IOE1"], "drop")[0] == [(2, 3, "LOC"), (3, 4, "LOC"), (5, 7, "LOC")]
    assert seqeval_strict_entities(tags, "IOE1") == [(3, 4, "LOC"), (5, 7, "LOC")]


def _seqeval_scores(gold: list[list[str]], pred: list[list[str]], mode: str | None, scheme: object = None) -> tuple[float, ...]:
    kw = {"mode": mode, "scheme": scheme} if mode else {}
    return (precision_score(gold, pred, **kw), recall_score(gold, pred, **kw), f1_score(gold, pred, **kw))


def test_evaluate_matches_seqeval_on_real_files(tmp_path: Path) -> None:
    """Weibo test (4 illegal transitions) against its drop-repaired copy, and WNUT-17's two test versions."""
    from seqeval.scheme import IOB2

    weibo = shared_path("corpora", "weibo_ner", "weiboNER_2nd_conll.test")
    dropped = tmp_path / "weibo.drop"
    check_tags_file(weibo, repair="drop", out=dropped)
    wnut_gold = shared_path("corpora", "wnut17", "emerging.test.annotated")
    wnut_old = tmp_path / "wnut.old"
    check_tags_file(shared_path("corpora", "wnut17", "emerging.test.conll"), repair="begin", out=wnut_old)
    for gold_path, pred_path in ((weibo, dropped), (dropped, weibo), (wnut_gold, wnut_old)):
        g = [ex.word_tags or [] for ex in conll.read(gold_path)]
        p = [ex.word_tags or [] for ex in conll.read(pred_path)]
        for mode in ("default", "strict"):
            ev = evaluate_files(gold_path, pred_path, mode=mode, scheme="iob2")
            want = _seqeval_scores(g, p, None if mode == "default" else "strict", IOB2)
            sc = ev.overall["exact"]
            assert (sc.precision, sc.recall, sc.f1) == pytest.approx(want, abs=1e-12)
            assert ev.mode == mode


def test_match_criteria_by_hand() -> None:
    gold = [[(0, 5, "PER"), (10, 20, "LOC"), (30, 35, "ORG")]]
    pred = [[(0, 5, "PER"), (10, 15, "LOC"), (30, 35, "LOC"), (40, 45, "PER")]]
    ev = evaluate_entities(gold, pred, "exact")
    got = {c: (s.tp_gold, s.gold, s.pred) for c, s in ev.overall.items()}
    # exact: PER only; boundary: PER + ORG/LOC at 30-35; partial: all three gold; type: PER + LOC overlap.
    assert got == {"exact": (1, 3, 4), "boundary": (2, 3, 4), "partial": (3, 3, 4), "type": (2, 3, 4)}
    assert ev.per_type["PER"].gold == 1 and ev.per_type["PER"].pred == 2 and ev.per_type["PER"].tp_gold == 1
    assert ev.per_type["LOC"].pred == 2 and ev.per_type["LOC"].tp_pred == 0
