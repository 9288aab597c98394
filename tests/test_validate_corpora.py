"""``seqalign validate`` on the real corpora reports the oddities each SOURCE.txt lists, with their counts.

Expected numbers are quoted from SOURCE.txt or counted here a second way, straight from the files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from click.testing import CliRunner
from conftest import shared_path

from seqalign.api_formats import validate_file
from seqalign.cli import main


def _codes(*parts: str) -> Counter[str]:
    return validate_file(shared_path("corpora", *parts)).code_counts()


def test_brat_pgxcorpus() -> None:
    d = shared_path("corpora", "brat", "pgxcorpus")
    trailing = 0
    for ann in d.glob("*.ann"):
        text = ann.with_suffix(".txt").read_text(encoding="utf-8")
        for ln in ann.read_text(encoding="utf-8").splitlines():
            cols = ln.split("\t")
            if ln.startswith("T"):
                frags = [tuple(map(int, f.split()[-2:])) for f in cols[1].split(";")]
                covered = " ".join(text[s:e] for s, e in frags)
                if cols[2] != covered and cols[2].strip() == covered.strip():
                    trailing += 1
    c = _codes("brat", "pgxcorpus")
    assert trailing == 981  # SOURCE.txt: "981 of 2081 T lines"
    assert c["V103"] == trailing
    # SOURCE.txt counts "4 crossing pairs" on the hull of discontinuous spans; validate judges the characters
    # each span covers, so count that way here, straight from the .ann files
    crossing = 0
    for ann in d.glob("*.ann"):
        shapes = set()
        for ln in ann.read_text(encoding="utf-8").splitlines():
            if ln.startswith("T"):
                frags = [tuple(map(int, f.split()[-2:])) for f in ln.split("\t")[1].split(";")]
                shapes.add(frozenset(i for a, b in frags for i in range(a, b)))
        shapes_l = sorted(shapes, key=sorted)
        for i, x in enumerate(shapes_l):
            for y in shapes_l[i + 1 :]:
                crossing += bool(x & y) and not (x <= y or y <= x)
    assert crossing >= 4
    assert c["V121"] + c["V122"] == crossing
    assert c["V130"] == 115  # "115 discontinuous entities"
    assert c["V102"] == 0


def test_brat_dimb_re_duplicates_and_bionlp_same_offsets() -> None:
    assert _codes("brat", "dimb_re")["S206"] == 17  # "17 exact duplicate entities"
    c = _codes("brat", "bionlp_st_2011_ge")
    assert c["V111"] == 1  # "one pair of T lines with identical offsets but different types"
    d = shared_path("corpora", "brat", "bionlp_st_2011_ge")
    with_other_lines = sum(
        1 for ann in d.glob("*.ann") if any(not ln.startswith("T") for ln in ann.read_text(encoding="utf-8").splitlines())
    )
    assert c["F101"] == with_other_lines  # one note per document with E/M/* lines kept aside


def test_doccano_variants() -> None:
    v17 = _codes("doccano", "v1_7_entities_relations", "all.jsonl")
    assert v17["S101"] + v17["S202"] == 1768  # "1768/5055 in v1_7" with edge whitespace
    assert v17["S206"] == 8  # "8 exact duplicate spans"
    assert v17["V120"] + v17["V121"] == 7  # "7 overlapping pairs"
    assert v17["V150"] == 101  # "(101 such spans)" cutting words
    assert v17["V175"] == 3  # "3 texts are not in Unicode NFC form"
    assert _codes("doccano", "v1_0_labels_meta", "file.json1")["S101"] == 4166
    assert _codes("doccano", "v1_5_text_label", "admin.jsonl")["S101"] == 98
    v12 = _codes("doccano", "v1_2_data_label", "all.jsonl")
    assert v12["S101"] == 1  # "1/7 in v1_2"
    assert v12["V120"] >= 2  # "PERSON span [2,33] covering two test_label spans"


def test_label_studio() -> None:
    path = shared_path("corpora", "label_studio", "labic_multi_annotator_pt", "all_annotations_export.json")
    report = validate_file(path)
    c = report.code_counts()
    assert c["S101"] == 9  # "9 have leading/trailing whitespace"
    data = json.loads(path.read_text(encoding="utf-8"))
    independent = 0
    for proj in data["projects"]:
        for task in proj["tasks"]:
            text = task["data"]["text"]
            for ann in task["annotations"]:
                for r in ann["result"]:
                    seg = r["value"]["text"]
                    s = r["value"]["start"] + len(seg) - len(seg.lstrip())
                    e = r["value"]["end"] - len(seg) + len(seg.rstrip())
                    inside_start = s > 0 and text[s - 1].isalnum() and text[s].isalnum()
                    inside_end = e < len(text) and text[e - 1].isalnum() and text[e].isalnum()
                    independent += inside_start or inside_end
    assert c["V150"] == independent >= 7  # SOURCE.txt: spans that "cut through words" ("eveu amoxicilina p")
    uie = _codes("label_studio", "uie_zh_weapons", "label_studio.json")
    assert uie["V120"] == 162  # "nested spans (162 overlapping pairs)"
    assert uie["S206"] + uie["V111"] == 3  # "3 pairs with identical offsets"
    assert uie["F103"] == 121  # relation results kept aside, one note per annotation
    nerine = _codes("label_studio", "nerine_nor", "label_studio_export.json")
    assert nerine["S101"] == 1  # the draft span "gruppe " with a trailing space
    assert nerine["V102"] == nerine["V104"] == 0  # "No offset/text mismatches were found"


def test_prodigy_token_indices_agree() -> None:
    for name in (
        "fashion_brands_eval.jsonl",
        "drugs_eval.jsonl",
        "ner_tweets_test_annotated.jsonl",
        "rel_component_annotations.jsonl",
    ):
        c = _codes("prodigy", name)
        assert c["V160"] == 0  # "All span offsets align ... with token_start/token_end (checked)"
        assert c["V101"] == c["V102"] == 0


def test_prodigy_token_index_off_by_one_is_found(tmp_path: Path) -> None:
    task = {
        "text": "Tylenol helps",
        "tokens": [{"text": "Tylenol", "start": 0, "end": 7, "id": 0}, {"text": "helps", "start": 8, "end": 13, "id": 1}],
        "spans": [{"start": 0, "end": 7, "token_start": 0, "token_end": 1, "label": "DRUG"}],  # exclusive by mistake
        "answer": "accept",
    }
    p = tmp_path / "p.jsonl"
    p.write_text(json.dumps(task) + "\n", encoding="utf-8")
    assert validate_file(p).code_counts()["V160"] == 1


def test_pubtator() -> None:
    report = validate_file(shared_path("corpora", "ncbi_disease_pubtator", "NCBItrainset_corpus.txt"))
    mism = [d for d in report.diagnostics if d.code == "V103"]
    assert [(d.location.example_id, d.span.start, d.span.end) for d in mism if d.span] == [("10923035", 711, 761)]
    dup = [d for d in report.diagnostics if d.code == "V180"]
    assert [d.location.example_id for d in dup] == ["8528200"]  # "PMID 8528200 appears twice"


def test_w2ner() -> None:
    cadec = _codes("w2ner_json_genia_cadec", "cadec", "dev.json")
    assert cadec["V130"] == 94  # "94 discontinuous"
    assert cadec["V121"] + cadec["V122"] == 126  # "126 crossing pairs"
    assert cadec["V120"] == 0  # "crossing overlaps, not nesting"
    assert _codes("w2ner_json_genia_cadec", "cadec", "test.json")["V122"] == 87  # "87 crossing pairs"
    assert _codes("w2ner_json_genia_cadec", "genia", "test.json")["V120"] == 646  # "646 nested pairs"


def test_tag_files() -> None:
    assert _codes("conll2003", "iob1", "eng.train")["T101"] == 2  # "2 IOB1 violations (B- after O) in train"
    assert _codes("conll2002", "es", "esp.testa")["T101"] >= 1  # "stray I- at sentence start (es)"
    assert _codes("resume_ner", "train.char.bmes")["T101"] >= 1  # "M- at sentence start"
    assert _codes("norne_conllu", "no_bokmaal-ud-test.conllu") == Counter()  # "no I- without B-"


def test_cli_exit_codes_and_json() -> None:
    runner = CliRunner()
    pgx = str(shared_path("corpora", "brat", "pgxcorpus"))
    res = runner.invoke(main, ["validate", pgx, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["codes"]["V130"] == 115
    assert all({"code", "severity", "message", "file", "line"} <= set(d) for d in data["diagnostics"])
    res = runner.invoke(main, ["validate", pgx, "--select", "V13", "--json"])
    assert set(json.loads(res.stdout)["codes"]) == {"V130"}
    res = runner.invoke(main, ["validate", pgx, "--ignore", "V1,F"])
    assert res.exit_code == 0
    assert "V130" not in res.output and "V120" not in res.output
    latin1 = str(shared_path("corpora", "conll2002", "nl_original_latin1", "ned.testa"))
    res = runner.invoke(main, ["validate", latin1])
    assert res.exit_code == 2
    assert "ned.testa:27" in res.output and "latin-1" in res.output and "Traceback" not in res.output


def test_wnut17_comma_joined_tags_are_reported_not_fatal() -> None:
    path = shared_path("corpora", "wnut17", "emerging.test.conll")
    joined = sum(1 for ln in path.read_text(encoding="utf-8").splitlines() if "," in ln.split("\t")[-1] and "\t" in ln)
    assert joined == 297  # SOURCE.txt: "297 comma-joined multi-tags"
    report = validate_file(path)
    bad = [d for d in report.diagnostics if d.code == "V165"]
    assert len(bad) == joined
    lines = path.read_text(encoding="utf-8").splitlines()
    assert all("," in lines[d.location.line - 1].split("\t")[-1] for d in bad if d.location.line)


def test_conll2012_header_vs_row_document_ids() -> None:
    path = shared_path("corpora", "conll2012_ontonotes_sample", "subdomain", "example.gold_conll")
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("(")[1].split(")")[0]
    rows = [ln.split()[0] for ln in lines if ln.strip() and not ln.startswith("#")]
    assert header not in rows  # SOURCE.txt: "header doc id differs from row doc ids"
    report = validate_file(path)
    assert report.code_counts()["V181"] == 4  # every one of its 4 sentences
    assert _codes("conll2012_ontonotes_sample", "coref.gold_conll")["V181"] == 0


def test_invisible_characters_inside_tokens() -> None:
    path = shared_path("corpora", "wnut17", "emerging.dev.conll")
    zw_lines = [n for n, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "\u200b" in ln]
    assert zw_lines  # SOURCE.txt: "zero-width space inside a token"
    found = [d for d in validate_file(path).diagnostics if d.code == "V174" and "200B" in d.message]
    assert len(found) == len(zw_lines)
    assert all("token(s) contain one" in d.message for d in found)
    assert sorted(d.location.line for d in found) == zw_lines  # the token's own line


def test_unknown_labels_against_a_label_list(tmp_path: Path) -> None:
    src = shared_path("corpora", "doccano", "v1_2_data_label", "all.jsonl")
    labels = tmp_path / "labels.txt"
    labels.write_text("PERSON\n", encoding="utf-8")
    recs = [json.loads(x) for x in src.read_text(encoding="utf-8").splitlines() if x.strip()]
    other = sum(1 for r in recs for s in r["label"] if s[2] != "PERSON")
    report = validate_file(src, labels_file=labels)
    assert report.code_counts()["V140"] == other == 4  # "test_label 4, PERSON 3"
    res = CliRunner().invoke(main, ["validate", str(src), "--labels", str(labels), "--select", "V140"])
    assert res.exit_code == 1 and "test_label" in res.output
    labels.write_text(json.dumps({"labels": ["O", "B-PERSON", "I-PERSON", "B-test_label", "I-test_label"]}), encoding="utf-8")
    assert validate_file(src, labels_file=labels).code_counts()["V140"] == 0  # a seqalign labels.json works too
