"""The common case of word input, aligned without the general machinery, or ``None`` to use it.

Word tags decoded to spans on word boundaries, labels on each word's first piece, every word with at least
one piece of its own, no window cut: then every span is exact, each word is one unit whose first piece is
the word's first piece, and the labels are the target scheme's tags over the words. This module checks each
of those conditions and declines (returns ``None``) when any fails, so ``align_example`` handles everything
unusual and reports it. Pure: no I/O. Equality with ``align_example`` is tested on the zoo and fixtures.
"""

from __future__ import annotations

from collections.abc import Sequence

from .align import AlignConfig, Aligned, Row
from .model import IGNORE, Counts, Example
from .schemes import spans_to_tags, unrepresentable
from .tokenization import ATTACHED, CONTENT, EMPTY, Encoded


def align_words_first(
    ex: Example,
    enc: Encoded,
    cfg: AlignConfig,
    label2id: dict[str, int],
    prefix_ids: Sequence[int] = (),
    suffix_ids: Sequence[int] = (),
) -> Aligned | None:
    words, woffs = ex.words, ex.word_offsets
    if cfg.label_subwords != "first" or not words or woffs is None:
        return None
    n = len(enc.ids)
    npre, nsuf = len(prefix_ids), len(suffix_ids)
    if n == 0 or n > max(1, cfg.max_length - npre - nsuf):
        return None
    n_words = len(words)
    wids, starts, ends = enc.word_ids, enc.starts, enc.ends
    if enc.word_starts is not None and len(enc.word_starts) == n_words:
        # The word cache already checked each word (tokenization._covers_exactly) and that words are apart.
        first = enc.word_starts
        cs, ce = woffs[0][0], woffs[-1][1]
        begin_of = {ws: w for w, (ws, _) in enumerate(woffs)} if ex.spans else {}
        end_of = {we: w for w, (_, we) in enumerate(woffs)} if ex.spans else {}
    else:
        found = _scan(enc, woffs, n_words)
        if found is None:
            return None
        first, cs, ce, begin_of, end_of = found
    chunks = []
    last = 0
    for sp in ex.spans:  # decoded from tags, so in order; anything else goes to the general path
        a = begin_of.get(sp.start)
        b = end_of.get(sp.end)
        if a is None or b is None or b < a or a < last:
            return None
        chunks.append((a, b + 1, sp.label))
        last = b + 1
    if unrepresentable(chunks, cfg.scheme):
        return None
    tags = spans_to_tags(n_words, chunks, cfg.scheme)
    labels = [IGNORE] * (npre + n + nsuf)
    try:
        for w, t in enumerate(tags):
            labels[npre + first[w]] = label2id[t]
    except KeyError:
        return None
    none_pre: list[int | None] = [None] * npre
    none_suf: list[int | None] = [None] * nsuf
    row = Row(
        id=ex.id,
        window=0,
        input_ids=[*prefix_ids, *enc.ids, *suffix_ids],
        labels=labels,
        offset_mapping=[(0, 0)] * npre + list(zip(starts, ends, strict=True)) + [(0, 0)] * nsuf,
        word_ids=none_pre + list(wids) + none_suf,
        char_start=max(cs, 0),
        char_end=max(ce, 0),
        token_start=0,
        doc_id=ex.doc_id,
    )
    n_spans = len(ex.spans)
    counts = Counts(examples=1, windows=1, spans_in=n_spans, exact=n_spans, tokens=n)
    # in order and apart (checked above), so already what align_example's sorted(set(...)) gives
    return Aligned([row], [], counts, list(ex.spans))


def _scan(
    enc: Encoded, woffs: Sequence[tuple[int, int]], n_words: int
) -> tuple[list[int], int, int, dict[int, int], dict[int, int]] | None:
    """Piece-level check that every word is one unit of its own: (first piece per word, content start,
    content end, word by start offset, word by end offset), or None."""
    n = len(enc.ids)
    first = [-1] * n_words
    lo = [-1] * n_words
    hi = [-1] * n_words
    wids, kinds, starts, ends = enc.word_ids, enc.kinds, enc.starts, enc.ends
    prev = -1
    cs = ce = -1
    open_attached = -1  # word of an attached piece still waiting for content in its own word
    for i in range(n):
        w = wids[i]
        if w is None or w < prev or w >= n_words:
            return None
        if w != prev:
            if open_attached >= 0:
                return None
            first[w] = i
            prev = w
        k = kinds[i]
        if k == CONTENT:
            open_attached = -1
            s, e = starts[i], ends[i]
            if lo[w] < 0:
                lo[w] = s
            elif s < lo[w]:
                return None
            if e > hi[w]:
                hi[w] = e
        elif k == ATTACHED:
            open_attached = w
        if k != EMPTY:
            s, e = starts[i], ends[i]
            if cs < 0 or s < cs:
                cs = s
            if e > ce:
                ce = e
    if open_attached >= 0:
        return None
    last_end = -1
    begin_of: dict[int, int] = {}
    end_of: dict[int, int] = {}
    for w in range(n_words):
        ws, we = woffs[w]
        # each word exactly covered by its own pieces, words apart: one unit per word
        if hi[w] < 0 or lo[w] != ws or hi[w] != we or ws < last_end:
            return None
        last_end = we
        begin_of[ws] = w
        end_of[we] = w
    return first, cs, ce, begin_of, end_of
