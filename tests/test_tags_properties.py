"""Property tests: each fault's whole kind, over every scheme.

Expectations come from independent definitions written here (chunk lists encoded by hand-checked rules,
a brute-force legality check over the transition matrix), never from the output of the code under test.
"""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqalign.decode import Piece, ScoredSpan, decode_units, units_of
from seqalign.decode_windows import Window, decode_example, merge_pieces
from seqalign.model import IGNORE
from seqalign.schemes import (
    RULES,
    SCHEMES,
    allowed_transitions,
    find_violations,
    repair_tags,
    spans_to_tags,
    tags_to_spans,
)
from seqalign.tagcheck import TagSequence, check_sequences

NAMES = sorted(SCHEMES)
TYPES = ["A", "B"]


def tag_lists(name: str, max_len: int = 9) -> st.SearchStrategy[list[str]]:
    sch = SCHEMES[name]
    alphabet = ["O"] + [f"{p}-{t}" for p in sch.rules for t in TYPES]
    return st.lists(st.sampled_from(alphabet), min_size=0, max_size=max_len)


@st.composite
def chunk_lists(draw: st.DrawFn, max_len: int = 12) -> tuple[int, list[tuple[int, int, str]]]:
    n = draw(st.integers(1, max_len))
    chunks = []
    i = 0
    while i < n:
        if draw(st.booleans()):
            ln = draw(st.integers(1, min(4, n - i)))
            chunks.append((i, i + ln, draw(st.sampled_from(TYPES))))
            i += ln
        else:
            i += 1
    return n, chunks


# ------------------------------------------------------------------------------------- transitions


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_violations_agree_with_the_exported_matrix(name: str, data: st.DataObject) -> None:
    """The one table: a sequence is legal iff every step is allowed by the matrix + start/end vectors."""
    tags = data.draw(tag_lists(name))
    sch = SCHEMES[name]
    labels = sch.labels_for(TYPES)
    m, start, end = allowed_transitions(sch, labels)
    ix = {t: i for i, t in enumerate(labels)}
    legal = not tags or (start[ix[tags[0]]] and end[ix[tags[-1]]] and all(m[ix[a]][ix[b]] for a, b in itertools.pairwise(tags)))
    vs = find_violations(tags, sch)
    assert legal == (not vs)
    for v in vs:
        assert v.kind in RULES and v.rule


@pytest.mark.parametrize("name", [n for n in NAMES if n != "IO"])
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_every_repair_output_is_legal_and_reported(name: str, data: st.DataObject) -> None:
    tags = data.draw(tag_lists(name))
    sch = SCHEMES[name]
    for policy in ("begin", "join", "drop"):
        new, vs, repairs = repair_tags(tags, sch, policy)
        assert find_violations(new, sch) == []
        assert len(repairs) == len(vs)
        # Nothing changes silently: every changed tag lies inside a reported repair's range.
        changed = {i for i, (a, b) in enumerate(zip(tags, new, strict=True)) if a != b}
        covered = {i for r in repairs for i in range(r.start, r.end)}
        assert changed <= covered
        for r in repairs:
            assert r.policy == policy and list(r.after) == new[r.start : r.end]


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=60, deadline=None)
@given(nc=chunk_lists())
def test_legal_sequences_read_the_same_under_every_policy(name: str, nc: tuple[int, list[tuple[int, int, str]]]) -> None:
    n, chunks = nc
    sch = SCHEMES[name]
    tags = spans_to_tags(n, chunks, sch)
    readings = {p: tags_to_spans(tags, sch, p) for p in ("begin", "join", "drop")}
    assert all(vs == [] for _, vs in readings.values())
    assert len({tuple(c) for c, _ in readings.values()}) == 1
    assert repair_tags(tags, sch, "drop")[0] == tags


@settings(max_examples=100, deadline=None)
@given(prefix=tag_lists("IOB2", 4), t1=st.sampled_from(TYPES), t2=st.sampled_from(TYPES), suffix=tag_lists("IOB2", 4))
def test_type_switch_inside_an_entity_is_named(prefix: list[str], t1: str, t2: str, suffix: list[str]) -> None:
    """Kind: a continuation of another type right after an entity tag (B-PER I-LOC)."""
    tags = [*prefix, f"B-{t1}", f"I-{t2}", *suffix]
    pos = len(prefix) + 1
    at = [v for v in find_violations(tags, SCHEMES["IOB2"]) if v.position == pos]
    if t1 == t2:
        assert at == []
    else:
        assert [v.kind for v in at] == ["type-switch"]


