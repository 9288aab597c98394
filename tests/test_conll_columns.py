"""CoNLL -> CoNLL keeps every column (POS, chunk, ...) with only the tag changed; into other formats the
dropped columns are named in the report. Nothing the user did not ask to change disappears silently."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import shared_path

from seqalign.api import convert_file
from seqalign.cli import main
from seqalign.schemes import convert_tags, get_scheme

IOB1 = """-DOCSTART- -X- -X- O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
. . O O

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

BRUSSELS NNP I-NP I-LOC
1996-08-22 CD I-NP O
"""


def _lines(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines()]


def _expected(src_text: str, tag_at: int, sep: str = " ") -> str:
    """The input with each sentence's tags converted IOB1 -> BIO on their own, every other cell as it was."""
    out, block = [], []

    def flush() -> None:
        tags, _, _ = convert_tags([r[tag_at] for r in block], get_scheme("iob1"), get_scheme("bio"))
        out.extend(sep.join([*r[:tag_at], t, *r[tag_at + 1 :]]) for r, t in zip(block, tags, strict=True))
        block.clear()

    for line in src_text.splitlines():
        cols = line.split(sep) if line else []
        if not cols or cols[0] == "-DOCSTART-":
            if block:
                flush()
                out.append("")
            if cols:
                out.extend([line, ""])
            continue
        block.append(cols)
    if block:
        flush()
        out.append("")
    return "\n".join(out) + "\n"


def test_conll_to_conll_keeps_pos_and_chunk_columns(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.conll", tmp_path / "out.conll"
    src.write_text(IOB1)
    report = convert_file(src, dst, scheme="bio", input_scheme="iob1")
    got = dst.read_text()
    assert got == _expected(IOB1, 3)
    assert "B-ORG" in got and "NNP I-NP B-PER" in got  # the tags did change, the other columns did not
    assert not any("columns" in n for n in report.notes)


def test_tab_separated_columns_and_a_tag_column_in_the_middle(tmp_path: Path) -> None:
    text = "1\tEU\tI-ORG\tNNP\n2\trejects\tO\tVBZ\n\n1\tPeter\tI-PER\tNNP\n2\tBlackburn\tI-PER\tNNP\n"
    src, dst = tmp_path / "in.tsv", tmp_path / "out.conll"
    src.write_text(text)
    args = ["convert", str(src), str(dst), "--from", "conll", "--token-column", "2", "--tag-column", "3"]
    res = CliRunner().invoke(main, [*args, "--input-scheme", "iob1", "--scheme", "bio"])
    assert res.exit_code == 0, res.output
    assert dst.read_text() == _expected(text, 2, "\t")


def test_other_targets_name_the_columns_they_drop(tmp_path: Path) -> None:
    src, dst = tmp_path / "in.conll", tmp_path / "out.jsonl"
    src.write_text(IOB1)
    report = convert_file(src, dst, scheme="bio", input_scheme="iob1")
    assert any("the input has 4 columns; only the token and the tag go into jsonl" in n for n in report.notes)


def test_two_column_files_comments_and_empty_documents_come_back(tmp_path: Path) -> None:
    text = "-DOCSTART- O\n\n-DOCSTART- O\n\n# sent 1 http://x\nEU I-ORG\nrejects O\n\n# sent 2\nBob I-PER\n"
    src, dst = tmp_path / "in.conll", tmp_path / "out.conll"
    src.write_text(text)
    report = convert_file(src, dst, scheme="bio", input_scheme="iob1")
    assert dst.read_text() == text.replace("I-ORG", "B-ORG").replace("I-PER", "B-PER") + "\n"
    assert not any("columns" in n for n in report.notes)


@pytest.mark.zoo
def test_conll2003_train_keeps_every_cell_but_the_tags(tmp_path: Path) -> None:
    src = shared_path("corpora", "conll2003", "iob1", "eng.train")
    dst = tmp_path / "eng.train.bio"
    convert_file(src, dst, scheme="bio", input_scheme="iob1")
    a = [line.split() for line in src.read_text(encoding="utf-8").splitlines() if line.strip()]
    b = [line.split() for line in dst.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(a) == len(b)
    assert [r[:3] for r in a] == [r[:3] for r in b]  # token, POS, chunk
    changed = sum(x[3] != y[3] for x, y in zip(a, b, strict=True))
    assert changed > 0 and all(y[3] == "O" or y[3][:2] in ("B-", "I-") for y in b)
