"""Span input aligned a whole batch at a time, as numpy columns, for the documents where nothing is unusual.

A document is taken here when every step of the general path (``trusted_encoding`` -> coverage check ->
``align_example``) would do nothing but the obvious: offsets already trimmed (or off by edge whitespace
only), no content character skipped by the offsets, content pieces in order, every span exact on word
units (its start a unit's start, its end a unit's end), spans apart, labels known, chunks the target can
encode, one window. Then each word unit's label sits on its first piece and the labels are the target tags
over the units. Every other document is left to the general path, which reports what it does.

Arrays here are over the batch's pieces back to back (``ids``, raw ``offsets`` relative to each document,
the pre-tokenizer's ``word_ids``) and its spans. Tested equal, row for row and count for count, to the
general path on the zoo. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .align_columns import RowColumns, row_layout
from .model import IGNORE, Counts
from .schemes import OUTSIDE, Scheme
from .tag_arrays import K_BEGIN, K_END, K_INSIDE, K_O, K_SINGLE, excl_cumsum, label_columns, mark_adjacent

_INT = np.int64
_WS_TOP = 0x3001  # every character str.isspace() accepts is below this
_WS = np.array([chr(c).isspace() for c in range(_WS_TOP)] + [False], bool)


def whitespace(text: str) -> np.ndarray:
    """Per character of ``text``: is it whitespace (``str.isspace``). One extra False at the end."""
    cp = np.frombuffer(text.encode("utf-32-le"), np.uint32)
    out = np.zeros(len(cp) + 1, bool)
    out[:-1] = _WS[np.minimum(cp, _WS_TOP)]
    return out


class LabelTable:
    """Target label id per (prefix kind, span label), grown as labels are met; -1 where label2id lacks one."""

    def __init__(self, target: Scheme, label2id: dict[str, int]) -> None:
        self.target, self.label2id = target, label2id
        self.code: dict[str, int] = {}
        self.lut = np.full((7, 0), -1, _INT)

    def encode(self, labels: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(labels) if t not in self.code]
        if new:
            for t in new:
                self.code[t] = len(self.code)
            self.lut = np.concatenate([self.lut, label_columns(self.target, self.label2id, new)], axis=1)
        return np.fromiter(map(self.code.__getitem__, labels), _INT, len(labels))


def align_span_columns(
    texts: Sequence[str],
    n_pieces: np.ndarray,
    ids: np.ndarray,
    offsets: np.ndarray,
    word_ids: np.ndarray,
    span_doc: np.ndarray,
    span_start: np.ndarray,
    span_end: np.ndarray,
    span_label: np.ndarray,
    labels: LabelTable,
    marker_ids: frozenset[int],
    keeps: Callable[[str], bool],
    prefix_ids: Sequence[int],
    suffix_ids: Sequence[int],
    room: int,
    row_ids: Sequence[str],
    doc_ids: Sequence[str | None],
) -> tuple[RowColumns, np.ndarray, Counts]:
    """(columns of the documents taken, which documents were taken, their counts).

    ``word_ids`` < 0 stands for a piece without a word. ``span_label``: codes from ``labels.encode``.
    """
    n_docs = len(texts)
    total = len(ids)
    doc_len = np.fromiter(map(len, texts), _INT, n_docs)
    base = excl_cumsum(doc_len)
    joined = "".join(texts)
    ws = whitespace(joined)
    bad_doc = np.zeros(n_docs, bool)
    bad_doc |= n_pieces == 0
    bad_doc |= n_pieces > room

    doc = np.repeat(np.arange(n_docs, dtype=_INT), n_pieces)
    first = excl_cumsum(n_pieces)
    s = offsets[:, 0].astype(_INT)
    e = offsets[:, 1].astype(_INT)
    length = doc_len[doc]
    # normalize_offsets, as arrays: clamp, then trim edge whitespace (a piece with more than two whitespace
    # characters at an edge is left to the general path)
    s = np.maximum(s, 0)
    e = np.minimum(e, length)
    e = np.maximum(e, s)
    gb = base[doc]
    for _ in range(2):  # all leading whitespace first, then trailing, as normalize_offsets does
        s += (s < e) & ws[gb + s]
    still = (s < e) & ws[gb + s]
    for _ in range(2):
        e -= (e > s) & ws[np.maximum(gb + e - 1, 0)]
    still |= (s < e) & ws[np.maximum(gb + e - 1, 0)]
    empty = s == e
    attached = np.zeros(total, bool)
    if marker_ids and total:
        is_marker = np.isin(ids, np.fromiter(marker_ids, _INT, len(marker_ids)))
        nxt_same_doc = np.zeros(total, bool)
        nxt_same_doc[:-1] = doc[1:] == doc[:-1]
        s_next = np.roll(s, -1)
        e_next = np.roll(e, -1)
        attached = is_marker & ~empty & nxt_same_doc & (s_next == s) & (e_next >= e)
        e = np.where(attached, s, e)
        # a marker attached to a piece that is itself attached or empty: the general path
        chain_bad = np.zeros(total, bool)
        chain_bad[:-1] = attached[:-1] & (attached[1:] | empty[1:])
        still |= chain_bad
    content = ~empty & ~attached
    bad_piece = still | (word_ids < 0)

    # content pieces in order within their document
    ci = np.flatnonzero(content)
    cdoc = doc[ci]
    cs, ce, cw = s[ci], e[ci], word_ids[ci]
    cfirst = np.ones(len(ci), bool)
    cfirst[1:] = cdoc[1:] != cdoc[:-1]
    back = np.zeros(len(ci), bool)
    back[1:] = ~cfirst[1:] & ((cs[1:] < cs[:-1]) | (ce[1:] < ce[:-1]))
    # word units (build_units, "first" mode, span input): a content piece continues the unit before it when it
    # is of the same pre-tokenizer word and does not start after it ends, or when it overlaps it
    cont = np.zeros(len(ci), bool)
    cont[1:] = ~cfirst[1:] & (((cw[1:] == cw[:-1]) & (cs[1:] <= ce[:-1])) | (cs[1:] < ce[:-1]))
    new_unit = ~cont
    unit_of_c = np.cumsum(new_unit) - 1
    n_units = int(new_unit.sum())
    u_doc = cdoc[new_unit]
    u_start = cs[new_unit]
    u_end = np.zeros(n_units, _INT)
    if n_units:
        u_end = np.maximum.reduceat(ce, np.flatnonzero(new_unit))
    # each unit's first piece: the attached marker right before its first content piece, if any
    u_first = ci[new_unit].copy()
    prev = u_first - 1
    has_att = (prev >= 0) & attached[np.maximum(prev, 0)]
    u_first[has_att] = prev[has_att]
    # unit of every piece: content -> its unit, attached -> the unit of the next content piece, empty -> none
    unit_of = np.full(total, -1, _INT)
    unit_of[ci] = unit_of_c
    att = np.flatnonzero(attached)
    unit_of[att] = unit_of[att + 1]
    # an attached marker before a piece that continues a unit belongs to that unit without being its first piece
    bad_piece[att] |= ~np.isin(att, u_first)

    np.logical_or.at(bad_doc, doc[bad_piece], True)
    np.logical_or.at(bad_doc, cdoc[back], True)

    # coverage: a non-space character no piece covers although the normalizer keeps it -> general path (K101)
    if len(joined):
        cov = np.zeros(len(joined) + 1, _INT)
        np.add.at(cov, (gb + s)[~empty], 1)
        np.add.at(cov, (gb + e)[~empty], -1)
        holes = np.flatnonzero((np.cumsum(cov)[:-1] == 0) & ~ws[:-1])
        if len(holes):
            kept = np.fromiter((keeps(joined[i]) for i in holes.tolist()), bool, len(holes))
            hole_doc = np.searchsorted(base, holes[kept], side="right") - 1
            bad_doc[hole_doc] = True

    # spans: inside the text, no edge whitespace, apart, exact on units, known labels
    n_spans = len(span_doc)
    order = np.lexsort((span_end, span_start, span_doc))
    sd, ss, se, sl = span_doc[order], span_start[order], span_end[order], span_label[order]
    sbad = (ss < 0) | (se <= ss) | (se > doc_len[sd])
    gss = base[sd] + np.clip(ss, 0, None)
    gse = base[sd] + np.clip(se, 1, None)
    sbad |= ws[np.minimum(gss, len(joined))] | ws[np.minimum(gse - 1, len(joined))]
    clash = np.zeros(n_spans, bool)
    clash[1:] = (sd[1:] == sd[:-1]) & (ss[1:] < se[:-1])
    sbad |= clash
    sbad[np.flatnonzero(clash) - 1] = True
    gu_start = base[u_doc] + u_start
    gu_end = base[u_doc] + u_end
    i0 = np.searchsorted(gu_start, gss)
    i1 = np.searchsorted(gu_end, gse)
    i0c = np.minimum(i0, max(n_units - 1, 0))
    i1c = np.minimum(i1, max(n_units - 1, 0))
    if n_units:
        sbad |= (i0 >= n_units) | (i1 >= n_units) | (gu_start[i0c] != gss) | (gu_end[i1c] != gse) | (i1c < i0c)
    else:
        sbad |= True
    np.logical_or.at(bad_doc, sd[sbad], True)

    # labels per unit from the chunks (unit ranges), in the target scheme
    ok_span = ~bad_doc[sd]
    c0, c1, ct = i0c[ok_span], i1c[ok_span], sl[ok_span]
    u_kind = np.full(n_units, K_O, _INT)
    u_type = np.zeros(n_units, _INT)
    cover = np.zeros(n_units + 1, _INT)
    np.add.at(cover, c0, 1)
    np.add.at(cover, c1 + 1, -1)
    inside = np.cumsum(cover)[:-1] > 0
    u_kind[inside] = K_INSIDE
    u_type[inside] = np.repeat(ct, c1 - c0 + 1)
    u_kind[c1] = K_END
    u_kind[c0] = np.where(c0 == c1, K_SINGLE, K_BEGIN)
    adjacent = np.zeros(len(c0), bool)
    adjacent[1:] = (c0[1:] == c1[:-1] + 1) & (ct[1:] == ct[:-1]) & (u_doc[c0[1:]] == u_doc[c1[:-1]])
    if mark_adjacent(u_kind, c0[adjacent], c1[np.flatnonzero(adjacent) - 1], labels.target):
        bad_doc[u_doc[c0[adjacent]]] = True  # IO merges them: the general path says so
    lut = labels.lut
    if lut.shape[1] == 0:
        lut = np.full((7, 1), labels.label2id.get(OUTSIDE, -1), _INT)
    u_label = lut[u_kind, u_type]
    np.logical_or.at(bad_doc, u_doc[u_label < 0], True)

    # rows of the documents taken
    ok = ~bad_doc
    take = np.flatnonzero(ok)
    psel = ok[doc]
    npre = len(prefix_ids)
    n_f = n_pieces[ok]
    lengths, row_off, input_ids = row_layout(n_f, prefix_ids, suffix_ids)
    rows_total = len(input_ids)
    pidx = np.flatnonzero(psel)
    prow = np.cumsum(ok)[doc[pidx]] - 1  # row of each taken piece
    dest = row_off[prow] + npre + (pidx - first[doc[pidx]])
    input_ids[dest] = ids[pidx]
    out_labels = np.full(rows_total, IGNORE, np.int64)
    usel = ok[u_doc]
    pos_of_piece = np.full(total, -1, _INT)
    pos_of_piece[pidx] = dest
    out_labels[pos_of_piece[u_first[usel]]] = u_label[usel]
    starts = np.zeros(rows_total, np.int32)
    ends = np.zeros(rows_total, np.int32)
    starts[dest] = s[pidx]
    ends[dest] = e[pidx]
    first_unit = np.zeros(n_docs, _INT)
    if n_units:
        first_unit = np.searchsorted(u_doc, np.arange(n_docs, dtype=_INT))
    wid = np.zeros(rows_total, np.int32)
    wnull = np.ones(rows_total, bool)
    u = unit_of[pidx]
    has = u >= 0
    wid[dest[has]] = (u - first_unit[doc[pidx]])[has]
    wnull[dest[has]] = False
    # char_start / char_end: over the pieces with characters or attached (kinds != EMPTY)
    lo = np.full(n_docs, np.iinfo(_INT).max, _INT)
    hi = np.full(n_docs, np.iinfo(_INT).min, _INT)
    ne = ~empty
    np.minimum.at(lo, doc[ne], s[ne])
    np.maximum.at(hi, doc[ne], e[ne])
    lo = np.where(lo == np.iinfo(_INT).max, 0, lo)
    hi = np.where(hi == np.iinfo(_INT).min, 0, hi)

    cols = RowColumns(
        ids=[row_ids[i] for i in take],
        doc_ids=[doc_ids[i] for i in take],
        lengths=lengths,
        char_end=hi[ok].astype(np.int32),
        input_ids=input_ids,
        labels=out_labels,
        starts=starts,
        ends=ends,
        word_ids=wid,
        word_null=wnull,
        char_start=lo[ok].astype(np.int32),
    )
    spans_taken = int(ok[span_doc].sum()) if n_spans else 0
    counts = Counts(examples=len(take), windows=len(take), spans_in=spans_taken, exact=spans_taken, tokens=int(n_f.sum()))
    return cols, ok, counts