@pytest.mark.parametrize(
    ("name", "cont"),
    [("IOB2", "I"), ("IOBES", "I"), ("IOBES", "E"), ("BILOU", "I"), ("BILOU", "L"), ("BMES", "M"), ("BMES", "E")],
)
@settings(max_examples=60, deadline=None)
@given(prefix=st.lists(st.sampled_from(["O", "S-A", "U-A", "E-A", "L-A"]), max_size=3), t=st.sampled_from(TYPES))
def test_stray_continuation_after_a_closed_entity_or_o(name: str, cont: str, prefix: list[str], t: str) -> None:
    """Kind: a continuation tag with nothing to continue (I- after O, I after E/S, L without B, M- at start)."""
    sch = SCHEMES[name]
    # Only tags that are a whole entity on their own (O, S-, U-) may come before.
    prefix = [p for p in prefix if p == "O" or (p[0] in sch.rules and sch.rules[p[0]].starts and sch.rules[p[0]].ends)]
    tags = [*prefix, f"{cont}-{t}"]
    vs = find_violations(tags, sch)
    assert vs and vs[0].position == len(prefix) and vs[0].kind == "no-start"
    for policy, want in (("begin", [(len(prefix), len(prefix) + 1, t)]), ("drop", [])):
        got = [c for c in tags_to_spans(tags, sch, policy)[0] if c[0] == len(prefix)]
        assert got == want


@pytest.mark.parametrize("name", ["IOBES", "BILOU", "BMES", "IOE2"])
@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 4), t=st.sampled_from(TYPES), after=st.sampled_from(["O", None]))
def test_unclosed_entity(name: str, k: int, t: str, after: str | None) -> None:
    """Kind: an entity left open (B/I/M with no E/L), at a sentence break or before O."""
    sch = SCHEMES[name]
    opener = "I" if name == "IOE2" else "B"
    mid = {"IOBES": "I", "BILOU": "I", "BMES": "M", "IOE2": "I"}[name]
    tags = [f"{opener}-{t}"] + [f"{mid}-{t}"] * (k - 1) + ([after] if after else [])
    vs = find_violations(tags, sch)
    assert [v.kind for v in vs] == ["unclosed"]
    assert vs[0].position == k
    assert tags_to_spans(tags, sch, "drop")[0] == []
    assert tags_to_spans(tags, sch, "begin")[0] == [(0, k, t)]


# ------------------------------------------------------------------------------------------ decode


def _pieces_from_tags(tags: list[str], labels: list[str]) -> list[Piece]:
    ix = {t: i for i, t in enumerate(labels)}
    return [Piece(4 * i, 4 * i + 3, None, True, ix[t]) for i, t in enumerate(tags)]


@pytest.mark.parametrize("name", [n for n in NAMES if n != "IO"])
@settings(max_examples=60, deadline=None)
@given(nc=chunk_lists())
def test_adjacent_same_type_entities_stay_separate(name: str, nc: tuple[int, list[tuple[int, int, str]]]) -> None:
    n, chunks = nc
    sch = SCHEMES[name]
    labels = sch.labels_for(TYPES)
    tags = spans_to_tags(n, chunks, sch)
    spans, vs = decode_units(units_of(_pieces_from_tags(tags, labels)), dict(enumerate(labels)), sch)
    assert vs == []
    assert [(s.start, s.end, s.label) for s in spans] == [(4 * a, 4 * b - 1, t) for a, b, t in chunks]


@settings(max_examples=80, deadline=None)
@given(nc=chunk_lists(), specials=st.sets(st.integers(0, 11)), cut=st.sets(st.integers(0, 11)))
def test_special_and_ignored_positions_are_never_read(
    nc: tuple[int, list[tuple[int, int, str]]], specials: set[int], cut: set[int]
) -> None:
    """Specials ((0,0), no word) are skipped; a -100 piece with characters breaks entities and is never O or X."""
    n, chunks = nc
    sch = SCHEMES["IOB2"]
    labels = sch.labels_for(TYPES)
    ix = {t: i for i, t in enumerate(labels)}
    tags = spans_to_tags(n, chunks, sch)
    pieces: list[Piece] = []
    for i, t in enumerate(tags):
        if i in specials:
            pieces.append(Piece(0, 0, None, False, ix["B-A"]))  # a special predicted as B-A: must be ignored
        ignored = i in cut
        pieces.append(Piece(4 * i, 4 * i + 3, None, not ignored, ix[t]))
    spans, _ = decode_units(units_of(pieces), dict(enumerate(labels)), sch)
    cut_chars = {(4 * i, 4 * i + 3) for i in cut if i < n}
    for s in spans:
        assert s.start != 0 or s.end != 0
        for a, b in cut_chars:
            assert not (a < s.end and s.start < b), "a span covers an ignored piece"
    # Without ignored pieces the specials change nothing.
    if not cut:
        assert [(s.start, s.end, s.label) for s in spans] == [(4 * a, 4 * b - 1, t) for a, b, t in chunks]


