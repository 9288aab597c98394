"""A batch of word-tag sequences decoded and re-encoded in another scheme at once, with numpy.

Tags become small integer codes; what a scheme says about each tag (outside, its type, whether its chunk
goes on, whether it continues one) and whether each pair of tags is a legal transition become arrays over
those codes, filled from ``seqalign.schemes`` itself the first time a tag is met. A sequence with no illegal
transition has one reading under every repair policy, the lenient one, which is array arithmetic; sequences
with an illegal transition, an unknown prefix, or chunks the target cannot keep apart (adjacent same-type
chunks under IO) are flagged for ``schemes.tags_to_spans``, which reports and repairs them. Tested equal to
``tags_to_spans`` + ``spans_to_tags`` on random sequences in every pair of schemes. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .schemes import OUTSIDE, Scheme, TagError, format_tag, parse_tag, transition_problem

_INT = np.int64
# What a position is in the target scheme, in this order in the label tables (rows of ``label_columns``).
K_O, K_SINGLE, K_BEGIN, K_INSIDE, K_END, K_BMARK, K_EMARK = range(7)


def excl_cumsum(x: np.ndarray) -> np.ndarray:
    """Where each of consecutive runs of lengths ``x`` starts."""
    out = np.zeros(len(x), _INT)
    if len(x) > 1:
        np.cumsum(x[:-1], out=out[1:])
    return out


def label_columns(target: Scheme, label2id: dict[str, int], types: Sequence[str]) -> np.ndarray:
    """(7, len(types)): the label id of each kind of position (``K_O`` ... ``K_EMARK``) for each entity type in
    ``target``; -1 where the target has no such tag or ``label2id`` lacks it."""
    prefixes = [None, target.single, target.begin, target.inside, target.end, target.begin_marker, target.end_marker]
    out = np.full((7, len(types)), -1, _INT)
    for j, t in enumerate(types):
        for kind, p in enumerate(prefixes):
            name = OUTSIDE if kind == K_O else (format_tag(p, t) if p else None)
            if name is not None and name in label2id:
                out[kind, j] = label2id[name]
    return out


def mark_adjacent(kind: np.ndarray, starts: np.ndarray, ends: np.ndarray, target: Scheme) -> bool:
    """Chunks starting at ``starts`` follow a same-type chunk ending at ``ends`` (pairwise): give them the
    target's IOB1/IOE1 markers. True when the target cannot keep them apart at all (IO)."""
    if target.begin_marker:
        kind[starts] = K_BMARK
    if target.end_marker:
        kind[ends] = K_EMARK
    return not target.begin_marker and not target.end_marker and target.begin == target.inside == target.end


