"""spaCy DocBin and HF datasets on disk, both ways, on real corpora."""

from __future__ import annotations

from pathlib import Path

from conftest import shared_path

from seqalign.api import convert_file
from seqalign.formats import detect_format, get_format


def _key(ex: object) -> tuple[str, list[tuple[int, int, str]]]:
    return ex.text, sorted(s.as_tuple() for s in ex.spans)  # type: ignore[attr-defined]


def test_docbin_keeps_overlaps_and_whitespace_spans(tmp_path: Path) -> None:
    """doccano v1_7 has overlaps, duplicates and edge-whitespace spans: a DocBin holds them all (span group)."""
    src = shared_path("corpora", "doccano", "v1_7_entities_relations", "all.jsonl")
    out = tmp_path / "d.spacy"
    report = convert_file(src, out)
    assert detect_format(out).NAME == "docbin"
    a = list(get_format("doccano").read(src))
    b = list(get_format("docbin").read(out))
    assert report.counts.lost == 0 and len(a) == len(b) == 387
    assert [_key(x) for x in a] == [_key(y) for y in b]
    back = tmp_path / "back.spacy"
    convert_file(out, back)
    assert [_key(y) for y in b] == [_key(z) for z in get_format("docbin").read(back)]


def test_docbin_discontinuous_follow_the_policy(tmp_path: Path) -> None:
    src = shared_path("corpora", "brat", "pgxcorpus")
    report = convert_file(src, tmp_path / "p.spacy", discontinuous="drop")
    assert report.code_counts()["F204"] == 115
    got = sum(len(ex.spans) for ex in get_format("docbin").read(tmp_path / "p.spacy"))
    assert got == 2081 - 115


def test_hf_on_disk_round_trip_with_documents(tmp_path: Path) -> None:
    src = shared_path("corpora", "conll2003", "iob2", "valid.txt")
    convert_file(src, tmp_path / "ds", to_fmt="hf")
    assert detect_format(tmp_path / "ds").NAME == "hf"
    convert_file(tmp_path / "ds", tmp_path / "back.conll")
    a = list(get_format("conll").read(src))
    b = list(get_format("conll").read(tmp_path / "back.conll"))
    assert [(x.words, x.word_tags, x.doc_id) for x in a] == [(y.words, y.word_tags, y.doc_id) for y in b]
    import datasets

    ds = datasets.load_from_disk(str(tmp_path / "ds"))
    names = ds.features["ner_tags"].feature.names
    assert names[0] == "O" and set(names) == {t for x in a for t in x.word_tags}
    assert len({d for d in ds["document_id"]}) == sum(
        1 for ln in src.read_text(encoding="utf-8").splitlines() if ln.startswith("-DOCSTART-")
    )
