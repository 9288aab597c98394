"""Case 26: overlapping spans cannot share one flat tag sequence. validate names the overlap; convert into
flat tags refuses by default and otherwise follows the named policy, reporting every dropped span."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import shared_path

from seqalign.api import convert_file
from seqalign.api_formats import validate_file
from seqalign.cli import main
from seqalign.errors import DataProblem
from seqalign.formats import get_format

POLICIES = {"keep_longest": "keep-longer", "keep_first_then_shorter": "keep-first"}


def _case(tmp: Path) -> tuple[dict[str, Any], Path]:
    case = json.loads(shared_path("cases", "case-26.json").read_text(encoding="utf-8"))
    p = tmp / "c26.jsonl"
    rec = {"id": "c26", "text": case["input"]["text"], "spans": case["input"]["spans"]}
    p.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    return case, p


def _tags(path: Path) -> list[str]:
    return [
        ln.split("\t")[1]
        for ln in path.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("-DOCSTART-")
    ]


def test_validate_names_the_overlap(tmp_path: Path) -> None:
    case, p = _case(tmp_path)
    nested = [d for d in validate_file(p).diagnostics if d.code in ("V120", "V121")]
    assert len(nested) == 1
    spans = {(s["start"], s["end"], s["label"]) for s in case["input"]["spans"]}
    assert nested[0].span is not None and nested[0].span.as_tuple() in spans


def test_default_refuses_with_both_spans(tmp_path: Path) -> None:
    case, p = _case(tmp_path)
    out = tmp_path / "o.conll"
    with pytest.raises(DataProblem) as exc:
        convert_file(p, out, scheme="bilou")
    msg = str(exc.value)
    for s in case["input"]["spans"]:
        assert f"({s['start']},{s['end']},{s['label']})" in msg
    assert not out.exists()
    res = CliRunner().invoke(main, ["convert", str(p), str(out), "--scheme", "bilou"])
    assert res.exit_code == 1 and "Traceback" not in res.output


@pytest.mark.parametrize("policy", sorted(POLICIES))
def test_policies_give_the_expected_tags_and_report_the_dropped_span(tmp_path: Path, policy: str) -> None:
    case, p = _case(tmp_path)
    want = case["expected"]["by_overlap_policy"][policy]
    out = tmp_path / "o.conll"
    report = convert_file(p, out, scheme="bilou", overlaps=POLICIES[policy])
    assert _tags(out) == want["tags"]
    dropped = [d.span.as_tuple() for d in report.diagnostics if d.code == "S204" and d.span is not None]
    assert [list(t) for t in dropped] == want["dropped"]
    assert report.counts.balanced() and report.counts.lost == len(want["dropped"])


def test_span_formats_keep_both(tmp_path: Path) -> None:
    """Targets that can hold overlaps (brat, Label Studio, doccano, JSONL) keep both spans: nothing to decide."""
    case, p = _case(tmp_path)
    want = sorted((s["start"], s["end"], s["label"]) for s in case["input"]["spans"])
    for fmt, name in (("brat", "b"), ("label_studio", "l.json"), ("doccano", "d.jsonl"), ("jsonl", "j.jsonl")):
        out = tmp_path / name
        report = convert_file(p, out, to_fmt=fmt)
        assert report.counts.lost == 0
        got = [s.as_tuple() for ex in get_format(fmt).read(out) for s in ex.spans]
        assert sorted(got) == want, fmt


def test_nested_brat_corpus_into_flat_tags_accounts_for_every_span(tmp_path: Path) -> None:
    src = shared_path("corpora", "brat", "pgxcorpus")
    out = tmp_path / "pgx.conll"
    report = convert_file(src, out, overlaps="keep-longer", alignment="expand", discontinuous="hull")
    c = report.counts
    assert c.spans_in == 2081 and c.balanced()
    assert report.code_counts()["F203"] == 115  # every discontinuous span reported under its policy
    lost = [d for d in report.diagnostics if d.outcome is not None and d.outcome.value == "lost"]
    assert len(lost) == c.lost > 0
