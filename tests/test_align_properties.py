"""Property tests: spans -> subword labels -> decoded spans, on every fixture tokenizer.

The guarantee under test: decoding the labels gives back exactly the spans the report calls exact or
adjusted (with their adjusted offsets); lost spans never leave an O on their tokens; the counts add up;
windows cover every token.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import FIXTURE_TOKENIZERS, load_fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqalign.align import AlignConfig, Aligned, align_example
from seqalign.decode import decode_labels
from seqalign.decode_windows import merge_windows
from seqalign.model import IGNORE, Example, Outcome, Span
from seqalign.pipeline import label_map
from seqalign.schemes import SCHEMES, Scheme, get_scheme
from seqalign.tokenization import Encoded

WORDS = [
    "Maria", "Keller", "Müller", "東京", "北京", "🙂", "13.0", "well-known", "New", "York", "café", "São",
    "a", "the", "Zürich", "x\u200by", "naïve", "U.S.", "don't", "Ω", "Labs", "(RCC)", "2024-05-01", "résumé",
]  # fmt: skip
SEPS = [" ", " ", " ", "  ", "\n", " \u00a0"]
LABELS = ["PER", "LOC", "ORG"]
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

pytestmark = pytest.mark.skipif(
    not FIXTURE_TOKENIZERS, reason="fixtures/tokenizers missing: run scripts/build_fixture_tokenizers.py"
)


@st.composite
def texts_with_word_spans(draw: st.DrawFn) -> tuple[str, list[Span], list[tuple[int, int]]]:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14))
    text = ""
    offs = []
    for i, w in enumerate(words):
        if i:
            text += draw(st.sampled_from(SEPS))
        offs.append((len(text), len(text) + len(w)))
        text += w
    spans = []
    i = 0
    while i < len(words):
        if draw(st.integers(0, 2)) == 0:
            j = draw(st.integers(i, min(len(words) - 1, i + 3)))
            spans.append(Span(offs[i][0], offs[j][1], draw(st.sampled_from(LABELS))))
            i = j + 1
        else:
            i += 1
    return text, spans, offs


@st.composite
def texts_with_char_spans(draw: st.DrawFn) -> tuple[str, list[Span]]:
    text, _, _ = draw(texts_with_word_spans())
    n = len(text)
    spans = []
    for _ in range(draw(st.integers(0, 4))):
        s = draw(st.integers(0, n))
        e = draw(st.integers(s, min(n, s + 15)))
        spans.append(Span(s, e, draw(st.sampled_from(LABELS))))
    return text, spans


def _align(
    name: str, text: str, spans: list[Span], scheme: str, mode: str, **kw: Any
) -> tuple[Aligned, Encoded, dict[int, str], Scheme]:
    adapter = load_fixture(name)
    enc = adapter.encode_texts([text])[0]
    sch = get_scheme(scheme)
    lm = label_map(sch, LABELS)
    cfg = AlignConfig(sch, label_subwords=mode, **kw)
    res = align_example(Example("x", text, spans), enc, cfg, lm["label2id"], adapter.prefix_ids, adapter.suffix_ids)
    return res, enc, {v: k for k, v in lm["label2id"].items()}, sch


def _decode_rows(res: Aligned, id2: dict[int, str], sch: Scheme, mode: str, n_pre: int, n_suf: int) -> list[Span]:
    rows = [r.as_dict() for r in res.rows]
    labs, offs, wids = merge_windows(rows, [r["labels"] for r in rows], n_pre, n_suf)
    spans, violations = decode_labels(labs, offs, id2, sch, wids if mode == "first" else None, mode)
    assert violations == [], "align must only write legal tag sequences"
    return spans


@pytest.mark.parametrize("name", FIXTURE_TOKENIZERS)
@pytest.mark.parametrize("mode", ["all", "first"])
@SETTINGS
@given(data=texts_with_word_spans(), scheme=st.sampled_from(sorted(SCHEMES)))
def test_word_boundary_spans_round_trip(name: str, mode: str, data: tuple[str, list[Span], list], scheme: str) -> None:
    text, spans, _ = data
    res, _, id2, sch = _align(name, text, spans, scheme, mode, max_length=10_000)
    adapter = load_fixture(name)
    back = _decode_rows(res, id2, sch, mode, len(adapter.prefix_ids), len(adapter.suffix_ids))
    assert back == res.kept
    c = res.counts
    assert c.balanced() and c.spans_in == len(spans)
    exact = [s for s in spans if not any(d.span == s for d in res.diagnostics)]
    assert c.exact == len(exact)
    assert all(s in back for s in exact)
    assert len(res.diagnostics) >= c.adjusted + c.lost


@pytest.mark.parametrize("name", FIXTURE_TOKENIZERS)
@pytest.mark.parametrize("alignment", ["strict", "contract", "expand"])
@SETTINGS
@given(data=texts_with_char_spans(), scheme=st.sampled_from(["IOB2", "BILOU", "IOE1", "IOB1"]))
def test_arbitrary_char_spans(name: str, alignment: str, data: tuple[str, list[Span]], scheme: str) -> None:
    text, spans = data
    res, enc, id2, sch = _align(name, text, spans, scheme, "all", alignment=alignment, overlaps="keep-longer", max_length=10_000)
    adapter = load_fixture(name)
    back = _decode_rows(res, id2, sch, "all", len(adapter.prefix_ids), len(adapter.suffix_ids))
    assert back == res.kept
    assert res.counts.balanced()
    # A span lost because it cuts a token leaves no O on the characters it covers.
    labels = res.rows[0].labels[len(adapter.prefix_ids) : len(res.rows[0].labels) - len(adapter.suffix_ids)]
    o_id = next(k for k, v in id2.items() if v == "O")
    for d in res.diagnostics:
        if d.code == "S201":
            for i, (s, e) in enumerate(zip(enc.starts, enc.ends, strict=True)):
                if s < d.span.end and e > d.span.start and e > s:
                    assert labels[i] != o_id, f"piece {i} of lost span {d.span} labelled O"
    for d in res.diagnostics:
        if d.outcome is Outcome.ADJUSTED:
            assert d.new_span is not None and d.new_span in back


@pytest.mark.parametrize("name", FIXTURE_TOKENIZERS)
@SETTINGS
@given(
    data=texts_with_word_spans(),
    max_length=st.integers(6, 14),
    overlap=st.integers(0, 3),
    mode=st.sampled_from(["all", "first"]),
)
def test_windows_cover_every_token(
    name: str, data: tuple[str, list[Span], list], max_length: int, overlap: int, mode: str
) -> None:
    text, spans, _ = data
    adapter = load_fixture(name)
    res, enc, id2, sch = _align(name, text, spans, "IOBES", mode, max_length=max_length, overlap=overlap)
    n_pre, n_suf = len(adapter.prefix_ids), len(adapter.suffix_ids)
    covered = set()
    for r in res.rows:
        assert len(r.input_ids) <= max_length
        assert r.input_ids[:n_pre] == adapter.prefix_ids
        assert r.labels[:n_pre] == [IGNORE] * n_pre
        inner = len(r.input_ids) - n_pre - n_suf
        covered.update(range(r.token_start, r.token_start + inner))
        assert r.input_ids[n_pre : n_pre + inner] == enc.ids[r.token_start : r.token_start + inner]
    assert covered == set(range(len(enc.ids)))
    assert res.counts.windows == len(res.rows)
    back = _decode_rows(res, id2, sch, mode, n_pre, n_suf)
    assert back == res.kept
    assert res.counts.balanced()
