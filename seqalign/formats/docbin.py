"""spaCy DocBin (``.spacy``): documents with ``doc.ents`` and span groups (``doc.spans[key]``).

Reading gives one Example per Doc: entities, then every span group (``span_info["extra"]["group"]``), so
overlapping spans kept in a span group come through. Writing builds the tokens from the text itself, cut at
every span edge, so each span is exactly a token range (nothing is snapped); spans go to ``doc.ents`` when they
do not overlap, else all of them to the span group ``sc``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..model import Example
from .spaninfo import RawSpan, fragments_of, make_example, span_infos

NAME = "docbin"
EXTENSIONS = (".spacy",)
GROUP = "sc"


def sniff(head: str) -> bool:
    return False  # binary (msgpack + zlib): recognised by the .spacy extension


def _vocab() -> Any:
    try:
        import spacy
    except ImportError:  # pragma: no cover - spaCy is a dependency of this format only
        raise InputError("reading and writing .spacy files needs spaCy (pip install spacy)") from None
    return spacy.blank("xx").vocab


def read(path: str | Path, *, lenient: bool = False, **_: object) -> Iterator[Example]:
    from spacy.tokens import DocBin

    p = Path(path)
    if not p.is_file():
        raise InputError("no such file" if not p.exists() else "expected a .spacy file", file=str(p))
    try:
        db = DocBin().from_disk(p)
        docs = list(db.get_docs(_vocab()))
    except Exception as exc:  # msgpack/zlib errors have no common base class
        raise InputError(f"not a readable spaCy DocBin: {exc}", file=str(p), hint="was it written by DocBin.to_disk?") from None
    for k, doc in enumerate(docs):
        raws = [RawSpan(e.start_char, e.end_char, e.label_) for e in doc.ents]
        groups: list[str | None] = [None] * len(raws)
        for key, group in doc.spans.items():
            for sp in group:
                raws.append(RawSpan(sp.start_char, sp.end_char, sp.label_))
                groups.append(key)
        tokens = [[t.idx, t.idx + len(t.text)] for t in doc]
        ex = make_example(
            str(k), doc.text, raws, fmt=NAME, line=k + 1, lenient=lenient, file=str(p), where=f"doc {k}", extra={"tokens": tokens}
        )
        for info, g in zip(ex.meta["span_info"], groups, strict=False):
            if g is not None:
                info["extra"] = {"group": g}
        yield ex


def _tokens(text: str, starts: set[int], ends: set[int]) -> tuple[list[str], list[bool]]:
    """Words and trailing-space flags that rebuild ``text`` exactly, with a token edge at every span edge."""
    edges = {0, len(text), *starts, *ends}
    for i in range(1, len(text)):
        if text[i].isspace() != text[i - 1].isspace():
            edges.add(i)
    pts = sorted(e for e in edges if 0 <= e <= len(text))
    words: list[str] = []
    spaces: list[bool] = []
    for a, b in pairwise(pts):
        seg = text[a:b]
        # a single space after a word is that word's trailing space, unless a span starts on it or ends after it
        if seg == " " and words and not spaces[-1] and not words[-1].isspace() and a not in starts and b not in ends:
            spaces[-1] = True
        else:
            words.append(seg)
            spaces.append(False)
    return words, spaces


def write(path: str | Path, items: Iterable[Example], **_: object) -> int:
    from spacy.tokens import Doc, DocBin

    vocab = _vocab()
    db = DocBin(store_user_data=False)
    count = 0
    for ex in items:
        infos = span_infos(ex)
        parts = [
            (a, b, s.label, (info.get("extra") or {}).get("group"))
            for s, info in zip(ex.spans, infos, strict=True)
            for a, b in fragments_of(s, info)
        ]
        words, spaces = _tokens(ex.text, {a for a, _, _, _ in parts}, {b for _, b, _, _ in parts})
        doc = Doc(vocab, words=words, spaces=spaces)
        if doc.text != ex.text:
            raise InputError(f"example {ex.id}: cannot rebuild the text from tokens", line=ex.line)
        spans = []
        for a, b, label, group in parts:
            sp = doc.char_span(a, b, label=label, alignment_mode="strict")
            if sp is None:  # an empty span: no token range holds it
                raise InputError(f"example {ex.id}: span ({a},{b},{label}) is empty; a DocBin cannot hold it", line=ex.line)
            spans.append((sp, group))
        flat = sorted((sp for sp, g in spans if g is None), key=lambda s: s.start)
        overlapping = any(x.end > y.start for x, y in pairwise(flat))
        if overlapping:
            doc.spans[GROUP] = [sp for sp, _ in spans]
        else:
            doc.ents = flat
            for sp, g in spans:
                if g is not None:
                    doc.spans[g] = [*doc.spans[g], sp] if g in doc.spans else [sp]
        db.add(doc)
        count += 1
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        db.to_disk(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return count