@settings(max_examples=100, deadline=None)
@given(nc=chunk_lists(max_len=30), room=st.integers(3, 10), data=st.data())
def test_window_merge_of_gold_labels_equals_the_unwindowed_reading(
    nc: tuple[int, list[tuple[int, int, str]]], room: int, data: st.DataObject
) -> None:
    n, chunks = nc
    overlap = data.draw(st.integers(0, room - 1))
    sch = SCHEMES["IOB2"]
    labels = sch.labels_for(TYPES)
    pieces = _pieces_from_tags(spans_to_tags(n, chunks, sch), labels)
    windows = []
    a = 0
    while True:
        b = min(n, a + room)
        windows.append(Window(a, pieces[a:b]))
        if b == n:
            break
        a = b - overlap
    assert merge_pieces(windows) == pieces
    dec = decode_example("x", windows, dict(enumerate(labels)), sch)
    assert [(s.start, s.end, s.label) for s in dec.spans] == [(4 * a, 4 * b - 1, t) for a, b, t in chunks]
    assert dec.diagnostics == []


def test_window_conflict_longer_then_higher_score_is_reported() -> None:
    sch = SCHEMES["IOB2"]
    labels = sch.labels_for(TYPES)  # O B-A I-A B-B I-B
    ix = {t: i for i, t in enumerate(labels)}

    def w(start: int, tags: list[str]) -> Window:
        return Window(start, [Piece(4 * (start + k), 4 * (start + k) + 3, None, True, ix[t]) for k, t in enumerate(tags)])

    # 10 pieces, windows [0,8) and [2,10). Window 1 sees A over pieces 3-6; window 2 sees A over 3-4 only and
    # B over 5-6. Pieces 0-4 come from window 1 (farther from its cut), 5-9 from window 2.
    w1 = w(0, ["O", "O", "O", "B-A", "I-A", "I-A", "I-A", "O"])
    w2 = w(2, ["O", "B-A", "I-A", "B-B", "I-B", "O", "O", "O"])
    dec = decode_example("x", [w1, w2], dict(enumerate(labels)), sch)
    longer = (12, 27, "A")  # pieces 3..6
    assert [(s.start, s.end, s.label) for s in dec.spans] == [longer]
    assert [d.code for d in dec.diagnostics] == ["D101"]
    assert "kept (12,27,A)" in dec.diagnostics[0].message


def test_aggregation_rules_on_disagreeing_pieces() -> None:
    # One word of three pieces; labels O, B-A, B-B.
    probs = [(0.1, 0.5, 0.4), (0.1, 0.1, 0.8), (0.2, 0.45, 0.35)]
    pieces = [Piece(i, i + 1, 0, True, max(range(3), key=p.__getitem__), p) for i, p in enumerate(probs)]
    first = units_of(pieces, "all", "first")[0]
    avg = units_of(pieces, "all", "average")[0]
    mx = units_of(pieces, "all", "max")[0]
    assert first is not None and avg is not None and mx is not None
    assert (first.label, first.score) == (1, 0.5)
    assert avg.label == 2 and math.isclose(avg.score or 0, (0.4 + 0.8 + 0.35) / 3)  # mean: B-B 0.517 > B-A 0.35
    assert (mx.label, mx.score) == (2, 0.8)
    assert (first.start, first.end) == (0, 3)
    # Ids only: average is a majority vote, max falls back to the first piece.
    ids = [Piece(i, i + 1, 0, True, lab) for i, lab in enumerate([1, 2, 2])]
    assert units_of(ids, "all", "average")[0] == units_of(ids, "all", "first")[0].__class__(0, 3, 2, None)  # type: ignore[union-attr]
    assert units_of(ids, "all", "max")[0].label == 1  # type: ignore[union-attr]
    # label_subwords=first: a word whose first piece is -100 has no trustworthy label.
    masked = [Piece(0, 1, 0, False, 1, probs[0]), Piece(1, 2, 0, False, 2, probs[1])]
    assert units_of(masked, "first", "average") == [None]


def test_scored_span_is_a_span() -> None:
    assert ScoredSpan(1, 2, "A", 0.5).span.as_tuple() == (1, 2, "A")


@settings(max_examples=80, deadline=None)
@given(seqs=st.lists(tag_lists("IOB2", 6), min_size=1, max_size=5), policy=st.sampled_from(["begin", "join", "drop"]))
def test_check_sequences_counts_every_transition(seqs: list[list[str]], policy: str) -> None:
    ts = [TagSequence(str(k), s, [100 * k + i for i in range(len(s))], 100 * k) for k, s in enumerate(seqs)]
    res = check_sequences(ts, "iob2", policy)
    assert res.transitions == sum(len(find_violations(s, SCHEMES["IOB2"])) for s in seqs)
    assert res.repaired is not None
    assert all(find_violations(r, SCHEMES["IOB2"]) == [] for r in res.repaired)
    assert all(i.policy == policy for i in res.issues)
    assert IGNORE == -100
