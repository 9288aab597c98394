"""Word input aligned a whole batch at a time, as flat numpy columns instead of one Python list per row.

The common case of word input (see ``align_fast``): every word covered exactly by pieces of its own, the
text the words joined by single spaces, labels on each word's first piece, no window cut. Then a row is the
prefix ids, each word's cached pieces in turn, the suffix ids; the labels are the target tags of the words on
their first pieces. Each distinct word's pieces sit once in the word cache (``seqalign.word_table``); a
batch is a gather from it.

``align_word_columns`` says which examples it took; the others (anything unusual) go to the general path,
which reports what it does. The result is tested equal, row for row, to ``align_words_first`` and
``align_example`` on the zoo and the fixtures. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from .model import IGNORE, Counts, Example, JoinedOffsets
from .schemes import Chunk, Scheme, Violation, spans_to_tags, tags_to_spans, unrepresentable
from .tag_arrays import excl_cumsum
from .word_table import WordTable

_INT = np.int64


@dataclass(slots=True)
class TagPlan:
    """What one sequence of word tags becomes: its chunks, its illegal transitions, and the target scheme's
    label ids per word (None when the general path must handle it: IO merges, unknown labels)."""

    chunks: list[Chunk]
    violations: list[Violation]
    label_ids: list[int] | None


def plan_tags(tags: Sequence[str], scheme: Scheme, target: Scheme, repair: str, label2id: dict[str, int]) -> TagPlan:
    chunks, violations = tags_to_spans(tags, scheme, repair)
    ids: list[int] | None = None
    if not unrepresentable(chunks, target):
        try:
            ids = [label2id[t] for t in spans_to_tags(len(tags), chunks, target)]
        except KeyError:
            ids = None
    return TagPlan(chunks, violations, ids)


@dataclass(slots=True)
class RowColumns:
    """Rows (one window each) as flat columns. Per row: ``ids``, ``doc_ids``, ``lengths`` (pieces with
    specials), ``char_end``, ``char_start`` (None: all 0); per piece: the rest. ``word_null`` marks pieces
    without a word (special tokens)."""

    ids: list[str]
    doc_ids: list[str | None]
    lengths: np.ndarray
    char_end: np.ndarray
    input_ids: np.ndarray
    labels: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    word_ids: np.ndarray
    word_null: np.ndarray
    char_start: np.ndarray | None = None


def row_layout(content: np.ndarray, prefix_ids: Sequence[int], suffix_ids: Sequence[int]) -> tuple[np.ndarray, ...]:
    """Rows of ``content`` pieces each between the special tokens: (row lengths, row starts, input ids with the
    special tokens in place; the content positions are for the caller to fill)."""
    npre = len(prefix_ids)
    lengths = content + npre + len(suffix_ids)
    row_off = excl_cumsum(lengths)
    input_ids = np.empty(int(lengths.sum()), np.int32)
    for j, t in enumerate(prefix_ids):
        input_ids[row_off + j] = t
    for j, t in enumerate(suffix_ids):
        input_ids[row_off + npre + content + j] = t
    return lengths, row_off, input_ids


def _per_example(values: np.ndarray, first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Sums of ``values`` over each example's words (examples without words: 0)."""
    total = np.zeros(len(values) + 1, _INT)
    np.cumsum(values, out=total[1:])
    return total[first + counts] - total[first]


