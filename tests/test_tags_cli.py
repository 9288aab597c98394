"""The tag verbs end to end through the CLI: transitions, check-tags, decode (ids / logits / probabilities), evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from seqalign.api import align_file
from seqalign.cli import main

SAMPLE = """-DOCSTART- O

John B-PER
Smith I-PER
visited O
New B-LOC
York I-LOC
. O

Paris B-LOC
Berlin B-LOC
and O
Anna B-PER
Berg I-PER
met O
Bob B-PER
. O
"""


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output


def test_transitions_matrix_from_types_and_from_labels(tmp_path: Path) -> None:
    code, out = run("transitions", "--scheme", "bilou", "--types", "PER,LOC")
    assert code == 0
    t = json.loads(out)
    ix = {lab: i for i, lab in enumerate(t["labels"])}
    assert t["labels"][0] == "O" and len(t["labels"]) == 9
    m = t["matrix"]
    assert m[ix["B-PER"]][ix["L-PER"]] and not m[ix["B-PER"]][ix["L-LOC"]] and not m[ix["O"]][ix["L-PER"]]
    assert m[ix["U-PER"]][ix["U-PER"]] and not m[ix["B-PER"]][ix["O"]]
    assert t["start"][ix["U-LOC"]] and not t["start"][ix["I-LOC"]]
    assert t["end"][ix["L-LOC"]] and not t["end"][ix["B-LOC"]]
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"scheme": "IOB2", "labels": ["O", "B-X", "I-X"]}))
    code, out = run("transitions", "--scheme", "bio", "--labels", str(labels))
    assert code == 0 and json.loads(out)["matrix"] == [[True, True, False], [True, True, True], [True, True, True]]
    code, _ = run("transitions", "--scheme", "bilou", "--labels", str(labels))
    assert code == 2
    assert run("transitions", "--scheme", "bio")[0] == 2


def test_check_tags_reports_and_repairs(tmp_path: Path) -> None:
    src = tmp_path / "bad.conll"
    src.write_text("A\tO\nB\tI-PER\nC\tI-PER\n\nD\tB-LOC\nE\tI-ORG\nF\tB-PER,B-LOC\n", encoding="utf-8")
    code, out = run("check-tags", str(src), "--input-scheme", "iob2", "--json")
    assert code == 1
    res = json.loads(out)
    got = [(i["line"], i["position"], i["prev"], i["tag"], i["kind"]) for i in res["issues"]]
    assert got == [
        (2, 1, "O", "I-PER", "no-start"),
        (6, 1, "B-LOC", "I-ORG", "type-switch"),
        (7, 2, "I-ORG", "B-PER,B-LOC", "multi-tag"),
    ]
    fixed = tmp_path / "fixed.conll"
    code, out = run("check-tags", str(src), "--input-scheme", "iob2", "--repair", "join", "--out", str(fixed), "--json")
    assert code == 0
    assert all(i["policy"] == "join" for i in json.loads(out)["issues"])
    assert fixed.read_text(encoding="utf-8") == "A\tO\nB\tB-PER\nC\tI-PER\n\nD\tB-LOC\nE\tB-ORG\nF\tB-PER\n"
    assert run("check-tags", str(fixed))[0] == 0
    assert run("check-tags", str(src), "--out", str(fixed))[0] == 2  # --out needs a repair


def test_check_tags_detects_over_the_whole_file(tmp_path: Path) -> None:
    src = tmp_path / "iob1.conll"
    # I-X at a sentence start and B-X only between two X entities: IOB1 reads it legally, IOB2 does not.
    src.write_text("a\tI-X\nb\tB-X\n\nc\tO\nd\tI-X\n", encoding="utf-8")
    code, out = run("check-tags", str(src), "--json")
    res = json.loads(out)
    assert code == 0 and res["scheme"] == "IOB1" and res["scheme_source"] == "detected"
    assert res["detection"]["candidates"]["IOB2"] == 2
    invalid = tmp_path / "invalid.conll"
    invalid.write_text("a\tB-X\nb\tM-X\nc\tI-X\n", encoding="utf-8")  # no scheme has B, M and I
    code, out = run("check-tags", str(invalid), "--json")
    assert code == 2 and json.loads(out)["scheme"] is None
    empty = tmp_path / "empty.conll"
    empty.write_text("", encoding="utf-8")
    assert run("check-tags", str(empty))[0] == 2


def test_check_tags_reads_tag_only_lines(tmp_path: Path) -> None:
    src = tmp_path / "seq.out"
    src.write_text("O B-a I-a O\nI-b O O B-c\n", encoding="utf-8")
    code, out = run("check-tags", str(src), "--json")
    assert code == 1
    issues = json.loads(out)["issues"]
    assert [(i["line"], i["position"], i["tag"]) for i in issues] == [(2, 0, "I-b")]
    fixed = tmp_path / "fixed.out"
    assert run("check-tags", str(src), "--repair", "drop", "--out", str(fixed))[0] == 0
    assert fixed.read_text(encoding="utf-8") == "O B-a I-a O\nO O O B-c\n"


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("ds")
    src = d / "s.conll"
    src.write_text(SAMPLE, encoding="utf-8")
    out = d / "out"
    align_file(src, str(FIXTURES / "tokenizers" / "wordpiece-bert"), out, scheme="bio", max_length=8, overlap=2)
    return src, out


def _gold_spans(path: Path) -> list[list[list[object]]]:
    return [[[s["start"], s["end"], s["label"]] for s in json.loads(x)["spans"]] for x in path.read_text().splitlines()]


def test_decode_gold_ids_logits_and_probabilities(dataset: tuple[Path, Path], tmp_path: Path) -> None:
    import datasets

    src, out = dataset
    gold_out = tmp_path / "gold.jsonl"
    code, _ = run("decode", str(out), "-o", str(gold_out), "--text-from", str(src))
    assert code == 0
    recs = [json.loads(x) for x in gold_out.read_text().splitlines()]
    # By hand: "John Smith visited New York ." and "Paris Berlin and Anna Berg met Bob ."
    assert [[(s["text"], s["label"]) for s in r["spans"]] for r in recs] == [
        [("John Smith", "PER"), ("New York", "LOC")],
        [("Paris", "LOC"), ("Berlin", "LOC"), ("Anna Berg", "PER"), ("Bob", "PER")],
    ]
    ds = datasets.load_from_disk(str(out))
    assert len(ds) > 2, "windows must be in play"
    n_labels = len(json.loads((out / "labels.json").read_text())["labels"])
    width = max(len(r) for r in ds["input_ids"]) + 3  # padded past every row
    ids = np.full((len(ds), width), -100, dtype=np.int64)
    logits = np.zeros((len(ds), width, n_labels), dtype=np.float32)
    # A model that agrees with the gold labels: every piece of a word predicts the word's label (its first
    # piece's), specials predict O (they must be ignored whatever they say).
    word_label = {
        (r["id"], w): lab for r in ds for lab, w in zip(r["labels"], r["word_ids"], strict=True) if lab >= 0 and w is not None
    }
    for i, r in enumerate(ds):
        for k, w in enumerate(r["word_ids"]):
            lab = word_label.get((r["id"], w), 0) if w is not None else 0
            ids[i, k] = lab
            logits[i, k, lab] = 4.0
    probs = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.save(tmp_path / "ids.npy", ids)
    np.save(tmp_path / "logits.npy", logits)
    with open(tmp_path / "probs.jsonl", "w") as fh:
        for i, labs in enumerate(ds["labels"]):
            fh.write(json.dumps({"probabilities": probs[i, : len(labs)].tolist()}) + "\n")
    # ... and a model that disagrees on the non-first pieces (says O there): only `first` still reads the words.
    np.save(tmp_path / "ids_o.npy", np.where(np.array([[*r, *[-100] * (width - len(r))] for r in ds["labels"]]) >= 0, ids, 0))
    for pred, agg in (("ids.npy", "first"), ("logits.npy", "average"), ("probs.jsonl", "max")):
        p_out = tmp_path / f"{pred}.out"
        code, output = run("decode", str(out), "-o", str(p_out), "--predictions", str(tmp_path / pred), "--aggregation", agg)
        assert code == 0, output
        assert _gold_spans(p_out) == _gold_spans(gold_out)
    o_out = tmp_path / "o.out"
    for agg, same in (("first", True), ("average", False)):
        assert (
            run("decode", str(out), "-o", str(o_out), "--predictions", str(tmp_path / "ids_o.npy"), "--aggregation", agg)[0] == 0
        )
        assert (_gold_spans(o_out) == _gold_spans(gold_out)) == same
    # A prediction file with the wrong number of rows is an input error, not a crash.
    np.save(tmp_path / "short.npy", ids[:1])
    code, _ = run("decode", str(out), "-o", str(tmp_path / "x.jsonl"), "--predictions", str(tmp_path / "short.npy"))
    assert code == 2 and not (tmp_path / "x.jsonl").exists()


def test_evaluate_cli_names_the_mode(tmp_path: Path) -> None:
    gold = tmp_path / "g.conll"
    pred = tmp_path / "p.conll"
    gold.write_text("a\tB-X\nb\tI-X\nc\tO\nd\tB-Y\n", encoding="utf-8")
    pred.write_text("a\tB-X\nb\tI-X\nc\tO\nd\tI-Y\n", encoding="utf-8")
    code, out = run("evaluate", str(gold), str(pred))
    assert code == 0 and "seqeval default" in out
    code, out = run("evaluate", str(gold), str(pred), "--mode", "strict", "--scheme", "iob2", "--json")
    res = json.loads(out)
    assert res["mode"] == "strict" and res["overall"]["exact"]["correct"] == 1 and res["overall"]["exact"]["pred"] == 1
    code, out = run("evaluate", str(gold), str(pred), "--json")
    assert json.loads(out)["overall"]["exact"]["correct"] == 2  # default mode reads the stray I-Y as an entity
    short = tmp_path / "short.conll"
    short.write_text("a\tB-X\n", encoding="utf-8")
    assert run("evaluate", str(gold), str(short))[0] == 2


def _err(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output + (res.stderr if hasattr(res, "stderr") else "")


def test_evaluate_refuses_tag_files_over_other_tokens(tmp_path: Path) -> None:
    gold = tmp_path / "g.conll"
    pred = tmp_path / "p.conll"
    gold.write_text("a\tB-X\nb\tI-X\n\nc\tO\nd\tB-Y\n", encoding="utf-8")
    # Same counts, but the second sentence holds other tokens: pairing by position would score nonsense.
    pred.write_text("a\tB-X\nb\tI-X\n\nc\tO\nz\tB-Y\n", encoding="utf-8")
    code, out = _err("evaluate", str(gold), str(pred))
    assert code == 2
    assert "sequence 2, token 2" in out and "'z'" in out and "'d'" in out
    assert "p.conll:5" in out  # the offending token's line in the prediction file


def _jsonl(path: Path, recs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return path


def test_evaluate_missing_predictions_are_refused_unless_asked_to_score_them_empty(tmp_path: Path) -> None:
    gold = _jsonl(
        tmp_path / "g.jsonl",
        [
            {"id": "1", "text": "Anna lives", "spans": [{"start": 0, "end": 4, "label": "PER"}]},
            {"id": "2", "text": "Bob lives", "spans": [{"start": 0, "end": 3, "label": "PER"}]},
        ],
    )
    pred = _jsonl(tmp_path / "p.jsonl", [{"id": "1", "text": "Anna lives", "spans": [{"start": 0, "end": 4, "label": "PER"}]}])
    code, out = _err("evaluate", str(gold), str(pred))
    assert code == 2 and "no prediction for 1 of the 2" in out and "--missing empty" in out
    code, out = _err("evaluate", str(gold), str(pred), "--missing", "empty", "--json")
    assert code == 0, out
    res = json.loads(out)
    assert res["missing_predictions"] == 1
    exact = res["overall"]["exact"]
    assert (exact["gold"], exact["pred"], exact["correct"]) == (2, 1, 1)
    code, out = _err("evaluate", str(gold), str(pred), "--missing", "empty")
    assert "1 gold examples had no prediction" in out


def test_evaluate_refuses_span_files_over_other_texts_or_repeated_ids(tmp_path: Path) -> None:
    gold = _jsonl(tmp_path / "g.jsonl", [{"id": "1", "text": "Anna lives", "spans": [{"start": 0, "end": 4, "label": "PER"}]}])
    other = _jsonl(tmp_path / "p.jsonl", [{"id": "1", "text": "Hanna lives", "spans": [{"start": 0, "end": 4, "label": "PER"}]}])
    code, out = _err("evaluate", str(gold), str(other))
    assert code == 2 and "another text" in out and "p.jsonl:1" in out
    twice = _jsonl(
        tmp_path / "p2.jsonl",
        [
            {"id": "1", "text": "Anna lives", "spans": []},
            {"id": "1", "text": "Anna lives", "spans": [{"start": 0, "end": 4, "label": "PER"}]},
        ],
    )
    code, out = _err("evaluate", str(gold), str(twice))
    assert code == 2 and "appears twice" in out and "p2.jsonl:2" in out


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_decode_refuses_scores_that_are_not_finite(dataset: tuple[Path, Path], tmp_path: Path, bad: float) -> None:
    import datasets

    _, out = dataset
    ds = datasets.load_from_disk(str(out))
    n_labels = len(json.loads((out / "labels.json").read_text())["labels"])
    width = max(len(r) for r in ds["input_ids"])
    logits = np.zeros((len(ds), width + 2, n_labels), dtype=np.float32)
    logits[:, width:, :] = bad  # padding past every row: never read, not an error
    np.save(tmp_path / "ok.npy", logits)
    code, output = run("decode", str(out), "-o", str(tmp_path / "ok.jsonl"), "--predictions", str(tmp_path / "ok.npy"))
    assert code == 0, output
    logits[1, 2, 0] = bad  # inside row 1
    np.save(tmp_path / "bad.npy", logits)
    code, output = run("decode", str(out), "-o", str(tmp_path / "bad.jsonl"), "--predictions", str(tmp_path / "bad.npy"))
    assert code == 2
    assert "prediction row 1, position 2: scores are not finite numbers" in output
    assert not (tmp_path / "bad.jsonl").exists()


def test_decode_text_from_must_be_the_aligned_file(dataset: tuple[Path, Path], tmp_path: Path) -> None:
    _, out = dataset
    # Same ids (sentence numbers), other sentences: another split of the corpus.
    other = tmp_path / "other.conll"
    other.write_text("Bob B-PER\nmet O\nAnna B-PER\n\nIt O\nrained O\ntoday O\nin O\nOslo B-LOC\n.\tO\n", encoding="utf-8")
    code, output = run("decode", str(out), "-o", str(tmp_path / "x.jsonl"), "--text-from", str(other))
    assert code == 2
    assert "example 0: the dataset has a token at characters" in output
    assert "--text-from must be the file the dataset was aligned from" in output
    assert not (tmp_path / "x.jsonl").exists()
    fewer = tmp_path / "fewer.conll"
    fewer.write_text(SAMPLE.split("\n\nParis")[0] + "\n", encoding="utf-8")
    code, output = run("decode", str(out), "-o", str(tmp_path / "x.jsonl"), "--text-from", str(fewer))
    assert code == 2
    assert "1 example(s) of the dataset have no text in this file (first: 1)" in output


def test_decode_text_from_renames_repeated_ids_as_align_did(tmp_path: Path) -> None:
    src = tmp_path / "dup.jsonl"
    recs = [
        {"id": "a", "text": "Anna met Bob", "spans": [{"start": 0, "end": 4, "label": "PER"}]},
        {"id": "a", "text": "Oslo is cold", "spans": [{"start": 0, "end": 4, "label": "LOC"}]},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    out = tmp_path / "ds"
    align_file(src, str(FIXTURES / "tokenizers" / "wordpiece-bert"), out, scheme="bio")
    code, output = run("decode", str(out), "-o", str(tmp_path / "d.jsonl"), "--text-from", str(src))
    assert code == 0, output
    got = [json.loads(x) for x in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert [(g["id"], g["text"], [s["text"] for s in g["spans"]]) for g in got] == [
        ("a", "Anna met Bob", ["Anna"]),
        ("a#2", "Oslo is cold", ["Oslo"]),
    ]


@pytest.mark.parametrize("pad", [float("nan"), -100.0])
def test_decode_reads_the_kind_of_scores_inside_the_rows_only(dataset: tuple[Path, Path], tmp_path: Path, pad: float) -> None:
    """Probabilities padded past each row (Trainer pads with -100) are still probabilities, not logits."""
    import datasets

    _, out = dataset
    ds = datasets.load_from_disk(str(out))
    n_labels = len(json.loads((out / "labels.json").read_text())["labels"])
    width = max(len(r) for r in ds["input_ids"]) + 2
    probs = np.full((len(ds), width, n_labels), pad, dtype=np.float64)
    for i, labs in enumerate(ds["labels"]):
        probs[i, : len(labs)] = 0.001 / (n_labels - 1)
        for k, lab in enumerate(labs):
            probs[i, k, max(lab, 0)] = 0.999
    np.save(tmp_path / "p.npy", probs)
    rep = tmp_path / "r.json"
    code, output = run(
        "decode", str(out), "-o", str(tmp_path / "p.jsonl"), "--predictions", str(tmp_path / "p.npy"), "--report", str(rep)
    )
    assert code == 0, output
    assert json.loads(rep.read_text())["meta"]["kind"] == "probabilities"
    scores = [s["score"] for x in (tmp_path / "p.jsonl").read_text().splitlines() for s in json.loads(x)["spans"]]
    assert scores and min(scores) > 0.99  # a second softmax would flatten them to about 0.58


def test_decode_text_from_reads_the_file_as_align_read_it(tmp_path: Path) -> None:
    """Columns (and encoding, offset unit, origins) given to align are in report.json; decode uses them."""
    src = tmp_path / "idx.tsv"
    src.write_text("1\tJohn\tB-PER\n2\tvisited\tO\n3\tParis\tB-LOC\n\n1\tBob\tB-PER\n", encoding="latin-1")
    out = tmp_path / "ds"
    args = ["--from", "conll", "--token-column", "2", "--tag-column", "3", "--encoding", "latin-1", "--input-scheme", "iob2"]
    code, output = run("align", str(src), "-t", str(FIXTURES / "tokenizers" / "wordpiece-bert"), "--out", str(out), "-q", *args)
    assert code == 0, output
    code, output = run("decode", str(out), "-o", str(tmp_path / "d.jsonl"), "--text-from", str(src))
    assert code == 0, output
    got = [json.loads(x) for x in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert [(g["text"], [s["text"] for s in g["spans"]]) for g in got] == [
        ("John visited Paris", ["John", "Paris"]),
        ("Bob", ["Bob"]),
    ]


def test_decode_text_from_skips_the_records_align_skipped(tmp_path: Path) -> None:
    src = tmp_path / "o.jsonl"
    recs = [
        {"id": "a", "text": "Tokyo is far.", "spans": [{"start": 0, "end": 5, "label": "LOC"}], "meta": {"origin": "draft"}},
        {
            "id": "a",
            "text": "Paris is nice.",
            "spans": [{"start": 0, "end": 5, "label": "LOC"}],
            "meta": {"origin": "annotation"},
        },
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    out = tmp_path / "ds"
    assert align_file(src, str(FIXTURES / "tokenizers" / "wordpiece-bert"), out, scheme="bio").meta["not_aligned_by_origin"] == {
        "draft": 1
    }
    code, output = run("decode", str(out), "-o", str(tmp_path / "d.jsonl"), "--text-from", str(src))
    assert code == 0, output
    got = [json.loads(x) for x in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert [(g["id"], g["text"], [s["text"] for s in g["spans"]]) for g in got] == [("a", "Paris is nice.", ["Paris"])]
