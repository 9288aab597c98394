"""CoNLL-style column files: one token per line, blank lines between sentences, ``-DOCSTART-`` between documents.

The token is in ``token_column`` (default first) and the tag in ``tag_column`` (default last). A line that
starts with ``#`` is a comment unless it looks exactly like a token line of this file (WNUT-17 has ``#`` tokens).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError
from ..model import Example
from ..schemes import TagError, parse_tag
from .textio import read_lines

NAME = "conll"
EXTENSIONS = (
    ".conll",
    ".conllx",
    ".bio",
    ".iob",
    ".iob1",
    ".iob2",
    ".bmes",
    ".bioes",
    ".iobes",
    ".tsv",
    ".txt",
    ".train",
    ".testa",
    ".testb",
    ".dev",
    ".test",
)


def _split(line: str) -> list[str]:
    if "\t" in line:
        cols = line.split("\t")
        while cols and cols[-1] == "":
            cols.pop()
        return cols
    return [c for c in line.split(" ") if c]


def sniff(head: str) -> bool:
    lines = [ln for ln in head.splitlines() if ln.strip() and not ln.startswith("#")][:20]
    if not lines or lines[0].lstrip().startswith(("{", "[")):
        return False
    ok = 0
    for ln in lines:
        cols = _split(ln)
        try:
            if len(cols) >= 2:
                parse_tag(cols[-1])
                ok += 1
        except TagError:
            pass
    return ok >= max(1, len(lines) // 2)


def read(
    path: str | Path,
    *,
    token_column: int = 0,
    tag_column: int = -1,
    encoding: str = "utf-8",
    tag_check: bool = True,
    keep_columns: bool = False,
    **_: object,
) -> Iterator[Example]:
    """``tag_check=False`` passes unreadable tag cells (e.g. comma-joined multi-tags) through for the caller to
    report per line (``seqalign check-tags``); everything else still raises InputError.

    ``keep_columns``: keep every column of every token line in ``meta``, and the lines before the sentence
    that are not tokens (-DOCSTART-, ``#`` comments), so that ``write`` gives them back with only the tag
    changed (CoNLL-2003's POS and chunk columns survive a scheme conversion). Every example records
    ``meta["conll_width"]``, the file's column count."""
    file = str(path)
    words: list[str] = []
    tags: list[str] = []
    rows: list[list[str]] = []
    sep = " "
    before: list[str] = []  # keep_columns: the lines since the last sentence that are not tokens
    first_line = 0
    doc_index = -1
    doc_id: str | None = None
    n_examples = 0
    width: int | None = None  # column count of this file's token lines

    index_like = token_column == 0  # until the first sentence shows whether column 1 is a 1, 2, 3 ... index

    def flush() -> Iterator[Example]:
        nonlocal words, tags, rows, n_examples, index_like, before
        # GermEval/CoNLL-U style "idx token tag ..." files: reading the index as the token would export a
        # dataset of numbers without any error.
        if index_like and len(words) >= 2 and (width or 0) >= 3 and words == [str(i) for i in range(1, len(words) + 1)]:
            raise InputError(
                "the first column counts 1, 2, 3 ... like a token index, not tokens",
                file=file,
                line=first_line,
                hint="pass --token-column 2 (and --tag-column for the tag level you want)",
            )
        if words:
            index_like = False
            ex = Example.from_words(str(n_examples), words, tags, doc_id=doc_id, line=first_line)
            ex.meta["conll_width"] = width
            if keep_columns:
                ex.meta["conll_columns"] = {"rows": rows, "sep": sep, "tag_column": tag_column % (width or 1), "before": before}
                before = []
            yield ex
            n_examples += 1
        words, tags, rows = [], [], []

    need = max(token_column, tag_column if tag_column >= 0 else -tag_column - 1) + 1
    min_cols = max(2, need)
    for n, line in read_lines(path, encoding):
        if not line.strip():
            yield from flush()
            continue
        if "\t" in line:  # _split, inlined: this loop runs once per token of the corpus
            cols = line.split("\t")
            while cols and cols[-1] == "":
                cols.pop()
        else:
            cols = line.split(" ")
            if "" in cols:
                cols = [c for c in cols if c]
        if cols[0] == "-DOCSTART-" or line.startswith("-DOCSTART-"):
            yield from flush()
            doc_index += 1
            doc_id = f"doc{doc_index}"
            if keep_columns:
                before.append(line)
            continue
        if line.startswith("#"):
            is_token = width is not None and len(cols) == width
            if is_token:
                try:
                    parse_tag(cols[tag_column])
                except (TagError, IndexError):
                    is_token = False
            if not is_token:
                if keep_columns:
                    before.append(line)
                continue
        if len(cols) < min_cols:
            raise InputError(
                f"expected a token and a tag (at least {min_cols} columns), found {len(cols)}: {line[:80]!r}",
                file=file,
                line=n,
                hint="check the column separator, or pass --token-column/--tag-column",
            )
        if width is None:
            width = len(cols)
            sep = "\t" if "\t" in line else " "
        elif len(cols) != width:
            # "New York NNP I-NP B-LOC": a space inside a token shifts the columns and would silently drop "York".
            raise InputError(
                f"{len(cols)} columns here but {width} on the file's first token line: {line[:80]!r}",
                file=file,
                line=n,
                hint="a token with a space in it? columns must be the same on every line (use TABs to allow spaces)",
            )
        tag = cols[tag_column]
        if tag_check:
            try:
                parse_tag(tag)
            except TagError as exc:
                raise InputError(
                    str(exc), file=file, line=n, hint="fix the tag, or pick the tag column with --tag-column"
                ) from None
        if not words:
            first_line = n
        words.append(cols[token_column])
        tags.append(tag)
        if keep_columns:
            rows.append(cols)
    yield from flush()


def write(path: str | Path, examples: Iterable[tuple[Example, list[str]]], *, docstart: bool = True) -> int:
    """Write (example, word tags) pairs as ``token<TAB>tag`` lines, or as the columns ``read(keep_columns=True)``
    kept, with the tag replaced. Returns the number of sentences."""
    count = 0
    last_doc: str | None = None
    tmp = Path(f"{path}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            for ex, tags in examples:
                kept = ex.meta.get("conll_columns")
                if kept is not None and len(kept["rows"]) != len(tags):
                    kept = None
                if kept is not None:
                    for line in kept["before"]:  # -DOCSTART- (each followed by a blank line, as CoNLL has it), comments
                        fh.write(line + ("\n\n" if line.startswith("-DOCSTART-") else "\n"))
                    last_doc = ex.doc_id
                elif docstart and ex.doc_id is not None and ex.doc_id != last_doc:
                    fh.write("-DOCSTART-\tO\n\n")
                    last_doc = ex.doc_id
                if kept is not None:
                    # the columns as read, the tag column replaced
                    at, sep = kept["tag_column"], kept["sep"]
                    for row, t in zip(kept["rows"], tags, strict=True):
                        fh.write(sep.join([*row[:at], t, *row[at + 1 :]]) + "\n")
                else:
                    for w, t in zip(ex.words or [], tags, strict=True):
                        fh.write(f"{w}\t{t}\n")
                fh.write("\n")
                count += 1
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return count
