"""Shifted tokenizer offsets are caught and re-derived, never passed off as exact."""

from __future__ import annotations

import pytest
from conftest import ZOO_NAMES, load_zoo

from seqalign.align import AlignConfig, align_example
from seqalign.coverage import normalizer_keeps, realign, uncovered
from seqalign.model import Example, Span
from seqalign.pipeline import label_map
from seqalign.schemes import get_scheme
from seqalign.tokenization import Encoded, trusted_encoding

TEXTS = ["Jonas Müller lives in Zürich 東京 🙂.", "Hello  New York", "naïve café résumé 13.0", "SOCCER - JAPAN GET LUCKY WIN ."]


def test_uncovered_ignores_space_and_what_the_normalizer_drops() -> None:
    enc = Encoded([1, 2], [0, 4], [3, 7], [0, 0], [0, 1])
    assert uncovered("abc def", enc, lambda ch: True) == []
    assert uncovered("abc\u200bdef", Encoded([1, 2], [0, 4], [3, 7], [0, 0], [0, 1]), lambda ch: ch != "\u200b") == []
    assert uncovered("abcXdef", Encoded([1, 2], [0, 4], [3, 7], [0, 0], [0, 1]), lambda ch: True) == [3]


@pytest.mark.zoo
@pytest.mark.parametrize("name", ZOO_NAMES)
def test_only_the_broken_fixture_is_flagged(name: str) -> None:
    ad = load_zoo(name)
    keeps = normalizer_keeps(ad.tokenizer)
    flagged = [t for t, e in zip(TEXTS, ad.encode_texts(TEXTS), strict=True) if uncovered(t, e, keeps)]
    if name == "fixture-spm-bpe":
        assert TEXTS[0] in flagged
    else:
        assert flagged == []


@pytest.mark.zoo
def test_realign_puts_pieces_back_on_their_characters() -> None:
    ad = load_zoo("fixture-spm-bpe")
    text = TEXTS[0]
    raw = ad.tokenizer._tokenizer.encode(text, add_special_tokens=False)
    enc = trusted_encoding(text, raw.ids, raw.offsets, raw.word_ids, ad.marker_ids)
    toks = ad.tokenizer.convert_ids_to_tokens(enc.ids)
    assert any(text[s:e] != t.replace("▁", "") for t, s, e in zip(toks, enc.starts, enc.ends, strict=True) if e > s)
    fixed = realign(text, enc, toks, ad.tokenizer.convert_tokens_to_string, ad.marker_ids)
    for t, s, e in zip(toks, fixed.starts, fixed.ends, strict=True):
        if e > s:
            assert text[s:e] == t.replace("▁", ""), (t, text[s:e])
    # The adapter does this by itself and says so; the aligner turns the note into a K101 diagnostic.
    auto = ad.encode_texts([text])[0]
    assert (auto.starts, auto.ends) == (fixed.starts, fixed.ends) and auto.note


@pytest.mark.zoo
def test_shifted_offsets_never_pass_as_exact() -> None:
    ad = load_zoo("fixture-spm-bpe")
    text = "Jonas Müller lives in Zürich."
    sch = get_scheme("bio")
    lm = label_map(sch, ["LOC", "PER"])
    spans = [Span(0, 12, "PER"), Span(22, 28, "LOC")]
    res = align_example(
        Example("1", text, spans), ad.encode_texts([text])[0], AlignConfig(sch, label_subwords="all"), lm["label2id"]
    )
    assert "K101" in {d.code for d in res.diagnostics}
    id2 = {v: k for k, v in lm["label2id"].items()}
    toks = ad.tokenizer.convert_ids_to_tokens(res.rows[0].input_ids)
    for tok, lab, (s, e) in zip(toks, res.rows[0].labels, res.rows[0].offset_mapping, strict=True):
        if lab >= 0 and id2[lab] != "O":
            # every piece labelled as an entity really holds characters of that entity
            assert any(sp.start <= s and e <= sp.end for sp in spans), (tok, s, e)
