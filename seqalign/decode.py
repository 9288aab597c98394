"""Token labels -> char spans: the inverse of ``align``, and the proof that it is right.

A row is read the way ``align`` wrote it:

* ``label_subwords="all"``: every labelled piece carries a tag; pieces of one word (``word_ids``) form one unit;
* ``"first"``: pieces are grouped by ``word_ids``; the word's label sits on its first piece, and a chunk's
  span runs over whole words.

A unit's tag comes from its pieces by an aggregation rule (``first`` | ``average`` | ``max``), which only
matters for model predictions whose pieces of one word disagree. Ignored positions (-100 in the gold labels)
and special tokens are never read as O: a unit without a trustworthy label breaks the sequence, so no
entity is ever stitched across it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .model import IGNORE, Span
from .schemes import Scheme, Violation, tags_to_spans

AGGREGATIONS = ("first", "average", "max")


@dataclass(frozen=True, slots=True)
class Piece:
    """One content piece: char offsets, word id, whether the gold row labels it, and the label to read."""

    start: int
    end: int
    word: int | None
    keep: bool  # the gold row has a label here (not -100)
    label: int  # predicted (or gold) label id; IGNORE when there is none
    probs: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    start: int
    end: int
    label: int
    score: float | None


@dataclass(frozen=True, slots=True)
class ScoredSpan:
    start: int
    end: int
    label: str
    score: float | None = None

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.label)


def _groups(pieces: Sequence[Piece]) -> list[list[Piece]]:
    out: list[list[Piece]] = []
    for p in pieces:
        if out and p.word is not None and out[-1][0].word == p.word:
            out[-1].append(p)
        else:
            out.append([p])
    return out


def _aggregate(cands: Sequence[Piece], aggregation: str) -> tuple[int, float | None]:
    if any(c.probs is None for c in cands):
        if aggregation == "average" and len(cands) > 1:
            # Ids only: the average of one-hot votes is a majority vote (ties go to the earliest piece).
            votes = Counter(c.label for c in cands)
            top = max(votes.values())
            return next(c.label for c in cands if votes[c.label] == top), None
        return cands[0].label, None  # "max" has no scores to compare: the first piece decides
    if aggregation == "first" or len(cands) == 1:
        pr = cands[0].probs or ()
        best = max(range(len(pr)), key=pr.__getitem__)
        return best, pr[best]
    if aggregation == "average":
        n = len(cands[0].probs or ())
        mean = [sum((c.probs or ())[k] for c in cands) / len(cands) for k in range(n)]
        best = max(range(n), key=mean.__getitem__)
        return best, mean[best]
    best_piece = max(cands, key=lambda c: max(c.probs or (0.0,)))
    pr = best_piece.probs or ()
    best = max(range(len(pr)), key=pr.__getitem__)
    return best, pr[best]


def units_of(pieces: Sequence[Piece], mode: str = "all", aggregation: str = "first") -> list[Unit | None]:
    """Pieces -> units (words when word ids are known, else pieces). None = a unit without a trustworthy label."""
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"unknown aggregation {aggregation!r}; choose one of {', '.join(AGGREGATIONS)}")
    out: list[Unit | None] = []
    for g in _groups(pieces):
        if mode == "first":
            anchor_ok = g[0].keep
            cands = [p for p in g if p.label != IGNORE] if anchor_ok else []
        else:
            cands = [p for p in g if p.keep and p.label != IGNORE]
        extent = [p for p in g if p.end > p.start]
        if not cands:
            if extent:
                out.append(None)  # characters with no label: a break, never O
            continue
        label, score = _aggregate(cands, aggregation)
        spread = extent or g
        out.append(Unit(min(p.start for p in spread), max(p.end for p in spread), label, score))
    return out


def decode_units(
    units: Sequence[Unit | None], id2label: dict[int, str], scheme: Scheme, repair: str = "begin"
) -> tuple[list[ScoredSpan], list[Violation]]:
    """Units -> char spans. Each stretch between breaks is read on its own; adjacent chunks stay separate."""
    spans: list[ScoredSpan] = []
    violations: list[Violation] = []
    seg: list[Unit] = []

    def flush() -> None:
        if not seg:
            return
        tags = [id2label[u.label] for u in seg]
        chunks, vs = tags_to_spans(tags, scheme, repair)
        violations.extend(vs)
        for a, b, t in chunks:
            part = seg[a:b]
            s = min(u.start for u in part)
            e = max(u.end for u in part)
            scores = [u.score for u in part if u.score is not None]
            if e > s:
                spans.append(ScoredSpan(s, e, t, sum(scores) / len(scores) if scores else None))
        seg.clear()

    for u in units:
        if u is None:
            flush()
        else:
            seg.append(u)
    flush()
    return spans, violations


def decode_labels(
    labels: Sequence[int],
    offsets: Sequence[Sequence[int]],
    id2label: dict[int, str],
    scheme: Scheme,
    word_ids: Sequence[int | None] | None = None,
    mode: str = "all",
    repair: str = "begin",
) -> tuple[list[Span], list[Violation]]:
    """Gold labels (with -100) of one row -> char spans in the row's text coordinates."""
    wids: Sequence[int | None] = word_ids if (mode == "first" and word_ids is not None) else [None] * len(labels)
    pieces = [
        Piece(s, e, w, lab != IGNORE, lab)
        for lab, (s, e), w in zip(labels, offsets, wids, strict=True)
        if not (s == 0 and e == 0 and lab == IGNORE and w is None)  # special tokens
    ]
    spans, violations = decode_units(units_of(pieces, mode), id2label, scheme, repair)
    return [s.span for s in spans], violations
