"""``validate --tokenizer``: spans whose edges fall inside a subword token (S201), with contract/expand."""

from __future__ import annotations

from conftest import FIXTURES, load_fixture, shared_path

from seqalign.api_formats import validate_file
from seqalign.formats import get_format


def test_subword_cuts_match_the_tokenizer_offsets() -> None:
    src = shared_path("corpora", "label_studio", "labic_multi_annotator_pt", "all_annotations_export.json")
    adapter = load_fixture("wordpiece-bert")
    expected = set()
    for ex in get_format("label_studio").read(src):
        enc = adapter.encode_texts([ex.text])[0]
        pieces = [(a, b) for a, b in zip(enc.starts, enc.ends, strict=True) if b > a]
        for sp in ex.spans:
            seg = ex.text[sp.start : sp.end]
            s, e = sp.start + len(seg) - len(seg.lstrip()), sp.end - len(seg) + len(seg.rstrip())
            if any(a < s < b or a < e < b for a, b in pieces):
                expected.add((ex.id, sp.start, sp.end))
    report = validate_file(src, tokenizer=str(FIXTURES / "tokenizers" / "wordpiece-bert"), selected=("S201",))
    got = {(d.location.example_id, d.span.start, d.span.end) for d in report.diagnostics if d.span is not None}
    assert got == expected and expected
    assert all("contract gives" in d.message and "expand gives" in d.message for d in report.diagnostics)
