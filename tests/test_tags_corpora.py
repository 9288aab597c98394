"""check-tags on the shared corpora: exactly the illegal transitions present, and every repair's output legal.

The expected transitions come from a tiny checker written here (a per-scheme automaton, independent of
seqalign.schemes) and from the statements in each corpus's SOURCE.txt.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import shared_path

from seqalign.api_tags import check_tags_file
from seqalign.tag_sources import read_sequences


def _split(tag: str) -> tuple[str, str]:
    return ("O", "") if tag == "O" else (tag[0], tag[2:])


def hand_check(tags: list[str], scheme: str) -> list[int]:
    """Positions of illegal transitions (len(tags) = at the end). One per position, like check-tags."""
    bad: list[int] = []
    if scheme == "IOB2":
        prev = "O"
        for i, t in enumerate(tags):
            p, ty = _split(t)
            if p == "I" and prev not in (f"B-{ty}", f"I-{ty}"):
                bad.append(i)
            prev = t
        return bad
    # IOBES / BMES: an automaton over the open entity's type.
    inner = "M" if scheme == "BMES" else "I"
    open_type: str | None = None
    for i, t in enumerate(tags):
        p, ty = _split(t)
        if p in (inner, "E"):
            if open_type != ty:
                bad.append(i)
            open_type = ty if p == inner else None
        else:  # O, B, S need no open entity
            if open_type is not None:
                bad.append(i)
            open_type = ty if p == "B" else None
    if open_type is not None:
        bad.append(len(tags))
    return bad


def _first_of_cell(tag: str) -> str:
    # WNUT-17's comma-joined cells: check-tags reads the transitions with the first listed tag.
    return tag.split(",")[0]


# (path, scheme, illegal transitions per SOURCE.txt or None when SOURCE.txt gives no number, multi-tag cells)
CORPORA = [
    ("conll2002/es/esp.testa", "IOB2", 1, 0),  # "esp.testa line 30882 Río NC I-LOC"
    ("conll2002/es/esp.testb", "IOB2", 1, 0),  # "esp.testb line 9291 Calidad NC I-MISC"
    ("conll2002/nl/ned.testb", "IOB2", None, 0),
    ("weibo_ner/weiboNER_2nd_conll.train", "IOB2", 10, 0),  # 9 stray I- after O + 1 type switch
    ("weibo_ner/weiboNER_2nd_conll.test", "IOB2", 4, 0),
    ("resume_ner/train.char.bmes", "BMES", 4, 0),  # 2 entities not closed + 2 M- without B-
    ("wnut17/emerging.test.conll", "IOB2", None, 297),  # 297 comma-joined multi-tag lines
    ("atis/test/seq.out", "IOB2", 0, 0),  # "no I- without B-"
    ("iobes_ncrfpp_sample/train.bmes", "IOBES", 0, 0),  # "No scheme violations"
    ("iobes_ncrfpp_sample/test.bmes", "IOBES", 0, 0),
]


@pytest.mark.parametrize(("rel", "scheme", "stated", "multi"), CORPORA, ids=[c[0] for c in CORPORA])
def test_check_tags_lists_exactly_the_illegal_transitions(rel: str, scheme: str, stated: int | None, multi: int) -> None:
    path = shared_path("corpora", *rel.split("/"))
    res = check_tags_file(path)
    assert res.scheme == scheme  # detected (or closest when the file is invalid under every scheme)
    _, seqs = read_sequences(path)
    expected = {(s.id, pos) for s in seqs for pos in hand_check([_first_of_cell(t) for t in s.tags], scheme)}
    got = {(i.example_id, i.position) for i in res.issues if i.code == "T101"}
    assert got == expected
    if stated is not None:
        assert len(expected) == stated
    if rel == "conll2002/es/esp.testb":
        # SOURCE.txt: 'esp.testb line 9291 "Calidad NC I-MISC"'; invalid under every scheme, IOB2 closest.
        assert res.scheme_source == "closest" and res.first_invalid is not None
        assert res.first_invalid["line"] == 9291 and res.first_invalid["tag"] == "I-MISC"
    assert sum(1 for i in res.issues if i.kind == "multi-tag") == multi
    # Every reported line holds the reported tag.
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    for i in res.issues:
        tag = i.tag if i.tag is not None else i.prev
        assert i.line is not None and tag is not None
        cells = lines[i.line - 1].split()
        assert tag in cells or tag in [_first_of_cell(c) for c in cells], (i.line, tag)


# Every policy on every corpus with illegal transitions; Resume train (the slowest to read) once per policy
# would cost ~10 s, so it runs the policies that differ there (begin repairs both faults, drop removes them).
REPAIRED = [
    (rel, scheme, policy)
    for rel, scheme in (
        ("conll2002/es/esp.testb", "IOB2"),
        ("weibo_ner/weiboNER_2nd_conll.test", "IOB2"),
        ("wnut17/emerging.test.conll", "IOB2"),
    )
    for policy in ("begin", "join", "drop")
] + [("resume_ner/train.char.bmes", "BMES", "begin"), ("resume_ner/train.char.bmes", "BMES", "drop")]


@pytest.mark.parametrize(("rel", "scheme", "policy"), REPAIRED, ids=[f"{c[0]}-{c[2]}" for c in REPAIRED])
def test_each_repair_writes_a_legal_file_and_reports_every_change(rel: str, scheme: str, policy: str, tmp_path: Path) -> None:
    path = shared_path("corpora", *rel.split("/"))
    out = tmp_path / "repaired.txt"
    res = check_tags_file(path, repair=policy, out=out)
    assert res.issues and all(i.policy == policy for i in res.issues)
    _, seqs = read_sequences(out)
    for s in seqs:
        assert hand_check(s.tags, scheme) == [], (s.id, s.tags)
        assert all("," not in t for t in s.tags)
    again = check_tags_file(out, input_scheme=scheme.lower())
    assert again.issues == []
    # Only tag cells changed, and every changed cell is inside a reported repair.
    before = path.read_text(encoding="utf-8").splitlines()
    after = out.read_text(encoding="utf-8").splitlines()
    assert len(before) == len(after)
    changed = [n for n, (a, b) in enumerate(zip(before, after, strict=True), 1) if a != b]
    for n in changed:
        assert before[n - 1].split()[:-1] == after[n - 1].split()[:-1]
    reported = {
        s_line
        for i in res.issues
        if i.changed
        for s in seqs
        if s.id == i.example_id
        for k, s_line in enumerate(s.lines or [])
        if i.changed["start"] <= k < i.changed["end"]
    }
    assert set(changed) <= reported
