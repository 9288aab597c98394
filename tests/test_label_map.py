"""align --labels: a seqalign labels.json or a model's config.json (id2label/label2id) fixes the label ids;
a map that contradicts itself, or lacks the data's labels, is refused with exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from seqalign.cli import main

TOK = FIXTURES / "tokenizers" / "wordpiece-bert"
A = "John B-PER\nSmith I-PER\nvisited O\nParis B-LOC\n\n"
B = "Anna B-PER\nmet O\nBob B-PER\n\n"


def _align(tmp_path: Path, text: str, *opts: str, name: str = "out") -> tuple[int, str, Path]:
    src = tmp_path / f"{name}.conll"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / name
    res = CliRunner().invoke(main, ["align", str(src), "-t", str(TOK), "--out", str(out), "-q", "--input-scheme", "iob2", *opts])
    return res.exit_code, res.output, out


def _word_labels(out: Path) -> list[list[int]]:
    import datasets

    return [[lab for lab in r["labels"] if lab != -100] for r in datasets.load_from_disk(str(out))]


def _write(tmp_path: Path, obj: Any) -> Path:
    p = tmp_path / "map.json"
    p.write_text(json.dumps(obj), encoding="utf-8")
    return p


def test_a_second_split_takes_the_first_splits_label_ids(tmp_path: Path) -> None:
    code, output, first = _align(tmp_path, A, name="a")
    assert code == 0, output
    code, output, second = _align(tmp_path, B, "--labels", str(first / "labels.json"), name="b")
    assert code == 0, output
    labels = json.loads((first / "labels.json").read_text())["labels"]
    assert json.loads((second / "labels.json").read_text())["labels"] == labels
    ix = {lab: i for i, lab in enumerate(labels)}
    assert _word_labels(second) == [[ix["B-PER"], ix["O"], ix["B-PER"]]]


def test_a_model_config_keeps_the_models_ids(tmp_path: Path) -> None:
    # a config whose ids are in no order seqalign would choose
    id2label = {"0": "B-LOC", "1": "I-PER", "2": "O", "3": "B-PER", "4": "I-LOC"}
    cfg = _write(tmp_path, {"architectures": ["BertForTokenClassification"], "id2label": id2label})
    code, output, out = _align(tmp_path, A, "--labels", str(cfg))
    assert code == 0, output
    assert _word_labels(out) == [[3, 1, 2, 0]]  # John Smith visited Paris
    assert json.loads((out / "labels.json").read_text())["labels"] == [id2label[str(i)] for i in range(5)]


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            {"labels": ["O", "B-PER", "I-PER", "B-LOC"], "label2id": {"O": 0, "B-PER": 2, "I-PER": 1, "B-LOC": 3}},
            "label2id disagrees",
        ),
        ({"labels": ["O", "B-PER", "I-PER", "B-LOC", "O"]}, "labels listed twice: O"),
        ({"id2label": {"0": "O", "1": "B-PER", "2": "I-PER", "4": "B-LOC"}}, "label ids must be 0..3"),
        ({"id2label": {"0": "O", "1": "B-PER"}, "label2id": {"O": 0, "B-PER": 1}}, "the label map lacks: B-LOC, I-LOC, I-PER"),
        ({"model_type": "bert"}, 'no "labels" list and no "id2label" map'),
        ([1, 2], "not a label map"),
        ({"labels": "O B-PER"}, 'unreadable label map: "labels" is not a list'),
        ({"labels": ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"], "scheme": "nonsense"}, "unknown \"scheme\" 'nonsense'"),
        ({"labels": ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"], "scheme": None}, '"scheme" None is not a scheme name'),
        ({"id2label": {"0": "O", "1": None}}, "label None is not a non-empty string"),
        ({"labels": ["O", "B-PER"], "label2id": {"O": 0, "B-PER": 1.9}}, "label id 1.9 is not a whole number"),
        ({"labels": ["O", "B-PER"], "label2id": {"O": 0, "B-PER": True}}, "label id True is not a whole number"),
        ({"id2label": {"0": "O", "-1": "B-PER"}}, "label id '-1' is not a whole number"),
        ({"label2id": {"O": 0, "B-PER": 1, "I-PER": 1}}, "label2id gives id 1 to B-PER, I-PER"),
        ({"labels": ["O"], "id2label": ["O"]}, '"id2label" is not an object'),
    ],
)
def test_a_bad_label_map_exits_2_saying_what_is_wrong(tmp_path: Path, obj: Any, message: str) -> None:
    code, output, out = _align(tmp_path, A, "--labels", str(_write(tmp_path, obj)))
    assert code == 2, output
    assert message in output
    assert "Traceback" not in output
    assert not out.exists()


def test_a_label_map_that_is_not_json(tmp_path: Path) -> None:
    bad = tmp_path / "map.json"
    bad.write_text("{labels: [O]}", encoding="utf-8")
    code, output, _ = _align(tmp_path, A, "--labels", str(bad))
    assert code == 2 and "not JSON" in output
