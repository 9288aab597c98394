"""export-ctc / decode-ctc end to end on small inputs: case 33, collisions, feasibility, vocabularies, decoding."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import FIXTURES, shared_path
from test_ctc_core import ctc_nll, random_log_probs

from seqalign import ctc
from seqalign.cli import main
from seqalign.export.ctc import load_rows


def run(*args: str) -> Any:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def units_of(out: Path) -> tuple[dict[int, str], list[dict[str, Any]]]:
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    return {i: t for t, i in vocab.items()}, load_rows(out)


# --------------------------------------------------------------------------------------------- case 33


@pytest.fixture(scope="module")
def case33() -> dict[str, Any]:
    return json.loads(shared_path("cases", "case-33.json").read_text(encoding="utf-8"))


def _case_input(tmp: Path, case: dict[str, Any]) -> Path:
    recs = []
    for k, t in enumerate(case["input"]["transcripts"]):
        recs.append({"id": str(k), "text": t["text"], "spans": [[s["start"], s["end"], s["label"]] for s in t["spans"]]})
    return write_jsonl(tmp / "case33.jsonl", recs)


def test_case_33_targets_vocab_and_greedy_decoding(tmp_path: Path, case33: dict[str, Any]) -> None:
    opts = case33["input"]["options"]
    exp = case33["expected"]
    assert opts == {
        "lowercase": True,
        "unicode_normalization": "NFC",
        "word_delimiter": "|",
        "blank_token": "<pad>",
        "collapse_whitespace": True,
    }  # the defaults of export-ctc; a change in the case would need new options here
    src = _case_input(tmp_path, case33)
    out = tmp_path / "out"
    r = run("export-ctc", src, "--target", "transcript", "--markers", "none", "--collisions", "drop", "-o", out, "-q")
    assert r.exit_code == 0, r.output
    id2u, rows = units_of(out)
    good = [k for k, t in enumerate(exp["targets"]) if t != "error"]
    assert [row["id"] for row in rows] == [str(k) for k in good]
    for row, k in zip(rows, good, strict=True):
        assert [id2u[i] for i in row["labels"]] == exp["targets"][k]
        assert row["label_length"] == exp["target_lengths"][k]
        assert [[s["start"], s["end"], s["label"]] for s in row["target_spans"]] == exp["entity_target_spans"][k]
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    assert all(t in vocab for t in exp["vocab_must_contain"])
    assert not any(t in vocab for t in exp["vocab_must_not_contain"])
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    assert labels["pad_token"] == opts["blank_token"] and vocab[opts["blank_token"]] == labels["blank_id"]
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    bad = [d for d in report["diagnostics"] if d["code"] == "C301"]
    assert len(bad) == 1 and bad[0]["example_id"] == "2"
    assert exp["transcript_2_error"].split(" (")[0] in bad[0]["message"]
    assert report["meta"]["ctc_counts"]["dropped_collision"] == 1 and report["meta"]["ctc_counts"]["balanced"]
    for g in exp["greedy_decode_examples"]:
        ids = ctc.ctc_collapse([vocab[f] for f in g["frames"]], labels["blank_id"])
        assert ctc.units_to_text([id2u[i] for i in ids]) == g["text"]


def test_case_33_collision_is_an_error_listing_the_example(tmp_path: Path, case33: dict[str, Any]) -> None:
    src = _case_input(tmp_path, case33)
    out = tmp_path / "out"
    r = run("export-ctc", src, "--target", "transcript", "-o", out, "-q")
    assert r.exit_code == 1
    assert "example 2" in r.output and "word-delimiter" in r.output and "Traceback" not in r.output
    assert not out.exists()  # nothing half-written


def test_markers_round_trip_and_hf_tokenizer(tmp_path: Path, case33: dict[str, Any]) -> None:
    recs = [{"id": "a", "text": case33["input"]["transcripts"][0]["text"], "spans": [[16, 26, "ORG"], [0, 4, "MISC"]]}]
    recs.append({"id": "b", "text": "fly from boston to denver  on  monday", "spans": [[9, 15, "from"], [19, 25, "to"]]})
    src = write_jsonl(tmp_path / "m.jsonl", recs)
    for style in ("chars", "tags"):
        out = tmp_path / style
        assert run("export-ctc", src, "--target", "transcript", "--markers", style, "-o", out, "-q").exit_code == 0
        rows = load_rows(out)
        labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
        markers = ctc.Markers(labels["markers"]["start"], labels["markers"]["end"])
        for row, rec in zip(rows, recs, strict=True):
            back = ctc.parse_transcript(row["transcript"], markers)
            assert "".join(back.items) == rec["text"]
            assert sorted(tuple(s.as_tuple()) for s in back.spans) == sorted(tuple(s) for s in rec["spans"])
        from transformers import Wav2Vec2CTCTokenizer

        tok = Wav2Vec2CTCTokenizer.from_pretrained(str(out))
        for row in rows:
            assert tok.decode(row["labels"], group_tokens=False) == row["target_text"]
            if style == "chars":  # single-symbol markers: HF re-tokenizes the transcript into the same labels
                assert tok(row["target_text"])["input_ids"] == row["labels"]
        assert all(-100 not in row["labels"] and labels["blank_id"] not in row["labels"] for row in rows)


# ----------------------------------------------------------------------------------------- feasibility


def _small(tmp: Path) -> Path:
    return write_jsonl(
        tmp / "s.jsonl",
        [
            {"id": "x1", "text": "see the zoo", "spans": [[8, 11, "LOC"]]},
            {"id": "x2", "text": "abba", "spans": []},
            {"id": "x3", "text": "cool book", "spans": [[0, 4, "MISC"]]},
        ],
    )


def test_feasibility_agrees_with_the_ctc_loss(tmp_path: Path) -> None:
    src = _small(tmp_path)
    base = tmp_path / "base"
    assert run("export-ctc", src, "--target", "transcript", "-o", base, "-q").exit_code == 0
    rows = load_rows(base)
    # frames chosen around the label length, independently of the code's own minimum
    frames = {row["id"]: row["label_length"] + d for row, d in zip(rows, (-1, 0, 2), strict=True)}
    lengths = tmp_path / "frames.tsv"
    lengths.write_text("id\tframes\n" + "".join(f"{k}\t{v}\n" for k, v in frames.items()), encoding="utf-8")
    out = tmp_path / "checked"
    r = run("export-ctc", src, "--target", "transcript", "--input-lengths", lengths, "-o", out, "-q")
    rows = load_rows(out)
    vocab_size = len(json.loads((out / "vocab.json").read_text(encoding="utf-8")))
    rng = np.random.default_rng(0)
    finite = {
        row["id"]: math.isfinite(ctc_nll(random_log_probs(rng, frames[row["id"]], vocab_size), row["labels"], 0)) for row in rows
    }
    assert {row["id"]: row["feasible"] for row in rows} == finite
    assert not all(finite.values())  # the test covers an infinite loss
    assert r.exit_code == (0 if all(finite.values()) else 1)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert {d["example_id"] for d in report["diagnostics"] if d["code"] == "C401"} == {k for k, v in finite.items() if not v}

    dropped = tmp_path / "dropped"
    r = run("export-ctc", src, "--target", "transcript", "--input-lengths", lengths, "--drop-infeasible", "-o", dropped, "-q")
    assert r.exit_code == 0
    assert {row["id"] for row in load_rows(dropped)} == {k for k, v in finite.items() if v}
    rep = json.loads((dropped / "report.json").read_text(encoding="utf-8"))
    c = rep["meta"]["ctc_counts"]
    assert c["balanced"] and c["dropped_infeasible"] == sum(not v for v in finite.values())
    assert rep["balanced"]  # spans of dropped examples are counted as lost


def test_durations_missing_and_unknown_ids(tmp_path: Path) -> None:
    src = _small(tmp_path)
    dur = tmp_path / "d.json"
    dur.write_text(json.dumps({"x1": 10.0, "x2": 0.01, "nope": 1.0}), encoding="utf-8")
    out = tmp_path / "o"
    r = run("export-ctc", src, "--target", "tags", "--durations", dur, "--frames-per-second", 50, "-o", out, "-q")
    rows = {row["id"]: row for row in load_rows(out)}
    assert rows["x1"]["input_length"] == 500 and rows["x1"]["feasible"] is True
    assert rows["x2"]["feasible"] is False and rows["x3"]["input_length"] is None
    assert r.exit_code == 1
    codes = [d["code"] for d in json.loads((out / "report.json").read_text(encoding="utf-8"))["diagnostics"]]
    assert "C402" in codes and "C403" in codes


@pytest.mark.parametrize(
    ("content", "where"),
    [("x1\t10\nx2\tten\n", ":2"), ("5\n6\n", "2 values for 3 examples"), ("1 2 3\n", ":1")],
)
def test_bad_frame_files_exit_2_with_the_line(tmp_path: Path, content: str, where: str) -> None:
    src = _small(tmp_path)
    f = tmp_path / "frames.txt"
    f.write_text(content, encoding="utf-8")
    out = tmp_path / "o"
    r = run("export-ctc", src, "--target", "tags", "--input-lengths", f, "-o", out)
    assert r.exit_code == 2 and where in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_bad_input_exit_2(tmp_path: Path) -> None:
    r = run("export-ctc", tmp_path / "missing.jsonl", "--target", "tags", "-o", tmp_path / "o")
    assert r.exit_code == 2 and "no such file" in r.output
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a", "spans": []}\n{"text": 3}\n', encoding="utf-8")
    r = run("export-ctc", bad, "--target", "transcript", "-o", tmp_path / "o")
    assert r.exit_code == 2 and "bad.jsonl:2" in r.output and not (tmp_path / "o").exists()
    r = run("export-ctc", _small(tmp_path), "--target", "tags", "--frames-per-second", 50, "-o", tmp_path / "o")
    assert r.exit_code == 2 and "--durations" in r.output


def test_atis_reader_errors(tmp_path: Path) -> None:
    d = tmp_path / "atis" / "test"
    d.mkdir(parents=True)
    (d / "seq.in").write_text("fly to boston\nshow me flights\n", encoding="utf-8")
    (d / "seq.out").write_text("O O B-toloc.city_name\nO O\n", encoding="utf-8")
    r = run("export-ctc", tmp_path / "atis", "--target", "tags", "-o", tmp_path / "o")
    assert r.exit_code == 2 and "seq.out:2" in r.output and "3 tokens" in r.output
    (d / "seq.out").write_text("O O B-toloc.city_name\nO O O\n", encoding="utf-8")
    r = run("export-ctc", d / "seq.in", "--target", "tags", "-o", tmp_path / "o", "-q")
    assert r.exit_code == 0
    assert [row["tags"] for row in load_rows(tmp_path / "o")] == [["O", "O", "B-toloc.city_name"], ["O", "O", "O"]]


# ---------------------------------------------------------------------------------------- vocabularies


def test_blank_last_and_given_uppercase_vocab(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "v.jsonl", [{"id": "1", "text": "Café see", "spans": [[0, 4, "LOC"]]}])
    out = tmp_path / "last"
    assert run("export-ctc", src, "--target", "transcript", "--blank", "last", "-o", out, "-q").exit_code == 0
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    assert vocab["<pad>"] == max(vocab.values())
    assert all(vocab["<pad>"] not in row["labels"] for row in load_rows(out))

    # the layout of an English wav2vec2 vocabulary: specials first, uppercase letters
    given = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4}
    for c in "EOSTACF":
        given[c] = len(given)
    gdir = tmp_path / "w2v"
    gdir.mkdir()
    (gdir / "vocab.json").write_text(json.dumps(given), encoding="utf-8")
    out = tmp_path / "given"
    r = run("export-ctc", src, "--target", "transcript", "--markers", "none", "--vocab", gdir, "--blank", "pad", "-o", out, "-q")
    assert r.exit_code == 0, r.output
    row = load_rows(out)[0]
    id2 = {i: t for t, i in given.items()}
    assert [id2[i] for i in row["labels"]] == ["C", "A", "F", "<unk>", "|", "S", "E", "E"]
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [d["code"] for d in rep["diagnostics"]] == ["C302"] and "'É'" in rep["diagnostics"][0]["message"]
    # markers must exist in a given vocabulary
    r = run("export-ctc", src, "--target", "transcript", "--vocab", gdir, "-o", tmp_path / "g2")
    assert r.exit_code == 2 and "lacks the marker" in r.output


def test_markers_file_and_bad_markers(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "v.jsonl", [{"id": "1", "text": "see Paris", "spans": [[4, 9, "LOC"]]}])
    mk = tmp_path / "m.json"
    mk.write_text(json.dumps({"start": {"LOC": "["}, "end": "]"}), encoding="utf-8")
    out = tmp_path / "o"
    assert run("export-ctc", src, "--target", "transcript", "--markers", mk, "-o", out, "-q").exit_code == 0
    assert load_rows(out)[0]["target_text"] == "see [paris]"
    mk.write_text(json.dumps({"start": {"LOC": "|"}, "end": "]"}), encoding="utf-8")
    r = run("export-ctc", src, "--target", "transcript", "--markers", mk, "-o", tmp_path / "o2")
    assert r.exit_code == 2 and "delimiter" in r.output
    mk.write_text(json.dumps({"start": {"PER": "["}, "end": "]"}), encoding="utf-8")
    r = run("export-ctc", src, "--target", "transcript", "--markers", mk, "-o", tmp_path / "o2")
    assert r.exit_code == 2 and "LOC" in r.output


# ------------------------------------------------------------------------------------------ tag targets


def test_tag_targets_word_and_subword(tmp_path: Path) -> None:
    src = FIXTURES / "sample" / "sample.conll"
    if not src.exists():
        pytest.skip("fixtures/sample/sample.conll not present")
    out = tmp_path / "w"
    assert run("export-ctc", src, "--target", "tags", "-o", out, "-q").exit_code == 0
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    from seqalign.pipeline import open_examples

    _, again = open_examples(src)
    exs = list(again())
    rows = load_rows(out)
    assert len(rows) == len(exs)
    for row, ex in zip(rows, exs, strict=True):
        assert len(row["labels"]) == len(ex.words or [])
        assert labels["blank_id"] not in row["labels"]
    sub = tmp_path / "s"
    tok = FIXTURES / "tokenizers" / "wordpiece-bert"
    r = run("export-ctc", src, "--target", "tags", "-t", tok, "-o", sub, "-q")
    assert r.exit_code == 0, r.output
    srows = load_rows(sub)
    assert all(len(s["labels"]) >= len(w["labels"]) for s, w in zip(srows, rows, strict=True))
    rep = json.loads((sub / "report.json").read_text(encoding="utf-8"))
    assert rep["meta"]["ctc_counts"]["round_trip_exact"] == len(srows)


def test_decode_gold_and_predictions(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "d.jsonl",
        [{"id": "a", "text": "fly to New York", "spans": [[7, 15, "LOC"]]}, {"id": "b", "text": "no entity", "spans": []}],
    )
    out = tmp_path / "t"
    assert run("export-ctc", src, "--target", "transcript", "--markers", "tags", "-o", out, "-q").exit_code == 0
    gold = tmp_path / "gold.jsonl"
    assert run("decode-ctc", out, "-o", gold).exit_code == 0
    recs = [json.loads(x) for x in gold.read_text(encoding="utf-8").splitlines()]
    assert recs[0]["text"] == "fly to new york" and recs[0]["spans"] == [
        {"start": 7, "end": 15, "label": "LOC", "text": "new york"}
    ]
    preds = tmp_path / "p.jsonl"
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    frames = [vocab[u] for u in ["<LOC>", "<LOC>", "n", "o", "<pad>", "o", "</>", "</>", "|", "y"]]
    preds.write_text(
        json.dumps({"id": "a", "text": "fly to <LOC>new york"}) + "\n" + json.dumps({"id": "b", "frames": frames}) + "\n"
    )
    dec = tmp_path / "dec.jsonl"
    r = run("decode-ctc", out, "--predictions", preds, "-o", dec, "--strict-exit")
    assert r.exit_code == 1 and "C502" in r.output
    recs = [json.loads(x) for x in dec.read_text(encoding="utf-8").splitlines()]
    assert recs[0]["spans"] == [] and recs[1]["text"] == "noo y"
    assert recs[1]["spans"] == [{"start": 0, "end": 3, "label": "LOC", "text": "noo"}]


def test_cluster_edges_that_make_spans_cross_are_reported(tmp_path: Path) -> None:
    # offset 4 sits between e and U+0301: both spans move to the cluster's edges and would cross
    src = write_jsonl(tmp_path / "x.jsonl", [{"id": "1", "text": "cafe\u0301 bar", "spans": [[0, 4, "A"], [4, 9, "B"]]}])
    out = tmp_path / "o"
    assert run("export-ctc", src, "--target", "transcript", "-o", out, "-q").exit_code == 0
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert rep["codes"] == {"C102": 1, "C204": 1} and rep["balanced"]
    assert rep["meta"]["ctc_counts"]["round_trip_exact"] == 1
    assert load_rows(out)[0]["spans"] == [{"start": 0, "end": 5, "label": "A"}]


def test_decode_tag_predictions(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": "fly to New York", "spans": [[7, 15, "LOC"]]}])
    out = tmp_path / "t"
    assert run("export-ctc", src, "--target", "tags", "-o", out, "-q").exit_code == 0
    vocab = json.loads((out / "vocab.json").read_text(encoding="utf-8"))
    preds = tmp_path / "p.jsonl"
    good = [vocab[t] for t in ("O", "O", "B-LOC", "I-LOC")]
    preds.write_text(json.dumps(good) + "\n", encoding="utf-8")
    dec = tmp_path / "dec.jsonl"
    assert run("decode-ctc", out, "--predictions", preds, "-o", dec).exit_code == 0
    assert json.loads(dec.read_text(encoding="utf-8"))["spans"] == [{"start": 7, "end": 15, "label": "LOC", "text": "New York"}]
    preds.write_text(json.dumps([vocab["O"], vocab["I-LOC"]]) + "\n", encoding="utf-8")
    r = run("decode-ctc", out, "--predictions", preds, "-o", dec)
    assert r.exit_code == 0 and "C505" in r.output and "C504" in r.output
    rec = json.loads(dec.read_text(encoding="utf-8"))
    assert rec["positions"] == [{"start": 1, "end": 2, "label": "LOC"}]


def test_reuse_an_exported_vocabulary_for_another_split(tmp_path: Path) -> None:
    train = write_jsonl(tmp_path / "train.jsonl", [{"id": "t", "text": "fly to Boston", "spans": [[7, 13, "LOC"]]}])
    test = write_jsonl(tmp_path / "test.jsonl", [{"id": "u", "text": "to Oslo!", "spans": [[3, 7, "LOC"]]}])
    first = tmp_path / "train"
    assert run("export-ctc", train, "--target", "transcript", "-o", first, "-q").exit_code == 0
    second = tmp_path / "test"
    assert run("export-ctc", test, "--target", "transcript", "-t", first, "-o", second, "-q").exit_code == 0
    v1 = json.loads((first / "vocab.json").read_text(encoding="utf-8"))
    assert json.loads((second / "vocab.json").read_text(encoding="utf-8")) == v1
    id2 = {i: t for t, i in v1.items()}
    row = load_rows(second)[0]
    assert "".join(id2[i] for i in row["labels"]).replace("<unk>", "?") == row["target_text"].replace(" ", "|").replace("!", "?")
    rep = json.loads((second / "report.json").read_text(encoding="utf-8"))
    assert rep["codes"] == {"C302": 1}  # '!' is not in the train vocabulary: reported, written as <unk>


def test_every_code_used_is_in_the_catalog() -> None:
    import re

    from seqalign.codes import CATALOG

    src = (Path(__file__).resolve().parent.parent / "seqalign" / "export" / "ctc.py").read_text(encoding="utf-8")
    used = set(re.findall(r'"(C\d{3})"', src))
    assert used and used <= set(CATALOG)


@pytest.mark.parametrize("name", ["bytelevel-bpe", "wordpiece-bert"])
def test_transcripts_refuse_a_subword_tokenizer(tmp_path: Path, name: str) -> None:
    src = write_jsonl(tmp_path / "q.jsonl", [{"id": "1", "text": "a b", "spans": []}])
    r = run(
        "export-ctc",
        src,
        "--target",
        "transcript",
        "--markers",
        "none",
        "-t",
        FIXTURES / "tokenizers" / name,
        "-o",
        tmp_path / "o",
    )
    assert r.exit_code == 2 and "Traceback" not in r.output and not (tmp_path / "o").exists()


def test_transcripts_refuse_a_subword_vocab_json(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "q.jsonl", [{"id": "1", "text": "a b", "spans": []}])
    v = tmp_path / "vocab.json"
    v.write_text(json.dumps({"<pad>": 0, "|": 1, "a": 2, "Ġthe": 3, "ing": 4, "Ġb": 5}), encoding="utf-8")
    r = run("export-ctc", src, "--target", "transcript", "--markers", "none", "--vocab", v, "-o", tmp_path / "o")
    assert r.exit_code == 2 and "subword vocabulary" in r.output


def test_dropped_examples_lose_their_spans_and_the_counts_add_up(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "c.jsonl",
        [
            {"id": "a", "text": "A|B corp", "spans": [[0, 3, "ORG"], [4, 8, "ORG"]]},
            {"id": "b", "text": "fine text", "spans": [[0, 4, "MISC"]]},
        ],
    )
    out = tmp_path / "o"
    assert run("export-ctc", src, "--target", "transcript", "--collisions", "drop", "-o", out, "-q").exit_code == 0
    rep = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert rep["counts"]["spans_in"] == 3 and rep["counts"]["lost"] == 2 and rep["counts"]["exact"] == 1
    assert rep["balanced"] and rep["meta"]["ctc_counts"]["balanced"]


@pytest.mark.parametrize("name", ["wordpiece-bert", "bytelevel-bpe", "metaspace-unigram"])
def test_tags_blank_pad_is_the_tokenizers_pad_id(tmp_path: Path, name: str) -> None:
    from conftest import load_fixture

    tok = load_fixture(name).tokenizer
    src = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": "fly to New York", "spans": [[7, 15, "LOC"]]}])
    out = tmp_path / "o"
    r = run("export-ctc", src, "--target", "tags", "-t", FIXTURES / "tokenizers" / name, "--blank", "pad", "-o", out, "-q")
    if tok.pad_token_id is None:
        assert r.exit_code == 2 and "no pad token" in r.output
        return
    assert r.exit_code == 0, r.output
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    assert labels["blank_id"] == tok.pad_token_id and labels["labels"][tok.pad_token_id] == tok.pad_token
    assert all(tok.pad_token_id not in row["labels"] for row in load_rows(out))


def test_decode_reports_unmatched_and_missing_predictions(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": "x", "spans": []}, {"id": "b", "text": "y", "spans": []}])
    out = tmp_path / "t"
    assert run("export-ctc", src, "--target", "transcript", "-o", out, "-q").exit_code == 0
    preds = tmp_path / "p.jsonl"
    preds.write_text(json.dumps({"id": "a", "text": "x"}) + "\n" + json.dumps({"id": "zz", "text": "q"}) + "\n", encoding="utf-8")
    r = run("decode-ctc", out, "--predictions", preds, "-o", tmp_path / "dec.jsonl", "--strict-exit")
    assert r.exit_code == 1 and "C506" in r.output and "C507" in r.output
