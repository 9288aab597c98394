"""Hypothesis: for every span format, write -> read gives back the same texts and spans (the formats are
lossless for what they can hold), including emoji, combining marks, overlaps and edge whitespace."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqalign.formats import get_format
from seqalign.model import Example, Span

ALPHABET = st.sampled_from([*"ab xyZ.,-", "é", "e\u0301", "💩", "中", "\u00a0", "ß"])
LABELS = st.sampled_from(["PER", "LOC", "Org_x", "B2"])


@st.composite
def examples(draw: st.DrawFn, newlines: bool = True) -> list[Example]:
    out = []
    for i in range(draw(st.integers(1, 4))):
        chars = draw(st.lists(ALPHABET | (st.just("\n") if newlines else ALPHABET), min_size=1, max_size=30))
        text = "".join(chars)
        if " " not in text:
            text = "x " + text  # PubTator splits title and abstract at a space
        spans = []
        for _ in range(draw(st.integers(0, 4))):
            s = draw(st.integers(0, len(text)))
            e = draw(st.integers(s, len(text)))
            spans.append(Span(s, e, draw(LABELS)))
        out.append(Example(id=str(i), text=text, spans=spans, doc_id=str(i)))
    return out


def _round_trip(fmt: str, exs: list[Example], tmp: Path) -> list[Example]:
    mod = get_format(fmt)
    target = tmp / ("out" if fmt == "brat" else "out.json")
    if fmt == "jsonl":
        mod.write(target, [(ex, ex.spans) for ex in exs])
    else:
        mod.write(target, exs)
    return list(mod.read(target))


@pytest.mark.parametrize("fmt", ["jsonl", "doccano", "label_studio", "prodigy", "brat"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exs=examples())
def test_span_formats_round_trip(tmp_path: Path, fmt: str, exs: list[Example]) -> None:
    back = _round_trip(fmt, exs, tmp_path)
    assert [(b.text, b.spans) for b in back] == [(a.text, a.spans) for a in exs]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exs=examples(newlines=False))
def test_pubtator_round_trip(tmp_path: Path, exs: list[Example]) -> None:
    back = _round_trip("pubtator", exs, tmp_path)
    assert [(b.text, b.spans) for b in back] == [(a.text, a.spans) for a in exs]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(st.text(st.sampled_from(list("abc💩é")), min_size=1, max_size=4), min_size=1, max_size=8),
    picks=st.lists(st.lists(st.integers(0, 7), min_size=1, max_size=3), max_size=4),
)
def test_token_index_json_round_trip(tmp_path: Path, words: list[str], picks: list[list[int]]) -> None:
    """W2NER: entities are token sets (gaps = discontinuous); the sets come back exactly."""
    import json

    ner = [{"index": sorted({i % len(words) for i in p}), "type": "X"} for p in picks]
    src = tmp_path / "in.json"
    src.write_text(json.dumps([{"sentence": words, "ner": ner}], ensure_ascii=False), encoding="utf-8")
    mod = get_format("w2ner")
    out = tmp_path / "out.json"
    mod.write(out, mod.read(src))
    assert json.loads(out.read_text(encoding="utf-8")) == [{"sentence": words, "ner": ner}]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(exs=examples())
def test_docbin_round_trip(tmp_path: Path, exs: list[Example]) -> None:
    """DocBin: tokens are cut at every span edge, so any non-empty span (overlapping or not) comes back."""
    for ex in exs:
        ex.spans = [s for s in ex.spans if s.end > s.start]
    mod = get_format("docbin")
    mod.write(tmp_path / "o.spacy", exs)
    back = list(mod.read(tmp_path / "o.spacy"))
    assert [(b.text, sorted(b.spans)) for b in back] == [(a.text, sorted(a.spans)) for a in exs]
