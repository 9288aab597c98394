"""CoNLL-U with the entity tag in MISC (``name=B-PER``, possibly ``SpaceAfter=No|name=...``).

The text is rebuilt from the forms and ``SpaceAfter=No``; comment lines and the other nine columns are kept,
so writing the sentences back changes nothing but the tags. Multiword-token (``1-2``) and empty-node
(``1.1``) lines are kept aside as part of the sentence.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Example
from .textio import read_lines
from .writing import atomic_text

NAME = "conllu"
EXTENSIONS = (".conllu",)
KIND = "tags"  # the writer takes (example, word tags) pairs, like conll
KEY = "name"


def sniff(head: str) -> bool:
    lines = [ln for ln in head.splitlines() if ln.strip() and not ln.startswith("#")][:10]
    return bool(lines) and all(len(ln.split("\t")) == 10 for ln in lines) and any(f"{KEY}=" in ln for ln in lines)


def _misc(misc: str) -> tuple[str | None, list[str]]:
    parts = [] if misc == "_" else misc.split("|")
    tag = None
    rest = []
    for p in parts:
        if p.startswith(f"{KEY}="):
            tag = p[len(KEY) + 1 :]
        else:
            rest.append(p)
    return tag, rest


def read(path: str | Path, *, encoding: str = "utf-8", key: str = KEY, **_: object) -> Iterator[Example]:
    file = str(path)
    comments: list[str] = []
    rows: list[list[str]] = []
    others: list[tuple[int, str]] = []
    first = 0
    k = 0

    def flush() -> Iterator[Example]:
        nonlocal comments, rows, others, k
        if rows:
            words, tags, offs, parts = [], [], [], []
            pos = 0
            text = ""
            for cols in rows:
                tag, rest = _misc(cols[9])
                words.append(cols[1])
                tags.append(tag or "O")
                offs.append((pos, pos + len(cols[1])))
                text += cols[1]
                pos += len(cols[1])
                if "SpaceAfter=No" not in rest:
                    text += " "
                    pos += 1
                parts.append(rest)
            if text.endswith(" "):
                text = text[:-1]
            sid = next((c.split("=", 1)[1].strip() for c in comments if c.startswith("# sent_id")), str(k))
            ex = Example(id=sid, text=text, words=words, word_offsets=offs, word_tags=tags, line=first)
            ex.meta = {
                "source_format": NAME,
                "extra": {"comments": comments, "rows": [c[:9] for c in rows], "misc": parts, "others": others},
            }
            k += 1
            yield ex
        comments, rows, others = [], [], []

    for n, line in read_lines(path, encoding):
        if not line.strip():
            yield from flush()
            continue
        if line.startswith("#"):
            if rows:
                raise InputError("comment line inside a sentence", file=file, line=n, hint="a blank line must end each sentence")
            if not comments:
                first = n
            comments.append(line)
            continue
        cols = line.split("\t")
        if len(cols) != 10:
            raise InputError(f"CoNLL-U lines have 10 tab-separated columns, found {len(cols)}: {line[:80]!r}", file=file, line=n)
        if not rows and not comments:
            first = n
        if not cols[0].isdigit():
            others.append((len(rows), line))  # multiword token or empty node
            continue
        tag, _rest = _misc(cols[9])
        if tag is None:
            raise InputError(
                f"token has no {key}= in MISC ({cols[9]!r})", file=file, line=n, hint="every token needs name=O or a tag"
            )
        rows.append(cols)
    yield from flush()


def _lines(ex: Example, tags: list[str]) -> Iterator[str]:
    extra: dict[str, Any] = ex.meta.get("extra", {}) if ex.meta.get("source_format") == NAME else {}
    rows = extra.get("rows")
    words = ex.words or []
    if rows is None or len(rows) != len(words):
        offs = ex.word_offsets or []
        rows = [[str(i + 1), w, "_", "_", "_", "_", "_", "_", "_"] for i, w in enumerate(words)]
        misc = [[] if i + 1 >= len(offs) or offs[i][1] < offs[i + 1][0] else ["SpaceAfter=No"] for i in range(len(words))]
        yield f"# text = {ex.text}\n"
    else:
        misc = extra.get("misc", [[] for _ in rows])
        for c in extra.get("comments", []):
            yield c + "\n"
    others = {}
    for i, line in extra.get("others", []) if rows is extra.get("rows") else []:
        others.setdefault(i, []).append(line)
    for i, (cols, tag) in enumerate(zip(rows, tags, strict=True)):
        for line in others.get(i, []):
            yield line + "\n"
        m = list(misc[i])
        yield "\t".join([*cols[:9], "|".join([*m, f"{KEY}={tag}"])]) + "\n"
    yield "\n"


def write(path: str | Path, examples: Iterable[tuple[Example, list[str]]], **_: object) -> int:
    count = 0

    def chunks() -> Iterator[str]:
        nonlocal count
        for ex, tags in examples:
            yield from _lines(ex, tags)
            count += 1

    atomic_text(path, chunks())
    return count
