"""The command line as a user meets it: help, the main job, wrong flags, broken files, exit codes, atomic output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import datasets
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, shared_path

from seqalign.cli import main

TOK = str(FIXTURES / "tokenizers" / "wordpiece-bert")
SAMPLE_CONLL = str(FIXTURES / "sample" / "sample.conll")
SAMPLE_JSONL = str(FIXTURES / "sample" / "sample.jsonl")


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args), catch_exceptions=True)
    out = res.output
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"uncaught exception for {args}: {res.exception!r}\n{out}")
    return res.exit_code, out


def test_help_lists_examples() -> None:
    code, out = run("--help")
    assert code == 0 and "align" in out and "convert" in out
    code, out = run("align", "--help")
    assert code == 0 and "Examples:" in out and "--label-subwords" in out


def test_align_conll_sample(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, text = run("align", SAMPLE_CONLL, "-t", TOK, "--scheme", "bio", "--out", str(out))
    assert code == 0, text
    ds = datasets.load_from_disk(str(out))
    assert {"id", "input_ids", "attention_mask", "labels", "offset_mapping", "word_ids"} <= set(ds.column_names)
    labels = json.loads((out / "labels.json").read_text())
    assert labels["labels"][0] == "O" and labels["scheme"] == "IOB2"
    assert labels["label2id"] == {lab: i for i, lab in enumerate(labels["labels"])}
    assert {int(k): v for k, v in labels["id2label"].items()} == dict(enumerate(labels["labels"]))
    report = json.loads((out / "report.json").read_text())
    c = report["counts"]
    assert c["spans_in"] == c["exact"] + c["adjusted"] + c["lost"] + c["truncated"] > 0
    # Every word's first piece carries the sample's own tag (read here independently of seqalign).
    gold = [[ln.split()[-1] for ln in block.splitlines()] for block in Path(SAMPLE_CONLL).read_text().split("\n\n")]
    gold = [g for g in gold if g and g != ["O"]]
    for row, tags in zip(ds, gold, strict=True):
        firsts = [
            lab
            for lab, w, prev in zip(row["labels"], row["word_ids"], [None, *row["word_ids"]], strict=False)
            if w is not None and w != prev
        ]
        assert [labels["labels"][i] for i in firsts] == tags


def test_dataset_feeds_the_hf_collator(tmp_path: Path) -> None:
    from transformers import AutoTokenizer, DataCollatorForTokenClassification

    out = tmp_path / "out"
    assert run("align", SAMPLE_JSONL, "-t", TOK, "--out", str(out), "--label-subwords", "all", "-q")[0] == 0
    ds = datasets.load_from_disk(str(out))
    tok = AutoTokenizer.from_pretrained(TOK)
    collate = DataCollatorForTokenClassification(tok, return_tensors="np")
    batch = collate([{k: r[k] for k in ("input_ids", "attention_mask", "labels")} for r in ds])
    assert batch["input_ids"].shape == batch["labels"].shape
    assert (batch["labels"][batch["attention_mask"] == 0] == -100).all()
    assert np.isin(batch["labels"], [-100, *range(len(json.loads((out / "labels.json").read_text())["labels"]))]).all()


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_save_formats(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / "out"
    assert run("align", SAMPLE_CONLL, "-t", TOK, "--out", str(out), "--save-format", fmt, "-q")[0] == 0
    assert (out / f"data.{fmt}").exists() and (out / "labels.json").exists()


def test_round_trip_through_decode(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("align", SAMPLE_JSONL, "-t", TOK, "--out", str(out), "--label-subwords", "all", "--scheme", "bilou", "-q")[0] == 0
    spans = tmp_path / "spans.jsonl"
    assert run("decode", str(out), "-o", str(spans))[0] == 0
    report = json.loads((out / "report.json").read_text())
    changed = {(p["example_id"], p["start"], p["end"]) for p in report["problems"]}
    for src, got in zip(Path(SAMPLE_JSONL).read_text().splitlines(), spans.read_text().splitlines(), strict=True):
        a, b = json.loads(src), json.loads(got)
        got_spans = {(s["start"], s["end"], s["label"]) for s in b["spans"]}
        for s in a["spans"]:
            if (a["id"], s["start"], s["end"]) not in changed:
                assert (s["start"], s["end"], s["label"]) in got_spans


def test_wrong_flag_is_usage_error() -> None:
    code, out = run("align", SAMPLE_CONLL, "-t", TOK, "--out", "/tmp/x", "--scheme", "bogus")
    assert code == 2 and "bogus" in out
    code, out = run("align", SAMPLE_CONLL, "--out", "/tmp/x")
    assert code == 2 and "--tokenizer" in out


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        ('{"id": 1, "text": "abc", "spans": [{"start": 0, "end": 9, "label": "X"}]}\n', "(0,9"),
        ('{"id": 1, "text": "abc", "spans": [{"start": -1, "end": 2, "label": "X"}]}\n', "(-1,2"),
        ('{"id": 1, "text": "abc", "spans": [\n', "invalid JSON"),
        ('{"id": 1, "spans": []}\n', "text"),
    ],
)
def test_broken_jsonl_is_clear_error(tmp_path: Path, content: str, needle: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(content)
    out = tmp_path / "out"
    code, text = run("align", str(bad), "-t", TOK, "--out", str(out), "--from", "jsonl")
    assert code == 2
    assert needle in text and "bad.jsonl:1" in text
    assert "Traceback" not in text
    assert not out.exists(), "no output on failure"


def test_broken_conll_and_missing_things(tmp_path: Path) -> None:
    bad = tmp_path / "bad.conll"
    bad.write_text("John B-PER\nsmith\n")
    code, text = run("align", str(bad), "-t", TOK, "--out", str(tmp_path / "o"), "--from", "conll")
    assert code == 2 and "bad.conll:2" in text
    latin = tmp_path / "latin.conll"
    latin.write_bytes("Zürich B-LOC\n".encode("latin-1"))
    code, text = run("align", str(latin), "-t", TOK, "--out", str(tmp_path / "o"), "--from", "conll")
    assert code == 2 and "latin.conll:1" in text and "--encoding latin-1" in text
    assert (
        run("align", str(latin), "-t", TOK, "--out", str(tmp_path / "o"), "--from", "conll", "--encoding", "latin-1", "-q")[0]
        == 0
    )
    code, text = run("align", str(tmp_path / "nope.conll"), "-t", TOK, "--out", str(tmp_path / "o2"))
    assert code == 2 and "no such file" in text
    empty = tmp_path / "empty.conll"
    empty.write_text("")
    code, text = run("align", str(empty), "-t", TOK, "--out", str(tmp_path / "o3"))
    assert code == 2 and "empty" in text
    code, text = run("align", SAMPLE_CONLL, "-t", str(tmp_path / "no-such-tokenizer"), "--out", str(tmp_path / "o4"))
    assert code == 2 and "no-such-tokenizer" in text and "directory" in text
    assert not (tmp_path / "o4").exists()


def test_overlaps_fail_unless_a_policy_is_chosen(tmp_path: Path) -> None:
    f = tmp_path / "ov.jsonl"
    f.write_text('{"id": "a", "text": "I like California Pizza Kitchen.", "spans": [[7, 17, "LOC"], [7, 31, "BRAND"]]}\n')
    out = tmp_path / "out"
    code, text = run("align", str(f), "-t", TOK, "--out", str(out))
    assert code == 1 and "overlap" in text and "--overlaps" in text
    assert not out.exists()
    code, text = run("align", str(f), "-t", TOK, "--out", str(out), "--overlaps", "keep-longer", "--json")
    assert code == 0
    counts = json.loads(text.strip().splitlines()[-1])["counts"]
    assert counts["lost"] == 1 and counts["exact"] == 1


def test_strict_exit(tmp_path: Path) -> None:
    f = tmp_path / "cut.jsonl"
    f.write_text('{"id": "a", "text": "Northwind Labs", "spans": [[0, 7, "ORG"]]}\n')
    code, _ = run("align", str(f), "-t", TOK, "--out", str(tmp_path / "o"), "-q")
    assert code == 0
    code, _ = run("align", str(f), "-t", TOK, "--out", str(tmp_path / "o"), "-q", "--strict-exit")
    assert code == 1
    code, _ = run("align", str(f), "-t", TOK, "--out", str(tmp_path / "o"), "-q", "--strict-exit", "--alignment", "expand")
    assert code == 0


def test_refuses_to_replace_a_foreign_directory(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    code, text = run("align", SAMPLE_CONLL, "-t", TOK, "--out", str(out))
    assert code == 2 and "refusing" in text and (out / "precious.txt").read_text() == "keep me"


def test_ambiguous_or_invalid_scheme_asks_the_user(tmp_path: Path) -> None:
    f = tmp_path / "mixed.conll"
    f.write_text("a B-X\nb M-X\nc I-X\n\n")
    code, text = run("align", str(f), "-t", TOK, "--out", str(tmp_path / "o"))
    assert code == 2 and "--input-scheme" in text


def test_convert_schemes_and_formats(tmp_path: Path) -> None:
    iobes = tmp_path / "s.iobes.conll"
    assert run("convert", SAMPLE_CONLL, str(iobes), "--scheme", "iobes", "-q")[0] == 0
    # CoNLL -> CoNLL keeps the file's own separator (the sample uses spaces)
    tags = [ln.split()[-1] for ln in iobes.read_text().splitlines() if ln.strip() and not ln.startswith("-DOCSTART-")]
    assert "S-LOC" in tags and "E-PER" in tags
    back = tmp_path / "back.conll"
    assert run("convert", str(iobes), str(back), "--scheme", "bio", "-q")[0] == 0
    orig = [ln.split() for ln in Path(SAMPLE_CONLL).read_text().splitlines() if ln.strip() and not ln.startswith("-DOCSTART-")]
    new = [ln.split() for ln in back.read_text().splitlines() if ln.strip() and not ln.startswith("-DOCSTART-")]
    assert orig == new
    js = tmp_path / "s.jsonl"
    assert run("convert", SAMPLE_CONLL, str(js), "-q")[0] == 0
    first = json.loads(js.read_text().splitlines()[0])
    assert first["spans"][0] == {"start": 0, "end": 12, "label": "PER", "text": "Maria Keller"}


def test_no_traceback_as_a_real_process(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    p = subprocess.run(
        [sys.executable, "-m", "seqalign", "align", str(bad), "-t", TOK, "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert p.returncode == 2
    assert "Traceback" not in p.stderr and "bad.jsonl:1" in p.stderr


def test_index_column_is_not_read_as_tokens(tmp_path: Path) -> None:
    f = tmp_path / "idx.tsv"
    f.write_text("# comment\n1\tAnna\tB-PER\tO\n2\tBerg\tI-PER\tO\n3\tlacht\tO\tO\n\n")
    code, text = run("align", str(f), "-t", TOK, "--out", str(tmp_path / "o"), "--from", "conll")
    assert code == 2 and "idx.tsv:2" in text and "--token-column 2" in text
    code, text = run(
        "align",
        str(f),
        "-t",
        TOK,
        "--out",
        str(tmp_path / "o"),
        "--from",
        "conll",
        "--token-column",
        "2",
        "--tag-column",
        "3",
        "--json",
    )
    assert code == 0 and json.loads(text.strip().splitlines()[-1])["counts"]["exact"] == 1


def test_germeval_outer_level(tmp_path: Path) -> None:
    germeval = shared_path("corpora", "germeval2014", "NER-de-dev.tsv")
    out = tmp_path / "g"
    code, text = run("align", str(germeval), "-t", TOK, "--out", str(out), "--token-column", "2", "--tag-column", "3", "--json")
    assert code == 0
    # SOURCE.txt: 2200 sentences, 2674 outer entities.
    counts = json.loads(text.strip().splitlines()[-1])["counts"]
    assert counts["examples"] == 2200 and counts["spans_in"] == 2674


def test_duplicate_ids_are_renamed_not_merged(tmp_path: Path) -> None:
    f = tmp_path / "dup.jsonl"
    f.write_text(
        '{"id": "a", "text": "Anna Berg", "spans": [[0, 9, "PER"]]}\n'
        '{"id": "a", "text": "Paris and Oslo", "spans": [[0, 5, "LOC"], [10, 14, "LOC"]]}\n'
    )
    out = tmp_path / "o"
    assert run("align", str(f), "-t", TOK, "--out", str(out), "-q", "--label-subwords", "all")[0] == 0
    report = json.loads((out / "report.json").read_text())
    assert report["codes"].get("W201") == 1
    spans = tmp_path / "s.jsonl"
    assert run("decode", str(out), "-o", str(spans))[0] == 0
    got = [json.loads(x) for x in spans.read_text().splitlines()]
    assert [g["id"] for g in got] == ["a", "a#2"]
    assert [len(g["spans"]) for g in got] == [1, 2]


def test_no_entities_at_all_is_said(tmp_path: Path) -> None:
    f = tmp_path / "typo.jsonl"
    f.write_text('{"id": "a", "text": "Anna Berg lives in Paris", "span": [{"start": 0, "end": 9, "label": "PER"}]}\n')
    out = tmp_path / "o"
    assert run("align", str(f), "-t", TOK, "--out", str(out), "-q")[0] == 0
    notes = json.loads((out / "report.json").read_text())["notes"]
    assert any("no entity at all" in n for n in notes)


def test_outputs_never_replace_inputs_and_missing_dirs_are_clear(tmp_path: Path) -> None:
    src = tmp_path / "s.conll"
    src.write_text(Path(SAMPLE_CONLL).read_text())
    code, text = run("convert", str(src), str(src), "--scheme", "iobes")
    assert code == 2 and "overwrite" in text and src.read_text() == Path(SAMPLE_CONLL).read_text()
    code, text = run("convert", str(src), str(tmp_path / "missing" / "x.jsonl"))
    assert code == 2 and "directory exists" in text


def test_shifted_columns_are_an_error(tmp_path: Path) -> None:
    f = tmp_path / "col.conll"
    f.write_text("He PRP B-NP O\nvisited VBD B-VP O\nNew York NNP I-NP B-LOC\ntoday NN B-NP O\n\n")
    code, text = run("align", str(f), "-t", TOK, "--out", str(tmp_path / "o"))
    assert code == 2 and "col.conll:3" in text
