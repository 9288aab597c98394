"""Every span-format corpus in ../shared/corpora loads with the counts its SOURCE.txt states, converts to
JSONL and back to its own format without loss (same texts, spans, stored texts, ids, fragments; byte for byte
where the writer can reproduce the file)."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path

from seqalign.api import convert_file
from seqalign.formats import detect_format, get_format

# (path under corpora, format, records, spans): numbers quoted from each SOURCE.txt ("Counts (computed)").
CORPORA = [
    ("brat/pgxcorpus", "brat", 300, 2081),  # "300 docs; T 2081"
    ("doccano/v1_0_labels_meta/file.json1", "doccano", 198, 7861),
    ("doccano/v1_2_data_label/all.jsonl", "doccano", 3, 7),
    ("doccano/v1_5_text_label/admin.jsonl", "doccano", 454, 444),
    ("doccano/v1_7_entities_relations/all.jsonl", "doccano", 387, 5055),
    ("label_studio/uie_zh_weapons/label_studio.json", "label_studio", 121, 484),  # "121 annotations, 484 span results"
    ("label_studio/labic_multi_annotator_pt/all_annotations_export.json", "label_studio", 13, 39),
    ("label_studio/nerine_nor/label_studio_predictions.json", "label_studio", 5, 115),  # "5 predictions, 115 results"
    ("label_studio/nerine_nor/label_studio_export.json", "label_studio", 5 + 1, 130),  # 5 annotations + 1 draft, 130 results
    ("label_studio/nerine_nor/label_studio_import.json", "label_studio", 5, 0),  # data only
    ("prodigy/fashion_brands_eval.jsonl", "prodigy", 500, 238),
    ("prodigy/drugs_eval.jsonl", "prodigy", 500, 362),
    ("prodigy/ner_tweets_test_annotated.jsonl", "prodigy", 523, 244),  # "523 tasks, 244 spans" (read with answers=all)
    ("prodigy/rel_component_annotations.jsonl", "prodigy", 149, 466),
    ("ncbi_disease_pubtator/NCBItrainset_corpus.txt", "pubtator", 593, 5145),
    ("ncbi_disease_pubtator/NCBIdevelopset_corpus.txt", "pubtator", 100, 787),
    ("ncbi_disease_pubtator/NCBItestset_corpus.txt", "pubtator", 100, 960),
    ("w2ner_json_genia_cadec/genia/test.json", "w2ner", 1854, 5506),
    ("w2ner_json_genia_cadec/cadec/dev.json", "w2ner", 1097, 898),
    ("w2ner_json_genia_cadec/cadec/test.json", "w2ner", 1160, 990),
    ("norne_conllu/no_bokmaal-ud-test.conllu", "conllu", 1939, None),
    ("conll2012_ontonotes_sample/coref.gold_conll", "conll2012", 9, 13),  # "9 sentences, 13 NER entities"
    ("conll2012_ontonotes_sample/subdomain/example.gold_conll", "conll2012", 4, 5),
    ("conll2012_ontonotes_sample/subdomain2/example.gold_conll", "conll2012", 1, 0),
]
# brat sets with event triggers: all T lines are spans when triggers="spans" ("T 2201", "T 520").
BRAT_ALL_T = [("brat/dimb_re", 40, 2201), ("brat/bionlp_st_2011_ge", 20, 520)]
BYTE_EXACT = {"brat", "doccano", "conllu", "w2ner", "conll2012"}  # writers that reproduce the source files byte for byte


def _read(path: Path, fmt: str, **kw: Any) -> list[Any]:
    return list(get_format(fmt).read(path, **kw))


def _strip_lines(infos: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [{k: v for k, v in i.items() if k != "line"} for i in infos or []]


@pytest.mark.parametrize(("rel", "fmt", "records", "spans"), CORPORA, ids=[c[0] for c in CORPORA])
def test_reads_with_source_counts(rel: str, fmt: str, records: int, spans: int | None) -> None:
    path = shared_path("corpora", rel)
    assert fmt == detect_format(path).NAME
    exs = _read(path, fmt, **({"answers": "all"} if fmt == "prodigy" else {}))
    assert len(exs) == records
    if spans is not None:
        assert sum(len(e.spans) for e in exs) == spans
    for e in exs:
        for s in e.spans:
            assert 0 <= s.start <= s.end <= len(e.text)


def test_norne_entities_and_text() -> None:
    """NorNE: 29966 tokens, 1383 entities (SOURCE.txt), and '# text' equals the text rebuilt from SpaceAfter."""
    from seqalign.schemes import get_scheme, tags_to_spans

    path = shared_path("corpora", "norne_conllu", "no_bokmaal-ud-test.conllu")
    exs = _read(path, "conllu")
    assert sum(len(e.words) for e in exs) == 29966
    assert sum(len(tags_to_spans(e.word_tags, get_scheme("bio"))[0]) for e in exs) == 1383
    for e in exs:
        text_line = next(c for c in e.meta["extra"]["comments"] if c.startswith("# text = "))
        assert e.text == text_line[len("# text = ") :]
    assert exs[0].id == "018107"  # "# sent_id =  018107": the value without its extra space


@pytest.mark.parametrize(("rel", "docs", "t_lines"), BRAT_ALL_T, ids=[b[0] for b in BRAT_ALL_T])
def test_brat_all_t_lines(rel: str, docs: int, t_lines: int) -> None:
    exs = _read(shared_path("corpora", rel), "brat", triggers="spans")
    assert len(exs) == docs
    assert sum(len(e.spans) for e in exs) == t_lines


def test_brat_discontinuous_fragments_kept_in_file_order() -> None:
    d = shared_path("corpora", "brat", "pgxcorpus")
    exs = _read(d, "brat")
    # independent count: T lines whose offsets hold a ';'
    expected = sum(
        1
        for ann in d.glob("*.ann")
        for ln in ann.read_text(encoding="utf-8").splitlines()
        if ln.startswith("T") and ";" in ln.split("\t")[1]
    )
    frag = [i for e in exs for i in e.meta["span_info"] if "fragments" in i]
    assert len(frag) == expected == 115
    unordered = [i for i in frag if i["fragments"] != sorted(i["fragments"])]
    assert len(unordered) == 38  # SOURCE.txt: "38 such entities in pgxcorpus"


@pytest.mark.parametrize(
    ("rel", "fmt", "records", "spans"),
    CORPORA + [(b[0], "brat", b[1], None) for b in BRAT_ALL_T],
    ids=[c[0] for c in CORPORA] + [b[0] for b in BRAT_ALL_T],
)
def test_round_trip_through_jsonl(rel: str, fmt: str, records: int, spans: int | None, tmp_path: Path) -> None:
    src = shared_path("corpora", rel)
    mid = tmp_path / "mid.jsonl"
    back = tmp_path / ("back" if fmt == "brat" else "back" + src.suffix)
    r1 = convert_file(src, mid, to_fmt="jsonl")
    convert_file(mid, back, to_fmt=fmt)
    assert r1.counts.balanced() and r1.counts.lost == 0
    a, b = _read(src, fmt), _read(back, fmt)
    # JSONL holds the training data: Prodigy tasks answered ignore are skipped (F104), the rest comes back
    assert len(a) == len(b) == records - (4 if rel.endswith("ner_tweets_test_annotated.jsonl") else 0)
    for x, y in zip(a, b, strict=True):
        assert (x.id, x.text, x.spans, x.word_tags) == (y.id, y.text, y.spans, y.word_tags)
        assert _strip_lines(x.meta.get("span_info")) == _strip_lines(y.meta.get("span_info"))
        assert x.meta.get("origin") == y.meta.get("origin")
        assert x.meta.get("annotator") == y.meta.get("annotator")
    if fmt in BYTE_EXACT:
        if src.is_dir():
            cmp = filecmp.dircmp(src, back)
            assert not cmp.diff_files and not cmp.right_only
            assert not [f for f in cmp.left_only if f.endswith((".txt", ".ann"))]
        elif fmt == "w2ner":
            assert json.loads(src.read_text(encoding="utf-8")) == json.loads(back.read_text(encoding="utf-8"))
        else:
            assert filecmp.cmp(src, back, shallow=False)


def test_label_studio_keeps_annotators_and_predictions_apart() -> None:
    exs = _read(shared_path("corpora", "label_studio", "labic_multi_annotator_pt", "all_annotations_export.json"), "label_studio")
    by_doc: dict[str | None, set[str]] = {}
    for e in exs:
        by_doc.setdefault(e.doc_id, set()).add(e.meta["annotator"])
    # SOURCE.txt: "3 documents annotated by two different annotators"; same text, two examples
    texts: dict[str, set[str]] = {}
    for e in exs:
        texts.setdefault(e.text, set()).add(e.meta["annotator"])
    assert sum(1 for v in texts.values() if len(v) == 2) == 3
    exp = _read(shared_path("corpora", "label_studio", "nerine_nor", "label_studio_export.json"), "label_studio")
    assert sorted(e.meta["origin"] for e in exp).count("draft") == 1
    assert sum(len(e.spans) for e in exp if e.meta["origin"] == "draft") == 15  # "1 draft (15 results)"


def test_label_studio_relations_kept_aside_and_written_back(tmp_path: Path) -> None:
    src = shared_path("corpora", "label_studio", "uie_zh_weapons", "label_studio.json")
    exs = _read(src, "label_studio")
    assert sum(len(e.meta["extra"]["others"]) for e in exs) == 363  # "+ 363 relation results"
    notes = [d for e in exs for d in e.meta.get("notes", [])]
    assert {d.code for d in notes} == {"F103"}
    out = tmp_path / "ls.json"
    get_format("label_studio").write(out, exs)
    data = json.loads(out.read_text(encoding="utf-8"))
    orig = json.loads(src.read_text(encoding="utf-8"))
    assert [t["annotations"][0]["result"] for t in data] == [t["annotations"][0]["result"] for t in orig]


def test_prodigy_ignore_is_skipped_and_reported_lossless_to_prodigy(tmp_path: Path) -> None:
    src = shared_path("corpora", "prodigy", "ner_tweets_test_annotated.jsonl")
    raw = [json.loads(x) for x in src.read_text(encoding="utf-8").splitlines() if x.strip()]
    ignored = sum(1 for r in raw if r.get("answer") == "ignore")
    assert ignored == 4
    report = convert_file(src, tmp_path / "t.jsonl")
    notes = [d for d in report.diagnostics if d.code == "F104"]
    skipped = sum(int(w) for d in notes for w in d.message.split() if w.isdigit()) + sum(
        int(w) for n in report.notes for w in n.split() if w.isdigit()
    )
    assert skipped == ignored
    convert_file(src, tmp_path / "t2.jsonl", to_fmt="prodigy")
    assert [json.loads(x) for x in (tmp_path / "t2.jsonl").read_text(encoding="utf-8").splitlines()] == raw


def test_w2ner_discontinuous_counts_and_flat_policy(tmp_path: Path) -> None:
    src = shared_path("corpora", "w2ner_json_genia_cadec", "cadec", "dev.json")
    data = json.loads(src.read_text(encoding="utf-8"))
    gaps = sum(1 for r in data for e in r["ner"] if sorted(e["index"]) != list(range(min(e["index"]), max(e["index"]) + 1)))
    assert gaps == 94  # SOURCE.txt: "94 discontinuous"
    report = convert_file(src, tmp_path / "c.conll", overlaps="keep-longer", discontinuous="drop")
    assert report.code_counts()["F204"] == gaps
    assert report.counts.balanced()
    report = convert_file(src, tmp_path / "c.jsonl", discontinuous="drop")  # JSONL holds fragments: nothing dropped
    assert report.code_counts().get("F204", 0) == 0
