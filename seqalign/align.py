"""Char spans -> one label per subword, with an account of every span.

The steps, per example:

1. clean the spans at char level: trim edge whitespace, drop empty spans and duplicates, resolve overlaps
   by the named policy;
2. group the pieces into *units*, the smallest things a label can sit on: with ``label_subwords="all"``
   a unit is a piece (pieces that share a character, like the byte pieces of one CJK character, form one
   unit); with ``"first"`` a unit is a word and its label sits on the word's first piece;
3. map each span onto units (strict / contract / expand, spaCy's meanings);
4. encode the unit chunks in the target scheme over the *labelled positions* only, so that reading the
   non-ignored labels back gives exactly the spans reported exact or adjusted (this is what decode does);
5. cut windows when the example is longer than the model takes.

Every input span ends with exactly one Outcome, carried by a Diagnostic when it is not exact.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import IGNORE, Counts, Diagnostic, Example, Location, Outcome, Severity, Span
from .schemes import Scheme, spans_to_tags, unrepresentable
from .tokenization import ATTACHED, CONTENT, EMPTY, Encoded

ALIGNMENTS = ("strict", "contract", "expand")
OVERLAPS = ("error", "keep-longer", "keep-first")
LABEL_SUBWORDS = ("first", "all")

# Stable codes (the catalog with explanations lives in seqalign.codes).
TRIMMED, CONTRACTED, EXPANDED, UNCOVERED = "S101", "S102", "S103", "S104"
CUTS_TOKEN, EMPTY_SPAN, NO_TOKENS, OVERLAP, COLLISION, DUPLICATE = "S201", "S202", "S203", "S204", "S205", "S206"
TRUNCATED, WINDOW_CUT = "S301", "S302"
MERGED = "S401"
WORD_NO_PIECES = "W101"
REALIGNED = "K101"


@dataclass(frozen=True, slots=True)
class AlignConfig:
    scheme: Scheme
    alignment: str = "strict"
    overlaps: str = "error"
    label_subwords: str = "first"
    max_length: int = 512  # including special tokens
    overlap: int = 0  # pieces shared by consecutive windows

    def __post_init__(self) -> None:
        if self.alignment not in ALIGNMENTS:
            raise ValueError(f"alignment must be one of {', '.join(ALIGNMENTS)}")
        if self.overlaps not in OVERLAPS:
            raise ValueError(f"overlaps must be one of {', '.join(OVERLAPS)}")
        if self.label_subwords not in LABEL_SUBWORDS:
            raise ValueError(f"label_subwords must be one of {', '.join(LABEL_SUBWORDS)}")


@dataclass(slots=True)
class Row:
    """One model input: an example, or one window of it."""

    id: str
    window: int
    input_ids: list[int]
    labels: list[int]
    offset_mapping: list[tuple[int, int]]
    word_ids: list[int | None]
    char_start: int
    char_end: int
    token_start: int = 0  # index of the window's first piece among the example's pieces
    doc_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "window": self.window,
            "input_ids": self.input_ids,
            "attention_mask": [1] * len(self.input_ids),
            "labels": self.labels,
            "offset_mapping": [list(p) for p in self.offset_mapping],
            "word_ids": self.word_ids,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "token_start": self.token_start,
        }


@dataclass(slots=True)
class Aligned:
    rows: list[Row]
    diagnostics: list[Diagnostic]
    counts: Counts
    kept: list[Span] = field(default_factory=list)  # the spans as the labels encode them


@dataclass(slots=True)
class _Fate:
    """What happens to one input span on its way through the steps."""

    span: Span
    current: Span | None
    actions: list[tuple[str, str]] = field(default_factory=list)  # (code, message)
    outcome: Outcome = Outcome.EXACT
    units: tuple[int, int] | None = None  # unit range, inclusive

    def adjust(self, code: str, msg: str, new: Span) -> None:
        self.actions.append((code, msg))
        self.current = new
        if self.outcome is Outcome.EXACT:
            self.outcome = Outcome.ADJUSTED

    def lose(self, code: str, msg: str) -> None:
        self.actions.append((code, msg))
        self.current = None
        self.outcome = Outcome.LOST


# ------------------------------------------------------------------------------------------- char level


def _clean_spans(text: str, spans: Sequence[Span], overlaps: str) -> list[_Fate]:
    fates = [_Fate(sp, sp) for sp in spans]
    for f in fates:
        s, e = f.span.start, f.span.end
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s == e:
            what = "empty" if f.span.start == f.span.end else "whitespace only"
            f.lose(EMPTY_SPAN, f"span is {what}")
        elif (s, e) != (f.span.start, f.span.end):
            f.adjust(TRIMMED, f"edge whitespace trimmed to ({s},{e})", Span(s, e, f.span.label))
    live = sorted((f for f in fates if f.current), key=lambda f: (f.current.start, f.current.end, f.current.label))
    seen: dict[tuple[int, int, str], _Fate] = {}
    uniq: list[_Fate] = []
    for f in live:
        key = f.current.as_tuple()
        if key in seen:
            f.lose(DUPLICATE, f"duplicate of span ({key[0]},{key[1]},{key[2]})")
        else:
            seen[key] = f
            uniq.append(f)
    if overlaps == "keep-longer":
        order = sorted(uniq, key=lambda f: (-(f.current.end - f.current.start), f.current.start))
    else:
        order = sorted(uniq, key=lambda f: (f.current.start, f.current.end - f.current.start))
    kept: list[_Fate] = []
    for f in order:
        clash = next((k for k in kept if k.current.start < f.current.end and f.current.start < k.current.end), None)
        if clash is None:
            kept.append(f)
            continue
        c = clash.current
        if overlaps == "error":
            # Keep going, so that every overlap in the input is listed, not just the first.
            f.lose(OVERLAP, f"overlaps span ({c.start},{c.end},{c.label})")
            f.actions[-1] = (OVERLAP, f"overlaps span ({c.start},{c.end},{c.label}); choose --overlaps keep-longer or keep-first")
        else:
            f.lose(OVERLAP, f"overlaps span ({c.start},{c.end},{c.label}), which {overlaps} keeps")
    return fates


# ------------------------------------------------------------------------------------------------ units


def build_units(enc: Encoded, mode: str, given_words: bool) -> tuple[list[int], list[int], list[int], list[int]]:
    """Group pieces into units. Returns (unit of each piece or -1, unit starts, unit ends, first piece of unit)."""
    n = len(enc.ids)
    unit_of = [-1] * n
    u_start: list[int] = []
    u_end: list[int] = []
    u_first: list[int] = []
    starts, ends, kinds, wids = enc.starts, enc.ends, enc.kinds, enc.word_ids
    pending: list[int] = []  # attached pieces waiting for the piece they belong to
    prev_word: int | None = None
    for i in range(n):
        k = kinds[i]
        if k == ATTACHED or (k == EMPTY and given_words and mode == "first" and _next_content_same_word(i, kinds, wids)):
            # In first mode the label sits on the word's first piece as HF word_ids count it, even when that
            # piece has no characters of its own (a 'Ġ' or '▁' before the word).
            pending.append(i)
            continue
        if k == EMPTY:
            continue
        s, e = starts[i], ends[i]
        u = len(u_start) - 1
        if u >= 0:
            if mode == "all":
                same = s < u_end[u]
            else:
                same = (wids[i] == prev_word and (given_words or s <= u_end[u])) or s < u_end[u]
        else:
            same = False
        if same:
            u_end[u] = max(u_end[u], e)
        else:
            u_start.append(s)
            u_end.append(e)
            u_first.append(pending[0] if pending else i)
            u = len(u_start) - 1
        for p in pending:
            unit_of[p] = u
        pending = []
        unit_of[i] = u
        prev_word = wids[i]
    return unit_of, u_start, u_end, u_first


def _next_content_same_word(i: int, kinds: list[int], wids: list[int | None]) -> bool:
    w = wids[i]
    for j in range(i + 1, len(kinds)):
        if wids[j] != w:
            return False
        if kinds[j] == CONTENT:
            return True
    return False


def _locate(u_start: list[int], u_end: list[int], s: int, e: int) -> tuple[int, int]:
    """Index range [i0, i1] of units overlapping [s, e); i1 < i0 when there are none."""
    i0 = bisect_right(u_end, s)  # first unit that ends after s
    i1 = bisect_left(u_start, e) - 1  # last unit that starts before e
    return i0, i1


# ------------------------------------------------------------------------------------------------- main


def align_example(
    ex: Example,
    enc: Encoded,
    cfg: AlignConfig,
    label2id: dict[str, int],
    prefix_ids: Sequence[int] = (),
    suffix_ids: Sequence[int] = (),
    file: str | None = None,
) -> Aligned:
    text = ex.text
    given_words = ex.words is not None
    diags: list[Diagnostic] = []
    counts = Counts(examples=1, spans_in=len(ex.spans), tokens=len(enc.ids))
    loc = Location(file=file, line=ex.line, example_id=ex.id)

    if enc.note:
        diags.append(Diagnostic(REALIGNED, Severity.WARNING, enc.note, loc))
    fates = _clean_spans(text, ex.spans, cfg.overlaps)
    unit_of, u_start, u_end, u_first = build_units(enc, cfg.label_subwords, given_words)
    monotonic = all(u_start[i] <= u_start[i + 1] and u_end[i] <= u_end[i + 1] for i in range(len(u_start) - 1))

    if given_words and ex.words:
        have = {w for w, k in zip(enc.word_ids, enc.kinds, strict=True) if k != EMPTY and w is not None}
        for w, (ws, we) in enumerate(ex.word_offsets or []):
            if w not in have:
                diags.append(
                    Diagnostic(
                        WORD_NO_PIECES,
                        Severity.WARNING,
                        f"word {w} {ex.words[w]!r} gives no tokens (e.g. only zero-width or control characters); "
                        "it gets no label and the other words keep theirs",
                        Location(file, ex.line + w if ex.line else None, ex.id, ws, we),
                    )
                )

    # Span -> unit range, by policy.
    for f in fates:
        if f.current is None:
            continue
        s, e = f.current.start, f.current.end
        if monotonic:
            i0, i1 = _locate(u_start, u_end, s, e)
        else:
            hits = [u for u in range(len(u_start)) if u_start[u] < e and u_end[u] > s]
            i0, i1 = (hits[0], hits[-1]) if hits else (1, 0)
        if i1 < i0:
            f.lose(NO_TOKENS, "no token covers any character of the span (the tokenizer dropped them)")
            continue
        cut_left = u_start[i0] < s
        cut_right = u_end[i1] > e
        lab = f.current.label
        if cut_left or cut_right:
            cut = [u for u in (i0 if cut_left else None, i1 if cut_right else None) if u is not None]
            token_txt = ", ".join(repr(text[u_start[u] : u_end[u]]) for u in cut)
            if cfg.alignment == "strict":
                f.units = (i0, i1)  # remembered so that its tokens get the ignore label, never O
                f.lose(CUTS_TOKEN, f"span boundary cuts token {token_txt}; its tokens get the ignore label")
                continue
            if cfg.alignment == "contract":
                j0 = i0 + 1 if cut_left else i0
                j1 = i1 - 1 if cut_right else i1
                f.units = (i0, i1)
                if j1 < j0:
                    f.lose(CUTS_TOKEN, f"span lies inside token {token_txt}; contracting leaves nothing")
                    continue
                new = Span(u_start[j0], u_end[j1], lab)
                f.adjust(
                    CONTRACTED,
                    f"span cut token {token_txt}; contracted to ({new.start},{new.end}) {text[new.start : new.end]!r}",
                    new,
                )
                f.units = (j0, j1)
                continue
            new = Span(u_start[i0], u_end[i1], lab)
            f.adjust(
                EXPANDED, f"span cut token {token_txt}; expanded to ({new.start},{new.end}) {text[new.start : new.end]!r}", new
            )
            f.units = (i0, i1)
            continue
        f.units = (i0, i1)
        if (u_start[i0], u_end[i1]) != (s, e):
            new = Span(u_start[i0], u_end[i1], lab)
            f.adjust(
                UNCOVERED,
                f"characters at the span's edge are covered by no token; the labels give ({new.start},{new.end})",
                new,
            )

    # Units claimed twice (two spans adjusted onto the same token) are resolved first come, first kept.
    owner: dict[int, _Fate] = {}
    for f in sorted((f for f in fates if f.units is not None and f.current is not None), key=lambda f: f.units):
        a, b = f.units
        other = next((owner[u] for u in range(a, b + 1) if u in owner), None)
        if other is not None:
            o = other.current
            f.lose(COLLISION, f"after alignment it shares tokens with span ({o.start},{o.end},{o.label}), which is kept")
            continue
        for u in range(a, b + 1):
            owner[u] = f
    # Tokens of a lost span, and the tokens a contraction cut off, have no trustworthy label: they get the
    # ignore label rather than O.
    ignored_units: set[int] = set()
    for f in fates:
        if f.units is not None and f.current is None:
            ignored_units.update(u for u in range(f.units[0], f.units[1] + 1) if u not in owner)
        elif any(c == CONTRACTED for c, _ in f.actions):
            ignored_units.update(u for u in _cut_units(f, u_start, u_end) if u not in owner)

    # Labelled positions: the pieces that carry a tag (all pieces of a unit, or a word's first piece).
    n = len(enc.ids)
    label_pos: list[int] = []
    pos_unit: list[int] = []
    if cfg.label_subwords == "all":
        for i in range(n):
            u = unit_of[i]
            if u >= 0 and u not in ignored_units:
                label_pos.append(i)
                pos_unit.append(u)
    else:
        for u, p in enumerate(u_first):
            if u not in ignored_units:
                label_pos.append(p)
                pos_unit.append(u)
    first_pos_of_unit: dict[int, int] = {}
    last_pos_of_unit: dict[int, int] = {}
    for k, u in enumerate(pos_unit):
        first_pos_of_unit.setdefault(u, k)
        last_pos_of_unit[u] = k

    # A unit whose label is withheld breaks the sequence: decoding reads each stretch between such breaks on its
    # own, so each stretch is encoded on its own too (no IOB1/IOE1 marker or IO merge reaches across a break).
    seg_of_unit: dict[int, int] = {}
    seg = 0
    for u in range(len(u_start)):
        if u in ignored_units:
            seg += 1
        else:
            seg_of_unit[u] = seg
    seg_of_pos = [seg_of_unit[u] for u in pos_unit]

    live = sorted((f for f in fates if f.current is not None and f.units is not None), key=lambda f: f.units)
    chunks = [(first_pos_of_unit[f.units[0]], last_pos_of_unit[f.units[1]] + 1, f.current.label) for f in live]
    if unrepresentable(chunks, cfg.scheme):
        _merge_adjacent(live, chunks, seg_of_pos, cfg.scheme.name)
    tags = ["O"] * len(label_pos)
    k0 = 0
    while k0 < len(label_pos):
        k1 = k0
        while k1 < len(label_pos) and seg_of_pos[k1] == seg_of_pos[k0]:
            k1 += 1
        local = [(a - k0, b - k0, t) for a, b, t in chunks if k0 <= a < k1]
        tags[k0:k1] = spans_to_tags(k1 - k0, local, cfg.scheme)
        k0 = k1

    labels = [IGNORE] * n
    for p, t in zip(label_pos, tags, strict=True):
        try:
            labels[p] = label2id[t]
        except KeyError:
            raise KeyError(f"label {t!r} is not in the label map") from None

    # Windows.
    room = max(1, cfg.max_length - len(prefix_ids) - len(suffix_ids))
    bounds = _windows(n, room, cfg.overlap, unit_of, enc.word_ids if cfg.label_subwords == "first" else None)
    counts.windows = len(bounds)
    piece_range = {
        id(f): (label_pos[first_pos_of_unit[f.units[0]]], _last_piece(f.units[1], unit_of, u_first, label_pos, last_pos_of_unit))
        for f in live
    }
    if len(bounds) > 1:
        for f in live:
            p0, p1 = piece_range[id(f)]
            inside = [a <= p0 and p1 < b for a, b in bounds]
            cuts = sum(1 for (a, b), ok in zip(bounds, inside, strict=True) if not ok and a <= p1 and p0 < b)
            counts.window_cuts += cuts
            if not any(inside):
                f.actions.append(
                    (TRUNCATED, f"no window of {cfg.max_length} tokens holds the whole entity; it is split across windows")
                )
                f.outcome = Outcome.TRUNCATED

    rows: list[Row] = []
    pre = list(prefix_ids)
    suf = list(suffix_ids)
    npre, nsuf = len(pre), len(suf)
    for w, (a, b) in enumerate(bounds):
        offs = [(0, 0)] * npre + [(enc.starts[i], enc.ends[i]) for i in range(a, b)] + [(0, 0)] * nsuf
        content = [i for i in range(a, b) if enc.kinds[i] != EMPTY]
        cs = min((enc.starts[i] for i in content), default=0)
        ce = max((enc.ends[i] for i in content), default=0)
        wids: list[int | None]
        if cfg.label_subwords == "first" or given_words:
            wids = [None] * npre + [unit_of[i] if not given_words else enc.word_ids[i] for i in range(a, b)] + [None] * nsuf
            if not given_words:
                wids = [None if (x is None or x < 0) else x for x in wids]
        else:
            wids = [None] * (npre + (b - a) + nsuf)
        rows.append(
            Row(
                id=ex.id,
                window=w,
                input_ids=pre + enc.ids[a:b] + suf,
                labels=[IGNORE] * npre + labels[a:b] + [IGNORE] * nsuf,
                offset_mapping=offs,
                word_ids=wids,
                char_start=cs,
                char_end=ce,
                token_start=a,
                doc_id=ex.doc_id,
            )
        )

    kept: list[Span] = []
    for f in fates:
        counts.add_outcome(f.outcome)
        if f.current is not None and f.outcome is not Outcome.LOST:
            kept.append(f.current)
        if f.outcome is Outcome.EXACT:
            continue
        code = f.actions[-1][0]
        sev = Severity.ERROR if code == OVERLAP and cfg.overlaps == "error" else Severity.WARNING
        diags.append(
            Diagnostic(
                code=code,
                severity=sev,
                message="; ".join(m for _, m in f.actions),
                location=Location(loc.file, loc.line, loc.example_id, f.span.start, f.span.end),
                fix=None if f.outcome is Outcome.LOST else (f"now ({f.current.start},{f.current.end})" if f.current else None),
                outcome=f.outcome,
                span=f.span,
                new_span=f.current if f.current is not None and f.current != f.span else None,
                span_text=text[f.span.start : f.span.end],
                policy=_policy_for(code, cfg),
            )
        )
    return Aligned(rows, diags, counts, sorted(set(kept)))


def _merge_adjacent(live: list[_Fate], chunks: list[tuple[int, int, str]], seg_of_pos: list[int], scheme: str) -> None:
    """Under IO, adjacent same-type entities read back as one: say so, and record the span they become."""
    k = 0
    while k < len(chunks):
        j = k
        while (
            j + 1 < len(chunks)
            and chunks[j][1] == chunks[j + 1][0]
            and chunks[j][2] == chunks[j + 1][2]
            and seg_of_pos[chunks[j][0]] == seg_of_pos[chunks[j + 1][0]]
        ):
            j += 1
        if j > k:
            first, last = live[k].current, live[j].current
            merged = Span(first.start, last.end, first.label)
            for f in live[k : j + 1]:
                f.adjust(
                    MERGED,
                    f"{scheme} cannot keep adjacent {merged.label} entities apart; the labels give ({merged.start},{merged.end})",
                    merged,
                )
        k = j + 1


def _policy_for(code: str, cfg: AlignConfig) -> str | None:
    if code in (CUTS_TOKEN, CONTRACTED, EXPANDED):
        return f"alignment={cfg.alignment}"
    if code in (OVERLAP, COLLISION):
        return f"overlaps={cfg.overlaps}"
    if code == MERGED:
        return f"scheme={cfg.scheme.name}"
    if code == TRUNCATED:
        return f"max_length={cfg.max_length}, overlap={cfg.overlap}"
    return None


def _cut_units(f: _Fate, u_start: list[int], u_end: list[int]) -> list[int]:
    s, e = f.span.start, f.span.end
    return [u for u in range(len(u_start)) if u_start[u] < e and u_end[u] > s and not (u_start[u] >= s and u_end[u] <= e)]


def _last_piece(u: int, unit_of: list[int], u_first: list[int], label_pos: list[int], last_pos_of_unit: dict[int, int]) -> int:
    # The last piece of unit u (for window accounting, the whole unit must fit).
    i = label_pos[last_pos_of_unit[u]]
    while i + 1 < len(unit_of) and unit_of[i + 1] == u:
        i += 1
    return i


def _windows(n: int, room: int, overlap: int, unit_of: list[int], word_ids: list[int | None] | None) -> list[tuple[int, int]]:
    """Piece ranges [a, b) of at most ``room`` pieces, consecutive ones sharing about ``overlap`` pieces.

    Cuts prefer word boundaries, then unit boundaries, so that a label and its word stay together; every
    piece lands in at least one window.
    """
    if n <= room:
        return [(0, n)]
    overlap = min(overlap, room - 1)

    def good_cut(i: int) -> int:
        if i <= 0 or i >= n:
            return 2
        if unit_of[i] >= 0 and unit_of[i] == unit_of[i - 1]:
            return 0
        if word_ids is not None and word_ids[i] is not None and word_ids[i] == word_ids[i - 1]:
            return 1
        return 2

    out: list[tuple[int, int]] = []
    a = 0
    while True:
        b = min(a + room, n)
        if b < n:
            best = b
            for want in (2, 1):
                cand = next((j for j in range(b, a + max(1, room // 2), -1) if good_cut(j) >= want), None)
                if cand is not None:
                    best = cand
                    break
            b = best
        out.append((a, b))
        if b >= n:
            return out
        nxt = max(b - overlap, a + 1)
        for j in range(nxt, max(a + 1, nxt - room // 4), -1):
            if good_cut(j) == 2:
                nxt = j
                break
        a = nxt