def align_word_columns(
    examples: Sequence[Example],
    codes: np.ndarray,
    nw: np.ndarray,
    table: WordTable,
    word_labels: np.ndarray,
    tags_ok: np.ndarray,
    n_chunks: np.ndarray,
    prefix_ids: Sequence[int],
    suffix_ids: Sequence[int],
    room: int,
) -> tuple[RowColumns, np.ndarray, Counts]:
    """(columns of the examples taken, which examples were taken, their counts).

    ``codes``: the table index of every word of every example, in order; ``nw``: words per example (their
    offsets must be word lists as long); ``word_labels``: the target label
    id of every word, meaningful where ``tags_ok`` (per example) holds; ``n_chunks``: entities per example.
    ``room``: pieces a row may hold besides the specials; longer examples need windows: the general path.
    """
    t_ids, t_starts, t_ends, _, t_off, t_n, t_simple, t_wlen = table.arrays()
    n_ex = len(examples)
    wfirst = excl_cumsum(nw)
    c = t_n[codes]
    wlen = t_wlen[codes]

    # The text must be the words joined by single spaces, at the offsets that layout gives: then each piece's
    # place in the text is its place in the word plus the word's start, and words are apart.
    std = excl_cumsum(wlen + 1)
    if len(codes):
        std -= np.repeat(std[np.minimum(wfirst, len(codes) - 1)], nw)  # trailing examples without words repeat 0 times
    # Offsets that Example.from_words laid out (and nobody edited) are that layout; others are compared.
    offsets = [ex.word_offsets or () for ex in examples]
    sized = np.fromiter(map(len, offsets), _INT, n_ex) == nw
    marked = sized & np.fromiter((type(o) is JoinedOffsets and o.joined for o in offsets), bool, n_ex)
    off_ok = np.repeat(marked, nw)
    check = sized & ~marked
    if check.any():
        at = np.flatnonzero(np.repeat(check, nw))
        given = np.fromiter(
            chain.from_iterable(chain.from_iterable(offsets[i] for i in np.flatnonzero(check).tolist())), _INT, 2 * len(at)
        )
        off_ok[at] = (given[0::2] == std[at]) & (given[1::2] == std[at] + wlen[at])
    ok = nw > 0
    ok &= _per_example((~(t_simple[codes] & off_ok)).astype(_INT), wfirst, nw) == 0
    pieces = _per_example(c, wfirst, nw)
    ok &= (pieces > 0) & (pieces <= room)
    ok &= tags_ok
    ok &= np.fromiter((ex.text == " ".join(ex.words or ()) for ex in examples), bool, n_ex)

    take = np.flatnonzero(ok)
    wsel = np.repeat(ok, nw)
    codes_f, c_f, nw_f, p_f = codes[wsel], c[wsel], nw[ok], pieces[ok]
    wfirst_f = excl_cumsum(nw_f)
    npre = len(prefix_ids)
    lengths, row_off, input_ids = row_layout(p_f, prefix_ids, suffix_ids)
    total = len(input_ids)
    n_pieces = int(c_f.sum())

    word_of_piece = np.repeat(np.arange(len(codes_f), dtype=_INT), c_f)
    first_piece = excl_cumsum(c_f)
    src = t_off[codes_f][word_of_piece] + (np.arange(n_pieces, dtype=_INT) - first_piece[word_of_piece])
    sent_of_word = np.repeat(np.arange(len(take), dtype=_INT), nw_f)
    sent_of_piece = sent_of_word[word_of_piece]
    piece_first = excl_cumsum(p_f)
    dest = row_off[sent_of_piece] + npre + (np.arange(n_pieces, dtype=_INT) - piece_first[sent_of_piece])

    input_ids[dest] = t_ids[src]

    labels = np.full(total, IGNORE, np.int64)
    labels[dest[first_piece]] = word_labels[wsel]

    base = std[wsel][word_of_piece]
    starts = np.zeros(total, np.int32)
    ends = np.zeros(total, np.int32)
    starts[dest] = t_starts[src] + base
    ends[dest] = t_ends[src] + base
    word_ids = np.zeros(total, np.int32)
    word_null = np.ones(total, bool)
    word_ids[dest] = (np.arange(len(codes_f), dtype=_INT) - wfirst_f[sent_of_word])[word_of_piece]
    word_null[dest] = False

    fast = [examples[i] for i in take]
    cols = RowColumns(
        ids=[ex.id for ex in fast],
        doc_ids=[ex.doc_id for ex in fast],
        lengths=lengths,
        char_end=np.fromiter((len(ex.text) for ex in fast), np.int32, len(fast)),
        input_ids=input_ids,
        labels=labels,
        starts=starts,
        ends=ends,
        word_ids=word_ids,
        word_null=word_null,
    )
    n_spans = int(n_chunks[ok].sum())
    counts = Counts(examples=len(fast), windows=len(fast), spans_in=n_spans, exact=n_spans, tokens=n_pieces)
    return cols, ok, counts
