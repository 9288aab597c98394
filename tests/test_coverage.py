"""Shifted tokenizer offsets are caught and re-derived, never passed off as exact."""

from __future__ import annotations

import pytest
from conftest import ZOO_NAMES, load_zoo

from seqalign.coverage import normalizer_keeps, realign, uncovered
from seqalign.tokenization import Encoded

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
    enc = ad.encode_texts([text])[0]
    toks = ad.tokenizer.convert_ids_to_tokens(enc.ids)
    assert any(text[s:e] != t.replace("▁", "") for t, s, e in zip(toks, enc.starts, enc.ends, strict=True) if e > s)
    fixed = realign(text, enc, toks, ad.tokenizer.convert_tokens_to_string, ad.marker_ids)
    for t, s, e in zip(toks, fixed.starts, fixed.ends, strict=True):
        if e > s:
            assert text[s:e] == t.replace("▁", ""), (t, text[s:e])