class TagCoder:
    """Codes for the tags of ``scheme`` and their labels in ``target`` (ids from ``label2id``)."""

    def __init__(self, scheme: Scheme, target: Scheme, label2id: dict[str, int]) -> None:
        self.scheme, self.target, self.label2id = scheme, target, label2id
        self.code: dict[str, int] = {}
        self._tags: list[str] = []
        self._types: dict[str, int] = {}
        self._pairs: dict[tuple[str | None, str | None], bool] = {}
        self._rebuild()

    def _rebuild(self) -> None:
        tags = self._tags
        k = len(tags)
        parsed = [parse_tag(t) for t in tags]
        self.outside = np.array([p == OUTSIDE for p, _ in parsed] + [True], bool)
        known, goes_on, continues = [], [], []
        for p, _ in parsed:
            r = self.scheme.rules.get(p) if p != OUTSIDE else None
            known.append(p == OUTSIDE or r is not None)
            goes_on.append(bool(r and r.goes_on))
            continues.append(bool(r and r.continues))
        self.known = np.array([*known, True], bool)
        self.goes_on = np.array([*goes_on, False], bool)
        self.continues = np.array([*continues, False], bool)
        for _, t in parsed:
            self._types.setdefault(t, len(self._types))
        self.type_of = np.array([self._types[t] for _, t in parsed] + [0], _INT)
        # legal[a, b]: a -> b is legal; index k stands for the start (as a) and the end (as b) of a sequence
        legal = np.zeros((k + 1, k + 1), bool)
        names: list[str | None] = [*tags, None]
        for a in range(k + 1):
            for b in range(k + 1):
                if a < k or b < k:
                    legal[a, b] = self._legal_pair(names[a], names[b])
        self.legal = legal
        types = list(self._types)
        self.lut = label_columns(self.target, self.label2id, types) if types else np.full((7, 1), -1, _INT)

    def _legal_pair(self, a: str | None, b: str | None) -> bool:
        got = self._pairs.get((a, b))
        if got is None:
            try:
                got = transition_problem(self.scheme, a, b) is None
            except TagError:
                got = False
            self._pairs[(a, b)] = got
        return got

    def encode(self, flat_tags: Sequence[str]) -> np.ndarray:
        try:  # after the first batch every tag is usually known: one pass instead of two
            return np.fromiter(map(self.code.__getitem__, flat_tags), _INT, len(flat_tags))
        except KeyError:
            pass
        new = [t for t in dict.fromkeys(flat_tags) if t not in self.code]
        if new:
            for t in new:
                parse_tag(t)  # raises TagError for what no scheme reads; the reader has normally said so already
                self.code[t] = len(self._tags)
                self._tags.append(t)
            self._rebuild()
        return np.fromiter(map(self.code.__getitem__, flat_tags), _INT, len(flat_tags))

    @property
    def start_end(self) -> int:
        return len(self._tags)

    def relabel(self, codes: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(per sequence: handled here, per sequence: number of chunks, per tag: target label id).

        ``lengths``: tags per sequence (``codes`` is the sequences back to back). Label ids are only
        meaningful inside sequences handled here.
        """
        n = len(codes)
        m = len(lengths)
        handled = lengths > 0
        if n == 0:
            return handled, np.zeros(m, _INT), np.zeros(0, _INT)
        first = excl_cumsum(lengths)
        nonempty = lengths > 0
        f = first[nonempty]
        last = f + lengths[nonempty] - 1
        is_first = np.zeros(n, bool)
        is_first[f] = True
        se = self.start_end
        prev = np.empty(n, _INT)
        prev[1:] = codes[:-1]
        prev[is_first] = se
        bad = ~self.legal[prev, codes] | ~self.known[codes]
        bad[last] |= ~self.legal[codes[last], se]

        t = self.type_of[codes]
        inside = ~self.outside[codes]
        same_prev = np.zeros(n, bool)
        same_prev[1:] = inside[1:] & inside[:-1] & (t[1:] == t[:-1])
        same_prev[is_first] = False
        cont = same_prev.copy()
        cont[1:] &= self.goes_on[codes[:-1]] & self.continues[codes[1:]]
        start = inside & ~cont
        end = np.zeros(n, bool)
        end[:-1] = inside[:-1] & ~cont[1:]
        end[-1] = inside[-1]
        kind = np.full(n, K_INSIDE, _INT)
        kind[start & end] = K_SINGLE
        kind[start & ~end] = K_BEGIN
        kind[~start & end] = K_END
        kind[~inside] = K_O
        # a chunk directly after a chunk of the same type
        adjacent = np.zeros(n, bool)
        adjacent[1:] = start[1:] & end[:-1] & same_prev[1:]
        after = np.flatnonzero(adjacent)
        if mark_adjacent(kind, after, after - 1, self.target):
            bad |= adjacent  # IO cannot keep adjacent same-type chunks apart: the general path merges and says so
        labels = self.lut[kind, t]
        bad |= labels < 0
        seq_bad = np.zeros(m, bool)
        seq_bad[nonempty] = np.add.reduceat(bad.astype(_INT), f) > 0
        chunks = np.zeros(m, _INT)
        chunks[nonempty] = np.add.reduceat(start.astype(_INT), f)
        return handled & ~seq_bad, chunks, labels
