"""ATIS-style parallel files: ``seq.in`` (space-separated tokens) and ``seq.out`` (one tag per token), line by line.

PATH is ``seq.in`` (its sibling ``seq.out`` is read with it), a split directory holding both, or a corpus
directory whose split subdirectories hold them (read in the order train, valid/dev, test, then the rest by
name; example ids are ``split-N``). The intent file (``label``) is not read: it labels utterances, not spans.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import InputError
from ..model import Example
from ..schemes import TagError, parse_tag
from .textio import read_lines

NAME = "atis"
EXTENSIONS = (".in",)
_SPLIT_ORDER = ("train", "valid", "dev", "test")


def sniff(head: str) -> bool:
    return False  # seq.in is plain text: recognised by its name and its seq.out sibling, never by content


def _pairs(p: Path) -> list[tuple[str | None, Path, Path]]:
    if p.is_file():
        return [(None, p, p.with_name("seq.out"))] if p.name == "seq.in" else []
    if (p / "seq.in").is_file():
        return [(None, p / "seq.in", p / "seq.out")]
    if not p.is_dir():
        return []
    subs = [d for d in p.iterdir() if d.is_dir() and (d / "seq.in").is_file()]
    subs.sort(key=lambda d: (_SPLIT_ORDER.index(d.name) if d.name in _SPLIT_ORDER else len(_SPLIT_ORDER), d.name))
    return [(d.name, d / "seq.in", d / "seq.out") for d in subs]


def sniff_path(path: str | Path) -> bool:
    """True for a seq.in with a seq.out beside it, or a directory holding such pairs (directly or per split)."""
    return any(out.is_file() for _, _, out in _pairs(Path(path)))


def read(path: str | Path, *, encoding: str = "utf-8", **_: object) -> Iterator[Example]:
    p = Path(path)
    if not p.exists():
        raise InputError("no such file or directory", file=str(p))
    pairs = _pairs(p)
    if not pairs:
        raise InputError("no ATIS seq.in file here", file=str(p), hint="pass seq.in, or a directory holding seq.in and seq.out")
    for split, fin, fout in pairs:
        if not fout.is_file():
            raise InputError(
                "seq.in has no seq.out beside it", file=str(fin), hint="ATIS data comes as parallel seq.in/seq.out files"
            )
        yield from _read_pair(split, fin, fout, encoding)


def _read_pair(split: str | None, fin: Path, fout: Path, encoding: str) -> Iterator[Example]:
    k = 0
    tags_lines = read_lines(fout, encoding)
    for n, line in read_lines(fin, encoding):
        got = next(tags_lines, None)
        if got is None:
            raise InputError(f"seq.out ends before seq.in (line {n} has no tags)", file=str(fout), line=n)
        tag_line = got[1]
        words = line.split()
        tags = tag_line.split()
        if not words and not tags:
            continue  # an empty utterance has nothing to lose
        if len(words) != len(tags):
            raise InputError(
                f"{len(words)} tokens in seq.in but {len(tags)} tags in seq.out",
                file=str(fout),
                line=n,
                hint="the two files must be parallel: one tag per token on the same line",
            )
        for t in tags:
            try:
                parse_tag(t)
            except TagError as exc:
                raise InputError(str(exc), file=str(fout), line=n) from None
        ex_id = f"{split}-{k}" if split else str(k)
        yield Example.from_words(ex_id, words, tags, doc_id=split, line=n)
        k += 1
    for n, rest in tags_lines:
        if rest.strip():
            raise InputError("seq.out has more lines than seq.in", file=str(fout), line=n)


def write(path: str | Path, examples: object) -> int:
    raise InputError("writing ATIS files is not supported; convert to conll or jsonl", file=str(path))
