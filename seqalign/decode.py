"""Token labels -> char spans: the inverse of ``align``, and the proof that it is right.

A row is read the way ``align`` wrote it:

* ``label_subwords="all"``: every labelled piece carries a tag; a chunk's span runs from the first character
  of its first piece to the last character of its last piece;
* ``"first"``: pieces are grouped by ``word_ids``; a word's tag is the one on its first piece, and a chunk's
  span runs over whole words.

Ignored positions (-100) and special tokens are skipped, never read as O.
"""

from __future__ import annotations

from collections.abc import Sequence

from .model import IGNORE, Span
from .schemes import Scheme, Violation, tags_to_spans


def _positions_all(labels: Sequence[int], offsets: Sequence[Sequence[int]]) -> list[tuple[int, int, int]]:
    out = []
    for lab, (s, e) in zip(labels, offsets, strict=True):
        if lab != IGNORE:
            out.append((lab, s, e))
    return out


def _positions_first(
    labels: Sequence[int], offsets: Sequence[Sequence[int]], word_ids: Sequence[int | None]
) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    cur_word: int | None = None
    for lab, (s, e), w in zip(labels, offsets, word_ids, strict=True):
        if w is None:
            cur_word = None
            continue
        if w != cur_word:
            cur_word = w
            if lab == IGNORE:
                out.append((IGNORE, s, e))  # word whose label was withheld: keeps the word out of any chunk
            else:
                out.append((lab, s, e))
        elif out and e > s:
            lab0, s0, e0 = out[-1]
            out[-1] = (lab0, s if s0 == e0 else min(s0, s), max(e0, e))
    return [p for p in out if p[0] != IGNORE]


def decode_labels(
    labels: Sequence[int],
    offsets: Sequence[Sequence[int]],
    id2label: dict[int, str],
    scheme: Scheme,
    word_ids: Sequence[int | None] | None = None,
    mode: str = "all",
    repair: str = "begin",
) -> tuple[list[Span], list[Violation]]:
    """Labels (with -100) of one row -> char spans in the row's text coordinates."""
    pos = (
        _positions_first(labels, offsets, word_ids)
        if mode == "first" and word_ids is not None
        else _positions_all(labels, offsets)
    )
    tags = [id2label[p[0]] for p in pos]
    chunks, violations = tags_to_spans(tags, scheme, repair)
    spans = []
    for a, b, t in chunks:
        s = min(p[1] for p in pos[a:b])
        e = max(p[2] for p in pos[a:b])
        if e > s:
            spans.append(Span(s, e, t))
    return spans, violations
