"""The alignment and scheme cases of ../shared/cases (01, 04, 05, 10, 26, 34), run through the real aligner.

Each case carries its tokenizer output (tokens, offsets, word ids); we feed that raw output through the same
offset-trusting layer the tokenizers go through, so the quirk the case shows is exercised, not bypassed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import shared_path

from seqalign.align import AlignConfig, align_example
from seqalign.decode import decode_labels
from seqalign.model import IGNORE, Example, Outcome, Severity, Span
from seqalign.pipeline import label_map, word_tags_to_spans
from seqalign.schemes import get_scheme
from seqalign.tokenization import trusted_encoding


def load_case(n: str) -> dict[str, Any]:
    return json.loads(shared_path("cases", f"case-{n}.json").read_text(encoding="utf-8"))


def split_specials(enc: dict[str, Any]) -> tuple[list[int], list[int], list[int], list[str]]:
    """Positions of special tokens at both ends (offsets (0,0) and no word), and the content positions."""
    toks = enc["tokens"]
    offs = enc["offsets"]
    wids = enc.get("word_ids") or [0] * len(toks)
    mask = enc.get("special_tokens_mask") or [int(o == [0, 0] and w is None) for o, w in zip(offs, wids, strict=True)]
    content = [i for i, m in enumerate(mask) if not m]
    pre = [i for i in range(len(toks)) if mask[i] and (not content or i < content[0])]
    suf = [i for i in range(len(toks)) if mask[i] and content and i > content[-1]]
    return pre, content, suf, toks


def run_case(
    text: str,
    spans: list[Span],
    enc: dict[str, Any],
    scheme: str,
    mode: str,
    *,
    words: list[str] | None = None,
    word_tags: list[str] | None = None,
    overlaps: str = "error",
    input_scheme: str | None = None,
) -> tuple[list[str], Any, Any, dict[str, Any]]:
    pre, content, suf, toks = split_specials(enc)
    vocab = {t: i for i, t in enumerate(dict.fromkeys(toks))}
    ids = [vocab[t] for t in toks]
    markers = frozenset(vocab[m] for m in ("▁", "Ġ") if m in vocab)
    wids = enc.get("word_ids") or list(range(len(toks)))
    if words is not None:
        ex = Example.from_words("case", words, word_tags)
        assert word_tags_to_spans(ex, get_scheme(input_scheme or scheme)) == []
        relative = "relative" in enc.get("offsets_are", "relative")
        e = trusted_encoding(
            ex.text,
            [ids[i] for i in content],
            [enc["offsets"][i] for i in content],
            [wids[i] for i in content],
            markers,
            word_offsets=ex.word_offsets if relative else None,
        )
    else:
        ex = Example("case", text, spans)
        e = trusted_encoding(
            text, [ids[i] for i in content], [enc["offsets"][i] for i in content], [wids[i] for i in content], markers
        )
    types = sorted({s.label for s in ex.spans})
    lm = label_map(get_scheme(scheme), types)
    cfg = AlignConfig(get_scheme(scheme), label_subwords=mode, overlaps=overlaps, max_length=10_000)
    res = align_example(ex, e, cfg, lm["label2id"], [ids[i] for i in pre], [ids[i] for i in suf])
    id2 = {v: k for k, v in lm["label2id"].items()}
    row = res.rows[0]
    tags = ["IGN" if lab == IGNORE else id2[lab] for lab in row.labels]
    return tags, res, row, lm


def decoded(row: Any, lm: dict[str, Any], scheme: str, mode: str) -> list[tuple[int, int, str]]:
    id2 = {v: k for k, v in lm["label2id"].items()}
    spans, violations = decode_labels(row.labels, row.offset_mapping, id2, get_scheme(scheme), row.word_ids, mode)
    assert violations == []
    return [s.as_tuple() for s in spans]


def spans_of(case_spans: list[dict[str, Any]]) -> list[Span]:
    return [Span(s["start"], s["end"], s["label"]) for s in case_spans]


def test_case_01_lone_metaspace_piece() -> None:
    c = load_case("01")
    inp, exp = c["input"], c["expected"]
    tags, res, row, lm = run_case(inp["text"], spans_of(inp["spans"]), inp["encoding"], "iob2", "all")
    assert tags in (exp["tags_all_subwords"], exp["tags_all_subwords_acceptable_alternative"])
    assert decoded(row, lm, "iob2", "all") == [tuple(s) for s in exp["decoded_spans"]]
    assert res.counts.exact == 1 and res.diagnostics == []
    tags_first, _, row_first, _ = run_case(inp["text"], spans_of(inp["spans"]), inp["encoding"], "iob2", "first")
    assert tags_first == exp["labels_first_subword_only"]
    assert decoded(row_first, lm, "iob2", "first") == [tuple(s) for s in exp["decoded_spans"]]
    # must_not: B on both pieces; O on the lone piece followed by I-
    assert tags.count("B-QUAL") == 1
    assert not (tags[5] == "O" and tags[6] == "I-QUAL")


def test_case_04_offsets_restart_per_word() -> None:
    c = load_case("04")
    inp, exp = c["input"], c["expected"]
    for mode, key in (("all", "tags_all_subwords"), ("first", "labels_first_subword_only")):
        tags, _res, row, lm = run_case(
            "", [], inp["encoding"], "iob2", mode, words=inp["words"], word_tags=inp["word_tags"], input_scheme="iob2"
        )
        assert tags == exp[key]
        cs = exp["char_spans_on_joined_text"]
        assert " ".join(inp["words"]) == cs["text"]
        assert decoded(row, lm, "iob2", mode) == [tuple(s) for s in cs["spans"]]
        # The 'I' piece of IKEA must map to IKEA's characters, not to the pronoun at 0.
        ikea = inp["encoding"]["tokens"].index("##KE") - 1
        assert tuple(row.offset_mapping[ikea]) == (7, 8)


def test_case_05_leading_space_in_first_offset() -> None:
    c = load_case("05")
    inp, exp = c["input"], c["expected"]
    tags, res, row, lm = run_case(inp["text"], spans_of(inp["spans"]), inp["encoding"], "iob2", "all")
    assert tags == exp["tags_all_subwords"]
    assert decoded(row, lm, "iob2", "all") == [tuple(s) for s in exp["decoded_spans"]]
    assert res.diagnostics == [], "a whitespace-only difference is not a boundary mismatch"


@pytest.mark.parametrize(("scheme", "key"), [("iob2", "tags_iob2"), ("iob1", "tags_iob1"), ("bilou", "tags_bilou")])
def test_case_10_adjacent_cjk_entities(scheme: str, key: str) -> None:
    c = load_case("10")
    inp, exp = c["input"], c["expected"]
    tags, res, row, lm = run_case(inp["text"], spans_of(inp["spans"]), inp["encoding"], scheme, "all")
    assert tags == exp[key]
    assert decoded(row, lm, scheme, "all") == [tuple(s) for s in exp["decoded_spans"]]
    assert res.counts.exact == 2


def test_case_10_io_merge_is_reported() -> None:
    c = load_case("10")
    inp = c["input"]
    _, res, row, lm = run_case(inp["text"], spans_of(inp["spans"]), inp["encoding"], "io", "all")
    assert res.counts.exact == 0 and res.counts.adjusted == 2
    assert {d.code for d in res.diagnostics} == {"S401"}
    assert decoded(row, lm, "io", "all") == [(6, 11, "LOC")]


def _word_encoding(case_enc: dict[str, Any]) -> dict[str, Any]:
    return {"tokens": case_enc["tokens"], "offsets": case_enc["offsets"], "word_ids": list(range(len(case_enc["tokens"])))}


def test_case_26_overlaps() -> None:
    c = load_case("26")
    inp, exp = c["input"], c["expected"]
    spans = spans_of(inp["spans"])
    enc = _word_encoding(inp["encoding"])
    _, res, _, _ = run_case(inp["text"], spans, enc, "bilou", "all", overlaps="error")
    errors = [d for d in res.diagnostics if d.severity is Severity.ERROR]
    assert len(errors) == 1 and errors[0].code == "S204"
    assert "(7,17,LOC)" in errors[0].message or "(7,31,BRAND)" in errors[0].message
    for policy, key in (("keep-longer", "keep_longest"), ("keep-first", "keep_first_then_shorter")):
        tags, res, _, _ = run_case(inp["text"], spans, enc, "bilou", "all", overlaps=policy)
        want = exp["by_overlap_policy"][key]
        assert tags == want["tags"]
        lost = [d.span.as_tuple() for d in res.diagnostics if d.outcome is Outcome.LOST]
        assert lost == [tuple(x) for x in want["dropped"]]
        assert res.counts.balanced() and res.counts.lost == 1


@pytest.mark.parametrize("k", [0, 1])
def test_case_34_word_labels_expanded(k: int) -> None:
    c = load_case("34")
    ex = c["input"]["examples"][k]
    want = c["expected"]["examples"][k]
    for key in ("word_tags_iob2", "word_tags_bilou", "word_tags_iobes"):
        if key not in ex:
            continue
        scheme = key.split("_")[-1]
        tags, res, row, lm = run_case("", [], ex["encoding"], scheme, "all", words=ex["words"], word_tags=ex[key])
        assert tags == want[scheme]
        assert res.counts.exact == res.counts.spans_in
        # Decoding the expanded labels gives back whole words, never one entity per piece.
        assert len(decoded(row, lm, scheme, "all")) == res.counts.spans_in
