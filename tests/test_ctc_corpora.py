"""export-ctc on real corpora: ATIS (BIO slots, all splits) and the CoNLL-2003 test set, both targets.

Expected counts come from each corpus's SOURCE.txt (computed there from the files), never from seqalign.
The feasibility check is judged by the numpy CTC loss on every exported example of the ATIS test split.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from test_ctc_core import ctc_nll, random_log_probs

from seqalign import ctc
from seqalign.export.ctc import CTCOptions, export_ctc, load_rows
from seqalign.pipeline import open_examples, resolve_input_scheme, word_tags_to_spans

pytestmark = [pytest.mark.zoo, pytest.mark.slow]

# (path under corpora, examples, entities) from SOURCE.txt
CORPORA = {
    "atis": (("atis",), 5871, 14851 + 1709 + 2837),
    "conll2003-testb": (("conll2003", "iob1", "eng.testb"), 3453, 5648),
}


@pytest.mark.parametrize("target", ["tags", "transcript"])
@pytest.mark.parametrize("corpus", sorted(CORPORA))
def test_corpus_exports_and_round_trips(tmp_path: Path, corpus: str, target: str) -> None:
    parts, n_examples, n_entities = CORPORA[corpus]
    src = shared_path("corpora", *parts)
    out = tmp_path / "out"
    rep = export_ctc(src, out, CTCOptions(target=target))
    c = rep.meta["ctc_counts"]
    assert c["examples_in"] == n_examples and c["exported"] == n_examples and c["balanced"]
    assert c["round_trip_exact"] == n_examples
    assert rep.counts.spans_in == n_entities and rep.counts.balanced()
    assert rep.counts.lost == 0 and rep.counts.exact + rep.counts.adjusted == n_entities
    rows = load_rows(out)
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    blank = labels["blank_id"]
    assert len(rows) == n_examples
    for row in rows:
        assert row["labels"] and blank not in row["labels"] and -100 not in row["labels"]
        assert row["label_length"] == len(row["labels"])
    # The spans of the rows are the reader's spans (read independently of the exporter).
    _, again = open_examples(src)
    exs = list(again())
    scheme, _ = resolve_input_scheme(exs, None)
    for ex in exs:
        word_tags_to_spans(ex, scheme)
    for row, ex in zip(rows, exs, strict=True):
        assert [(s["start"], s["end"], s["label"]) for s in row["spans"]] == [s.as_tuple() for s in ex.spans]
    if target == "transcript":
        markers = ctc.Markers(labels["markers"]["start"], labels["markers"]["end"])
        id2 = {int(k): v for k, v in labels["id2label"].items()}
        for row in rows:
            back = ctc.parse_transcript(row["transcript"], markers)
            assert "".join(back.items) == row["text"]
            assert [(s.start, s.end, s.label) for s in back.spans] == [(s["start"], s["end"], s["label"]) for s in row["spans"]]
            units = ctc.parse_units([id2[i] for i in row["labels"]], markers)
            assert [(s.start, s.end, s.label) for s in units.spans] == [
                (s["start"], s["end"], s["label"]) for s in row["target_spans"]
            ]
    else:
        for row in rows:
            assert len(row["tags"]) == len(row["labels"]) == len(row["unit_offsets"])


@pytest.mark.parametrize("target", ["tags", "transcript"])
def test_feasibility_agrees_with_the_ctc_loss_on_atis_test(tmp_path: Path, target: str) -> None:
    src = shared_path("corpora", "atis", "test")
    base = tmp_path / "base"
    export_ctc(src, base, CTCOptions(target=target))
    rows = load_rows(base)
    # Frames near the label length, chosen without the code's minimum: some targets fit, some cannot.
    r = random.Random(5)
    frames = {row["id"]: max(1, row["label_length"] + r.randint(-2, max(3, row["label_length"] // 3))) for row in rows}
    f = tmp_path / "frames.tsv"
    f.write_text("".join(f"{k}\t{v}\n" for k, v in frames.items()), encoding="utf-8")
    out = tmp_path / "checked"
    rep = export_ctc(src, out, CTCOptions(target=target, input_lengths=str(f)))
    checked = load_rows(out)
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    v = len(labels["labels"])
    rng = np.random.default_rng(7)
    agree = 0
    verdicts = set()
    for row in checked:
        finite = math.isfinite(ctc_nll(random_log_probs(rng, frames[row["id"]], v), row["labels"], labels["blank_id"]))
        verdicts.add(finite)
        assert row["feasible"] == finite, row["id"]
        agree += 1
    assert agree == len(rows) == len(checked)
    assert verdicts == {True, False}
    c = rep.meta["ctc_counts"]
    assert c["feasible"] + c["infeasible_kept"] == len(rows)
