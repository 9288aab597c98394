"""``convert`` between any two formats of the registry: what both ends can hold comes through unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seqalign.api import convert_file
from seqalign.formats import get_format

# Word-aligned, non-overlapping spans on single-spaced text: every format can hold these.
RECORDS = [
    {"id": "a", "text": "Ola Nordmann bor i Oslo .", "spans": [[0, 12, "PER"], [19, 23, "LOC"]]},
    {"id": "b", "text": "Kari reiste til Bergen i 2020 .", "spans": [[0, 4, "PER"], [16, 22, "LOC"]]},
]
OUT = {
    "jsonl": "o.jsonl",
    "doccano": "o.json1",
    "label_studio": "o.json",
    "prodigy": "o.jsonl",
    "brat": "o_brat",
    "pubtator": "o.pubtator",
    "w2ner": "o.json",
    "docbin": "o.spacy",
    "conll": "o.conll",
    "conllu": "o.conllu",
    "conll2012": "o.gold_conll",
    "hf": "o_hf",
}


def _spans(fmt: str, path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    out = []
    for ex in get_format(fmt).read(path):
        if ex.word_tags is not None and not ex.spans:
            from seqalign.pipeline import word_tags_to_spans
            from seqalign.schemes import get_scheme

            word_tags_to_spans(ex, get_scheme("bio"))
        out.append((ex.text, sorted(s.as_tuple() for s in ex.spans)))
    return out


@pytest.mark.parametrize("via", sorted(OUT))
def test_jsonl_to_any_and_back(tmp_path: Path, via: str) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    want = [(r["text"], sorted(tuple(s) for s in r["spans"])) for r in RECORDS]
    mid = tmp_path / OUT[via]
    r1 = convert_file(src, mid, to_fmt=via)
    assert r1.counts.lost == 0 and r1.counts.balanced()
    assert _spans(via, mid) == want
    back = tmp_path / "back.jsonl"
    convert_file(mid, back, to_fmt="jsonl")
    assert _spans("jsonl", back) == want
