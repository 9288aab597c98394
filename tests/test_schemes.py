"""Schemes: tag parsing, spans <-> tags in every scheme, scheme -> scheme, detection."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqalign.schemes import (
    SCHEMES,
    TagError,
    convert_tags,
    detect_scheme,
    find_violations,
    get_scheme,
    parse_tag,
    spans_to_tags,
    tags_to_spans,
    unrepresentable,
)

TYPES = ["PER", "LOC", "B-ARGM", "I.X", ""]


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("O", ("O", "")),
        ("B-PER", ("B", "PER")),
        ("B-ARGM-LOC", ("B", "ARGM-LOC")),
        ("I-PER.NAM", ("I", "PER.NAM")),
        ("B-GPE_LOC", ("B", "GPE_LOC")),
        ("I-BI", ("I", "BI")),
        ("B-I", ("B", "I")),
        ("B", ("B", "")),
        ("I", ("I", "")),
        ("S-ORG", ("S", "ORG")),
        ("U-X", ("U", "X")),
        ("M-NAME", ("M", "NAME")),
    ],
)
def test_parse_tag(tag: str, expected: tuple[str, str]) -> None:
    assert parse_tag(tag) == expected


@pytest.mark.parametrize("tag", ["PER", "B-corporation,B-person", "X-PER", "", "B PER"])
def test_parse_tag_rejects(tag: str) -> None:
    with pytest.raises(TagError):
        parse_tag(tag)


def test_aliases() -> None:
    assert get_scheme("bio") is SCHEMES["IOB2"]
    assert get_scheme("BIOES") is SCHEMES["IOBES"]
    assert get_scheme("iob-1") is SCHEMES["IOB1"]
    with pytest.raises(ValueError, match="unknown scheme"):
        get_scheme("bilu")


@st.composite
def chunked(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, str]]]:
    n = draw(st.integers(0, 14))
    chunks = []
    i = 0
    while i < n:
        if draw(st.booleans()):
            length = draw(st.integers(1, min(4, n - i)))
            chunks.append((i, i + length, draw(st.sampled_from(TYPES))))
            i += length
        else:
            i += 1
    return n, chunks


def _merge_adjacent(chunks: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for c in chunks:
        if out and out[-1][1] == c[0] and out[-1][2] == c[2]:
            out[-1] = (out[-1][0], c[1], c[2])
        else:
            out.append(c)
    return out


@settings(max_examples=300, deadline=None)
@given(chunked(), st.sampled_from(sorted(SCHEMES)))
def test_spans_tags_spans_round_trip(nc: tuple[int, list[tuple[int, int, str]]], name: str) -> None:
    n, chunks = nc
    scheme = SCHEMES[name]
    tags = spans_to_tags(n, chunks, scheme)
    assert len(tags) == n
    back, violations = tags_to_spans(tags, scheme)
    assert violations == [], "the encoder must only write legal sequences"
    if name == "IO":
        # IO cannot separate adjacent same-type chunks: they merge, and unrepresentable() says which.
        assert back == _merge_adjacent(chunks)
        assert bool(unrepresentable(chunks, scheme)) == (back != chunks)
    else:
        assert back == chunks
        assert unrepresentable(chunks, scheme) == []


@settings(max_examples=200, deadline=None)
@given(chunked(), st.sampled_from(sorted(SCHEMES)), st.sampled_from(sorted(SCHEMES)))
def test_scheme_to_scheme_to_scheme(nc: tuple[int, list[tuple[int, int, str]]], a: str, b: str) -> None:
    n, chunks = nc
    tags_a = spans_to_tags(n, chunks, SCHEMES[a])
    tags_b, v1, lost = convert_tags(tags_a, SCHEMES[a], SCHEMES[b])
    tags_a2, v2, _ = convert_tags(tags_b, SCHEMES[b], SCHEMES[a])
    assert v1 == [] and v2 == []
    if "IO" not in (a, b) or not unrepresentable(chunks, SCHEMES["IO"]):
        assert tags_a2 == tags_a
        assert lost == []


# Hand-written per-token expectations (independent of the encoder): "London Berlin" adjacent LOCs.
ADJ = [(0, 1, "LOC"), (1, 2, "LOC"), (3, 5, "PER")]
EXPECTED = {
    "IO": ["I-LOC", "I-LOC", "O", "I-PER", "I-PER"],
    "IOB1": ["I-LOC", "B-LOC", "O", "I-PER", "I-PER"],
    "IOB2": ["B-LOC", "B-LOC", "O", "B-PER", "I-PER"],
    "IOE1": ["E-LOC", "I-LOC", "O", "I-PER", "I-PER"],
    "IOE2": ["E-LOC", "E-LOC", "O", "I-PER", "E-PER"],
    "IOBES": ["S-LOC", "S-LOC", "O", "B-PER", "E-PER"],
    "BILOU": ["U-LOC", "U-LOC", "O", "B-PER", "L-PER"],
    "BMES": ["S-LOC", "S-LOC", "O", "B-PER", "E-PER"],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_reference_tags(name: str) -> None:
    assert spans_to_tags(5, ADJ, SCHEMES[name]) == EXPECTED[name]


@pytest.mark.parametrize(
    ("scheme", "tags", "position"),
    [
        ("IOB2", ["O", "I-PER"], 1),  # I- after O
        ("IOB2", ["B-PER", "I-LOC"], 1),  # type switch inside an entity
        ("IOBES", ["S-PER", "I-PER"], 1),  # I after S
        ("IOBES", ["B-PER", "O"], 1),  # B not closed
        ("BILOU", ["O", "L-PER"], 1),  # L without B
        ("BMES", ["M-ORG", "E-ORG"], 0),  # M- at sentence start
        ("IOB1", ["O", "B-PER"], 1),  # B- in IOB1 only between same-type entities
        ("IOE2", ["I-PER", "O"], 1),  # IOE2 entity must end with E
        ("IOBES", ["B-PER", "I-PER"], 2),  # not closed at the end of the sequence
    ],
)
def test_violations(scheme: str, tags: list[str], position: int) -> None:
    vs = find_violations(tags, SCHEMES[scheme])
    assert vs, f"{tags} must be illegal in {scheme}"
    assert vs[0].position == position
    assert vs[0].rule


def test_repairs() -> None:
    iob2 = SCHEMES["IOB2"]
    tags = ["O", "I-PER", "I-PER", "O", "B-LOC", "I-ORG"]
    begin, _ = tags_to_spans(tags, iob2, "begin")
    assert begin == [(1, 3, "PER"), (4, 5, "LOC"), (5, 6, "ORG")]
    drop, _ = tags_to_spans(tags, iob2, "drop")
    # drop removes only the malformed chunks; the well-formed B-LOC stays (seqeval strict, case-23).
    assert drop == [(4, 5, "LOC")]
    iobes = SCHEMES["IOBES"]
    join, _ = tags_to_spans(["S-PER", "I-PER", "E-PER"], iobes, "join")
    assert join == [(0, 3, "PER")]
    begin2, _ = tags_to_spans(["S-PER", "I-PER", "E-PER"], iobes, "begin")
    assert begin2 == [(0, 1, "PER"), (1, 3, "PER")]


def test_detect() -> None:
    iob1 = [["I-PER", "I-PER", "O", "I-LOC", "B-LOC"], ["O", "I-ORG"]]
    assert detect_scheme(iob1).scheme == "IOB1"
    iob2 = [["B-PER", "I-PER", "O", "B-LOC", "B-LOC"]]
    assert detect_scheme(iob2).scheme == "IOB2"
    bmes = [["B-ORG", "M-ORG", "E-ORG", "S-NAME"]]
    assert detect_scheme(bmes).scheme == "BMES"
    iobes = [["B-ORG", "I-ORG", "E-ORG", "S-PER"]]
    assert detect_scheme(iobes).scheme == "IOBES"
    # B- right after a same-type entity, entities starting with I-: only IOB1 reads this legally.
    assert detect_scheme([["I-PER", "B-PER", "I-PER"]]).scheme == "IOB1"
    bad = detect_scheme([["B-X", "M-X", "I-X"]])
    assert bad.status == "invalid"


def test_detect_ambiguous_iob1_iob2() -> None:
    # "B-X I-X" right after a same-type I-X: IOB1 reads a second entity; IOB2 cannot start with I-.
    # With only B- after same-type entities and no leading I-, both schemes are legal but disagree.
    seqs = [["B-PER", "I-PER", "O"], ["O", "B-LOC"]]
    d = detect_scheme(seqs)
    # IOB1 forbids B- after O, so this is IOB2.
    assert d.scheme == "IOB2"
    only_o = [["O", "O"]]
    assert detect_scheme(only_o).status == "detected"


def _detect_reference(seqs: list[list[str]]) -> tuple[str, str | None, dict[str, int], object]:
    """detect_scheme the straightforward way: every sequence read by every scheme that has its prefixes."""
    from seqalign.schemes import OUTSIDE, PREFERENCE

    used = {parse_tag(t)[0] for s in seqs for t in s} - {OUTSIDE}
    cands = [s for s in SCHEMES.values() if used <= set(s.rules)]
    if not cands:
        return ("invalid", None, {}, None)
    counts, firsts, readings = {}, {}, {}
    for sch in cands:
        n, reading = 0, []
        for k, s in enumerate(seqs):
            chunks, vs = tags_to_spans(s, sch)
            if vs and sch.name not in firsts:
                firsts[sch.name] = (k, vs[0])
            n += len(vs)
            reading.append(chunks)
        counts[sch.name], readings[sch.name] = n, reading
    clean = [name for name in PREFERENCE if counts.get(name) == 0]
    if clean:
        if all(readings[n] == readings[clean[0]] for n in clean):
            return ("detected", clean[0], counts, None)
        return ("ambiguous", None, counts, None)
    best = min(counts, key=lambda n: (counts[n], PREFERENCE.index(n)))
    return ("invalid", None, counts, firsts.get(best))


DETECT_TAGS = ["O", *(f"{p}-{t}" for p in "BIESLUM" for t in ("PER", "LOC")), "B", "I"]


@settings(max_examples=400, deadline=None)
@given(
    seqs=st.lists(
        st.one_of(
            st.lists(st.sampled_from(DETECT_TAGS), max_size=8),
            # legal sequences of one scheme, so that detection has something to find
            st.builds(
                lambda name, n, spans: spans_to_tags(n, spans, get_scheme(name)),
                st.sampled_from(sorted(SCHEMES)),
                st.just(8),
                st.lists(st.tuples(st.integers(0, 7), st.integers(1, 3), st.sampled_from(["PER", "LOC"])), max_size=3).map(
                    lambda xs: sorted({(a, min(8, a + w), t) for a, w, t in xs if not any(b < a < b + v for b, v, _ in xs)})
                ),
            ),
        ),
        max_size=12,
    ),
    repeat=st.integers(1, 3),
)
def test_detect_equals_reading_every_sequence_with_every_scheme(seqs: list[list[str]], repeat: int) -> None:
    seqs = seqs * repeat  # repeated sequences: counted as often as they occur
    d = detect_scheme(seqs)
    status, scheme, counts, first = _detect_reference(seqs)
    assert (d.status, d.scheme, d.candidates, d.first_violation) == (status, scheme, counts, first)
