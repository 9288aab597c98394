"""The distinct-word cache: each distinct word's trusted pieces, held once as flat arrays.

The tokenizers backend encodes every word of pre-tokenized input on its own, so a corpus with 203,621 words
but 23,623 distinct ones needs 23,623 word encodings, not 203,621. Words are encoded many at a time (one
pre-tokenized sequence per chunk, behind a throw-away first word, so every cached word was encoded at a
position other than the first); the adapter proves on the first batch that sentences assembled from the
table equal sentences encoded in full before anything relies on it.

Raw offsets are made trustworthy with numpy where that provably changes nothing (offsets inside the word, no
whitespace in the word, no marker piece): ``trusted_encoding`` would return them unchanged. Every other word
goes through ``trusted_encoding`` itself. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from .tag_arrays import excl_cumsum
from .tokenization import CONTENT, Encoded, _covers_exactly, trusted_encoding

_INT = np.int64
_SPACE = re.compile(r"\s")  # the characters str.isspace() accepts, which normalize_offsets trims


def _joined_offsets(words: Sequence[str]) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for w in words:
        out.append((pos, pos + len(w)))
        pos += len(w) + 1
    return out


class WordTable:
    """Word ``k``'s pieces are ``ids[off[k]:off[k] + n[k]]`` (offsets relative to the word); ``simple[k]``:
    the word is one unit of its own (its content pieces cover it exactly, see ``_covers_exactly``)."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.index: dict[str, int] = {}
        self._parts: list[tuple[np.ndarray, ...]] = []
        self._frozen: tuple[np.ndarray, ...] | None = None
        self._entries: dict[str, tuple[Encoded, bool]] = {}

    def __len__(self) -> int:
        return len(self.index)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def add(
        self,
        words: Sequence[str],
        ids: np.ndarray,
        offsets: np.ndarray,
        word_of_piece: np.ndarray,
        marker_ids: frozenset[int],
    ) -> None:
        """Add ``words`` (new, distinct) from their raw encoding: piece ids, raw (start, end) relative to each
        word, and the word of each piece (pieces in word order)."""
        m = len(words)
        wlen = np.fromiter(map(len, words), _INT, m)
        n = np.bincount(word_of_piece, minlength=m).astype(_INT)
        starts = offsets[:, 0].astype(_INT)
        ends = offsets[:, 1].astype(_INT)
        kinds = np.full(len(ids), CONTENT, np.int8)
        first = excl_cumsum(n)
        lp = wlen[word_of_piece]
        plain_piece = (starts >= 0) & (starts < ends) & (ends <= lp)
        if marker_ids:
            plain_piece &= ~np.isin(ids, np.fromiter(marker_ids, _INT, len(marker_ids)))
        bad = np.bincount(word_of_piece, weights=~plain_piece, minlength=m) > 0
        # One scan over all the words (NUL is not whitespace) instead of one regex call per word.
        joined = "\0".join(words)
        hits = [mt.start() for mt in _SPACE.finditer(joined)]
        if hits:
            bad[np.searchsorted(excl_cumsum(wlen + 1), np.asarray(hits, _INT), side="right") - 1] = True
        has = n > 0
        simple = np.zeros(m, bool)
        if len(ids):
            top = np.zeros(m, _INT)
            top[has] = np.maximum.reduceat(ends, first[has])
            simple[has] = (starts[first[has]] == 0) & (top[has] == wlen[has])
        simple &= ~bad
        for k in np.flatnonzero(bad).tolist():
            a, b = int(first[k]), int(first[k] + n[k])
            raw = [(int(s), int(e)) for s, e in offsets[a:b].tolist()]
            one = trusted_encoding(words[k], ids[a:b].tolist(), raw, [0] * (b - a), marker_ids, word_offsets=[(0, len(words[k]))])
            starts[a:b] = one.starts
            ends[a:b] = one.ends
            kinds[a:b] = one.kinds
            simple[k] = _covers_exactly(one, len(words[k]))
        base = len(self.index)
        self.index.update(zip(words, range(base, base + m), strict=True))
        self._parts.append((ids.astype(np.int32), starts, ends, kinds, n, simple, wlen))
        self._frozen = None

    def arrays(self) -> tuple[np.ndarray, ...]:
        """(ids, starts, ends, kinds, off, n, simple, wlen) over all words, rebuilt only after words were added."""
        if self._frozen is None:
            if not self._parts:
                empty = np.zeros(0, _INT)
                self._parts.append(
                    (empty.astype(np.int32), empty, empty, empty.astype(np.int8), empty, empty.astype(bool), empty)
                )
            cols = [np.concatenate(c) if len(self._parts) > 1 else c[0] for c in zip(*self._parts, strict=True)]
            self._parts = [tuple(cols)]
            ids, starts, ends, kinds, n, simple, wlen = cols
            off = excl_cumsum(n)
            self._frozen = (ids, starts, ends, kinds, off, n, simple, wlen)
        return self._frozen

    def entry(self, word: str) -> tuple[Encoded, bool]:
        """One word's pieces as an Encoded (word id 0) and whether it is simple."""
        got = self._entries.get(word)
        if got is None:
            ids, starts, ends, kinds, off, n, simple, _ = self.arrays()
            k = self.index[word]
            a, b = int(off[k]), int(off[k] + n[k])
            one = Encoded(ids[a:b].tolist(), starts[a:b].tolist(), ends[a:b].tolist(), kinds[a:b].tolist(), [0] * (b - a))
            got = (one, bool(simple[k]))
            if len(self._entries) < 200_000:
                self._entries[word] = got
        return got

    def assembles(
        self,
        texts: Sequence[str],
        words: Sequence[Sequence[str]],
        word_offsets: Sequence[Sequence[tuple[int, int]]],
        full: Sequence[Encoded],
        assemble: Callable[[str, Sequence[str], Sequence[tuple[int, int]]], Encoded],
    ) -> bool:
        """Whether the sentences assembled from the table equal ``full`` (the same sentences encoded whole).

        What ``assemble`` (the adapter's ``_assemble``) gives, computed as arrays for the sentences whose text
        is the words joined by single spaces; other sentences are assembled one by one."""
        plain: list[int] = []
        for i, (t, ws, offs) in enumerate(zip(texts, words, word_offsets, strict=True)):
            if t == " ".join(ws) and [tuple(o) for o in offs] == _joined_offsets(ws):
                plain.append(i)
            elif assemble(t, ws, offs) != full[i]:
                return False
        if not plain:
            return True
        if any(full[i].note is not None for i in plain):
            return False
        ids, starts, ends, kinds, off, n, _, _ = self.arrays()
        index = self.index
        flat = [w for i in plain for w in words[i]]
        codes = np.fromiter(map(index.__getitem__, flat), _INT, len(flat))
        c = n[codes]
        total = int(c.sum())
        if total != sum(len(full[i].ids) for i in plain):
            return False
        word_of_piece = np.repeat(np.arange(len(codes), dtype=_INT), c)
        first = excl_cumsum(c)
        src = off[codes][word_of_piece] + np.arange(total, dtype=_INT) - first[word_of_piece]
        # word starts and indices within their sentence; single spaces between words (checked above)
        base = np.fromiter((s for i in plain for s, _ in word_offsets[i]), _INT, len(codes))[word_of_piece]
        index_in_sentence = np.fromiter((k for i in plain for k in range(len(words[i]))), _INT, len(codes))[word_of_piece]
        # per sentence, the pieces must also split the same way between sentences
        counts = np.fromiter((len(full[i].ids) for i in plain), _INT, len(plain))
        upto = np.zeros(len(codes) + 1, _INT)
        np.cumsum(c, out=upto[1:])
        bounds = np.zeros(len(plain) + 1, _INT)
        np.cumsum(np.fromiter((len(words[i]) for i in plain), _INT, len(plain)), out=bounds[1:])
        if not np.array_equal(upto[bounds[1:]] - upto[bounds[:-1]], counts):
            return False

        def cat(attr: str) -> np.ndarray:
            return np.fromiter((x for i in plain for x in getattr(full[i], attr)), _INT, total)

        if any(w is None for i in plain for w in full[i].word_ids):
            return False
        return bool(
            np.array_equal(ids[src], cat("ids"))
            and np.array_equal(starts[src] + base, cat("starts"))
            and np.array_equal(ends[src] + base, cat("ends"))
            and np.array_equal(kinds[src], cat("kinds"))
            and np.array_equal(index_in_sentence, cat("word_ids"))
        )
