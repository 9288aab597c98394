"""Entity-level evaluation: how entities are read from tags (the mode), and how they are matched (the criterion).

Modes (tag input only; span input has its entities already):

* ``default``: seqeval's default reading (conlleval's chunking), computed by seqeval itself;
* ``strict``: seqeval's strict reading for the given scheme (ill-formed chunks are dropped), computed by seqeval
  itself for the six schemes it knows; IO and BMES (which seqeval lacks) use seqalign's ``drop`` reading,
  which agrees with seqeval strict wherever seqeval is right (see docs/schemes.md);
* ``seqalign``: seqalign's own scheme table with a named repair (``begin`` by default).

Criteria (SemEval-2013 9.1 / nervaluate, with full credit for overlaps):

* ``exact``: same boundaries and same type (what conlleval and seqeval count);
* ``boundary``: same boundaries, any type;
* ``partial``: overlapping, any type;
* ``type``: overlapping, same type.

Matching is one-to-one: exact pairs first, then overlapping pairs left to right.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .schemes import get_scheme, tags_to_spans

MODES = ("default", "strict", "seqalign")
CRITERIA = ("exact", "boundary", "partial", "type")
SEQEVAL_SCHEMES = ("IOB1", "IOB2", "IOE1", "IOE2", "IOBES", "BILOU")

Entity = tuple[int, int, str]  # start, end (exclusive), type -- tokens or chars


def seqeval_default_entities(tags: Sequence[str]) -> list[Entity]:
    """seqeval's default chunking (``get_entities``), end made exclusive."""
    from seqeval.metrics.sequence_labeling import get_entities

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seqeval warns on L-/U-/M- prefixes it does not know
        return [(s, e + 1, t) for t, s, e in get_entities(list(tags))]


def seqeval_strict_entities(tags: Sequence[str], scheme: str) -> list[Entity]:
    """seqeval's strict chunking for one of the six schemes it supports."""
    import seqeval.scheme as ss

    cls = getattr(ss, get_scheme(scheme).name)
    return [(e.start, e.end, e.tag) for e in ss.Tokens(list(tags), cls).entities]


def entities_of(tags: Sequence[str], mode: str, scheme: str | None = None, repair: str = "begin") -> list[Entity]:
    if mode == "default":
        return seqeval_default_entities(tags)
    if scheme is None:
        raise ValueError(f"mode {mode} needs a scheme")
    name = get_scheme(scheme).name
    if mode == "strict":
        if name in SEQEVAL_SCHEMES:
            return seqeval_strict_entities(tags, name)
        return [tuple(c) for c in tags_to_spans(tags, get_scheme(name), "drop")[0]]  # type: ignore[misc]
    if mode == "seqalign":
        return [tuple(c) for c in tags_to_spans(tags, get_scheme(name), repair)[0]]  # type: ignore[misc]
    raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")


def _ok(g: Entity, p: Entity, criterion: str) -> bool:
    same_bounds = g[0] == p[0] and g[1] == p[1]
    overlap = g[0] < p[1] and p[0] < g[1]
    if criterion == "exact":
        return same_bounds and g[2] == p[2]
    if criterion == "boundary":
        return same_bounds
    if criterion == "partial":
        return overlap
    if criterion == "type":
        return overlap and g[2] == p[2]
    raise ValueError(f"unknown criterion {criterion!r}; choose one of {', '.join(CRITERIA)}")


def match(gold: Sequence[Entity], pred: Sequence[Entity], criterion: str) -> list[tuple[Entity, Entity]]:
    """One-to-one pairs (gold, pred) under ``criterion``: identical pairs first, then left to right."""
    g_left = sorted(set(gold))
    p_left = sorted(set(pred))
    pairs: list[tuple[Entity, Entity]] = []
    exact = set(g_left) & set(p_left)
    if _ok((0, 1, "x"), (0, 1, "x"), criterion):
        for e in sorted(exact):
            pairs.append((e, e))
        g_left = [g for g in g_left if g not in exact]
        p_left = [p for p in p_left if p not in exact]
    used: set[Entity] = set()
    for g in g_left:
        for p in p_left:
            if p not in used and _ok(g, p, criterion):
                pairs.append((g, p))
                used.add(p)
                break
    return pairs


@dataclass(slots=True)
class Score:
    tp_gold: int = 0  # gold entities matched
    tp_pred: int = 0  # predicted entities matched (equal to tp_gold with one-to-one matching)
    gold: int = 0
    pred: int = 0

    @property
    def precision(self) -> float:
        return self.tp_pred / self.pred if self.pred else 0.0

    @property
    def recall(self) -> float:
        return self.tp_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "correct": self.tp_gold,
            "gold": self.gold,
            "pred": self.pred,
        }


@dataclass(slots=True)
class Evaluation:
    mode: str
    scheme: str | None
    criterion: str
    overall: dict[str, Score] = field(default_factory=dict)  # criterion -> score
    per_type: dict[str, Score] = field(default_factory=dict)  # type -> score under ``criterion``
    sequences: int = 0
    missing_predictions: int = 0  # gold examples without a prediction, scored as predicting nothing

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "scheme": self.scheme,
            "criterion": self.criterion,
            "sequences": self.sequences,
            "missing_predictions": self.missing_predictions,
            "overall": {c: s.to_dict() for c, s in self.overall.items()},
            "per_type": {t: s.to_dict() for t, s in sorted(self.per_type.items())},
        }


def evaluate_entities(
    gold: Sequence[Sequence[Entity]],
    pred: Sequence[Sequence[Entity]],
    criterion: str = "exact",
    mode: str = "spans",
    scheme: str | None = None,
) -> Evaluation:
    """Score predicted entities against gold ones, sequence by sequence (both lists in the same order)."""
    if criterion not in CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r}; choose one of {', '.join(CRITERIA)}")
    ev = Evaluation(mode, scheme, criterion, sequences=len(gold))
    for c in CRITERIA:
        ev.overall[c] = Score()
    types: Counter[str] = Counter()
    for g, p in zip(gold, pred, strict=True):
        gs, ps = sorted(set(g)), sorted(set(p))
        types.update(e[2] for e in gs)
        types.update(e[2] for e in ps)
        for c in CRITERIA:
            pairs = match(gs, ps, c)
            sc = ev.overall[c]
            sc.gold += len(gs)
            sc.pred += len(ps)
            sc.tp_gold += len(pairs)
            sc.tp_pred += len(pairs)
            if c == criterion:
                for e in gs:
                    ev.per_type.setdefault(e[2], Score()).gold += 1
                for e in ps:
                    ev.per_type.setdefault(e[2], Score()).pred += 1
                for ge, pe in pairs:
                    ev.per_type[ge[2]].tp_gold += 1
                    ev.per_type.setdefault(pe[2], Score()).tp_pred += 1
    return ev
