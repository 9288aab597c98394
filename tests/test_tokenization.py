"""The offset-trusting layer, the text-alignment fallback, and loading errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, load_fixture, load_zoo

from seqalign.align import AlignConfig, align_example
from seqalign.decode import decode_labels
from seqalign.errors import UsageError
from seqalign.model import IGNORE, Example, Report, Span
from seqalign.pipeline import align_stream, label_map
from seqalign.schemes import get_scheme
from seqalign.tokenization import ATTACHED, CONTENT, EMPTY, load_tokenizer, normalize_offsets, split_words


def test_leading_space_trimmed_and_empty_pieces() -> None:
    text = "Hello  New York"
    # gpt2-style: 'ĠNew' starts on the space; a lone 'Ġ' covers only a space.
    starts, ends, kinds = normalize_offsets(text, [1, 2, 3, 4], [0, 5, 6, 10], [5, 6, 10, 15], frozenset())
    assert list(zip(starts, ends, strict=True)) == [(0, 5), (6, 6), (7, 10), (11, 15)]
    assert kinds == [CONTENT, EMPTY, CONTENT, CONTENT]


def test_lone_marker_attaches_to_next_piece() -> None:
    text = "Quality sufficient"
    marker = 9
    starts, ends, kinds = normalize_offsets(text, [1, marker, 2], [0, 8, 8], [7, 9, 18], frozenset({marker}))
    assert kinds == [CONTENT, ATTACHED, CONTENT]
    assert (starts[1], ends[1]) == (8, 8)
    # The same overlap from a non-marker piece (byte pieces of one character) is left to the unit grouping.
    starts, ends, kinds = normalize_offsets("東", [5, 6, 7], [0, 0, 0], [1, 1, 1], frozenset({marker}))
    assert kinds == [CONTENT, CONTENT, CONTENT] and ends == [1, 1, 1]


def test_offsets_clamped_to_text() -> None:
    starts, ends, kinds = normalize_offsets("ab", [1, 2], [-3, 1], [1, 9], frozenset())
    assert list(zip(starts, ends, strict=True)) == [(0, 1), (1, 2)]
    assert kinds == [CONTENT, CONTENT]


@pytest.mark.parametrize("cls", ["ByT5Tokenizer", "CanineTokenizer"])
def test_offsetless_tokenizers_use_the_fallback(cls: str) -> None:
    tok = load_tokenizer(f"class:{cls}")
    assert not tok.has_offsets
    assert any("fallback" in n for n in tok.notes)
    text = "Jonas Müller flew to 東京 🙂 on  Monday."
    spans = [Span(0, 12, "PER"), Span(21, 23, "LOC"), Span(30, 36, "DATE")]
    assert [text[s.start : s.end] for s in spans] == ["Jonas Müller", "東京", "Monday"]
    enc = tok.encode_texts([text])[0]
    sch = get_scheme("bilou")
    lm = label_map(sch, ["DATE", "LOC", "PER"])
    res = align_example(
        Example("1", text, spans), enc, AlignConfig(sch, label_subwords="all"), lm["label2id"], tok.prefix_ids, tok.suffix_ids
    )
    assert res.counts.exact == 3
    id2 = {v: k for k, v in lm["label2id"].items()}
    back, _ = decode_labels(res.rows[0].labels, res.rows[0].offset_mapping, id2, sch)
    assert back == spans
    assert res.rows[0].input_ids == list(tok.tokenizer(text)["input_ids"])


def test_word_input_with_offsetless_tokenizer() -> None:
    tok = load_tokenizer("class:CanineTokenizer", words=True)
    words = ["Anna", "Berg", "visited", "Zürich"]
    tags = ["B-PER", "I-PER", "O", "B-LOC"]
    sch = get_scheme("iob2")
    lm = label_map(sch, ["LOC", "PER"])
    res = next(align_stream([Example.from_words("1", words, tags)], tok, AlignConfig(sch), lm["label2id"], input_scheme=sch))
    row = res.rows[0]
    id2 = {v: k for k, v in lm["label2id"].items()}
    firsts = [
        id2[lab] for lab, w, p in zip(row.labels, row.word_ids, [None, *row.word_ids], strict=False) if w is not None and w != p
    ]
    assert firsts == tags


def test_word_without_pieces_is_reported_and_shifts_nothing() -> None:
    tok = load_fixture("wordpiece-bert", words=True)
    words = ["Maria", "\u200b", "Keller", "in", "Lisbon"]
    tags = ["B-PER", "I-PER", "I-PER", "O", "B-LOC"]
    sch = get_scheme("iob2")
    lm = label_map(sch, ["LOC", "PER"])
    report = Report()
    res = next(
        align_stream(
            [Example.from_words("1", words, tags)], tok, AlignConfig(sch), lm["label2id"], input_scheme=sch, report=report
        )
    )
    row = res.rows[0]
    id2 = {v: k for k, v in lm["label2id"].items()}
    by_word: dict[int, str] = {}
    for lab, w in zip(row.labels, row.word_ids, strict=True):
        if w is not None and w not in by_word and lab != IGNORE:
            by_word[w] = id2[lab]
    assert 1 not in set(row.word_ids), "the zero-width word gives no piece"
    assert by_word == {0: "B-PER", 2: "I-PER", 3: "O", 4: "B-LOC"}
    assert [d.code for d in report.diagnostics] == ["W101"]
    assert report.counts.exact == 2


def test_unk_over_a_whole_word() -> None:
    tok = load_zoo("bert-base-chinese")
    text = "Hello 北京"
    enc = tok.encode_texts([text])[0]
    assert (enc.starts[0], enc.ends[0]) == (0, 5)
    sch = get_scheme("iob2")
    lm = label_map(sch, ["LOC", "X"])
    ex = Example("1", text, [Span(0, 5, "X"), Span(6, 8, "LOC")])
    res = align_example(ex, enc, AlignConfig(sch, label_subwords="all"), lm["label2id"], tok.prefix_ids, tok.suffix_ids)
    assert res.counts.exact == 2
    # A span on part of the [UNK] word cuts it: lost under strict, with its piece ignored, not O.
    ex2 = Example("2", text, [Span(0, 3, "X")])
    res2 = align_example(ex2, enc, AlignConfig(sch, label_subwords="all"), lm["label2id"], tok.prefix_ids, tok.suffix_ids)
    assert res2.counts.lost == 1 and res2.rows[0].labels[len(tok.prefix_ids)] == IGNORE


def test_missing_tokenizers_are_clear_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such directory"):
        load_tokenizer(str(tmp_path / "nothing"))
    with pytest.raises(UsageError, match="local directory"):
        load_tokenizer("org-that-does-not-exist/model")
    with pytest.raises(UsageError, match="class"):
        load_tokenizer("class:NoSuchTokenizer")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="could not load"):
        load_tokenizer(str(tmp_path / "empty"))


def test_fixture_tokenizers_load_offline() -> None:
    names = sorted(p.name for p in (FIXTURES / "tokenizers").iterdir())
    assert names == ["bytelevel-bpe", "metaspace-unigram", "spm-bpe-bytefallback", "wordpiece-bert"]
    for n in names:
        assert load_fixture(n).has_offsets


def test_split_words_keeps_cjk_and_punctuation_apart() -> None:
    text = "Meet Müller in 北京, U.S."
    assert [text[s:e] for s, e in split_words(text)] == ["Meet", "Müller", "in", "北", "京", ",", "U", ".", "S", "."]
