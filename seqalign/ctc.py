"""CTC targets, pure: text normalization with an offset map, entity markers, parsing them back, feasibility.

CTC learns from unsegmented label sequences. Two facts shape this module:

* the loss inserts blanks itself, so a target is the plain label sequence (``three`` keeps both ``e``);
  only model *outputs* (frames) are collapsed, never targets;
* a target of length L with R adjacent repeats needs at least L + R input frames (a blank must separate
  each repeated pair), otherwise the loss is infinite -- and ``zero_infinity=True`` silently zeroes it.

Markers are inserted right to left, so an insertion never moves the offsets of the markers still to come
(left-to-right insertion with the original offsets makes every marker after the first drift). Nothing
here reads or writes files.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .model import Span

BLANK_TOKEN = "<pad>"
UNK_TOKEN = "<unk>"
WORD_DELIMITER = "|"
IGNORE = -100

# Default single-character markers: one vocabulary entry each, so Wav2Vec2CTCTokenizer re-tokenizes a
# transcript into exactly the exported labels (multi-character entries become added tokens, which strip
# the spaces around them). Symbols without case, outside letters/digits/punctuation that text uses.
END_MARKER_CHAR = "⟩"
_EMOJI_LIKE = {0x25FB, 0x25FC, 0x25FD, 0x25FE}
_MARKER_POOL = [chr(c) for c in range(0x25A0, 0x2600) if c not in _EMOJI_LIKE] + [chr(c) for c in range(0x2190, 0x2200)]


# --------------------------------------------------------------------------------------- normalization


@dataclass(frozen=True, slots=True)
class TextNorm:
    """How text becomes target units. Defaults follow common character-level CTC recipes."""

    case: str = "lower"  # lower | upper | keep
    unicode: str | None = "NFC"  # NFC | NFKC | NFD | NFKD | None
    delimiter: str = WORD_DELIMITER
    collapse_whitespace: bool = True  # a whitespace run is one delimiter; leading/trailing runs vanish
    drop_format_chars: bool = True  # zero-width and control characters are not sounds

    def __post_init__(self) -> None:
        if self.case not in ("lower", "upper", "keep"):
            raise ValueError("case must be lower, upper or keep")
        if self.unicode not in (None, "NFC", "NFKC", "NFD", "NFKD"):
            raise ValueError("unicode must be NFC, NFKC, NFD, NFKD or None")
        if len(self.delimiter) != 1 or self.delimiter.isspace():
            raise ValueError("the word delimiter must be one non-space character")


@dataclass(slots=True)
class Normalized:
    """Target units of a text plus the map between original char offsets and unit indices.

    ``left[i]``/``right[i]``: the unit index of original boundary i used as a span start / end; they differ
    from the exact position only inside a character cluster (e.g. between ``e`` and U+0301), where a start
    moves to the cluster's start and an end to its end. ``exact[i]`` says whether i is a real boundary.
    """

    units: list[str]
    orig_start: list[int]
    orig_end: list[int]
    left: list[int]
    right: list[int]
    exact: list[bool]
    dropped_chars: int = 0
    delimiter_in_text: list[int] = field(default_factory=list)  # original offsets of a literal delimiter


def _apply_case(s: str, case: str) -> str:
    if case == "lower":
        return s.lower()
    if case == "upper":
        return s.upper()
    return s


def _split_units(s: str) -> list[str]:
    """A base character with the combining marks after it is one unit (é in NFD is still one symbol)."""
    out: list[str] = []
    for ch in s:
        if out and unicodedata.combining(ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _norm_cluster(s: str, norm: TextNorm) -> str:
    if s.isascii():
        out = _apply_case(s, norm.case)
    else:
        out = unicodedata.normalize(norm.unicode, s) if norm.unicode else s
        out = _apply_case(out, norm.case)
        if norm.unicode:
            out = unicodedata.normalize(norm.unicode, out)  # case mapping can decompose (İ -> i + U+0307)
    if norm.drop_format_chars and not out.isascii():
        out = "".join(c for c in out if unicodedata.category(c) not in ("Cf", "Cc"))
    elif norm.drop_format_chars and any(ord(c) < 32 or ord(c) == 127 for c in out):
        out = "".join(c for c in out if not (ord(c) < 32 or ord(c) == 127))
    return out


def _cluster_end(text: str, i: int, norm: TextNorm) -> int:
    """End of the character cluster that starts at i: combining marks, and whatever composes with it."""
    n = len(text)
    j = i + 1
    while j < n and unicodedata.combining(text[j]):
        j += 1
    if norm.unicode is None:
        return j
    # Under composition a starter can still join the previous cluster (Hangul jamo, some Indic vowel signs).
    while j < n and not text[j].isascii() and not text[j].isspace():
        k = j + 1
        while k < n and unicodedata.combining(text[k]):
            k += 1
        f = norm.unicode
        if unicodedata.normalize(f, text[i:k]) == unicodedata.normalize(f, text[i:j]) + unicodedata.normalize(f, text[j:k]):
            break
        j = k
    return j


def normalize_text(text: str, norm: TextNorm = TextNorm()) -> Normalized:
    n = len(text)
    units: list[str] = []
    ostart: list[int] = []
    oend: list[int] = []
    left = [0] * (n + 1)
    right = [0] * (n + 1)
    exact = [True] * (n + 1)
    dropped = 0
    delim_hits: list[int] = []
    i = 0
    while i < n:
        if text[i].isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            if norm.collapse_whitespace:
                here = len(units)
                if units and j < n:  # leading and trailing whitespace give no delimiter
                    units.append(norm.delimiter)
                    ostart.append(i)
                    oend.append(j)
                left[i] = right[i] = here
                for k in range(i + 1, j):
                    left[k] = right[k] = len(units)
                    exact[k] = False
            else:
                for k in range(i, j):
                    left[k] = right[k] = len(units)
                    units.append(norm.delimiter)
                    ostart.append(k)
                    oend.append(k + 1)
            i = j
            continue
        j = _cluster_end(text, i, norm)
        s = _norm_cluster(text[i:j], norm)
        if norm.delimiter in text[i:j]:
            delim_hits.append(i + text[i:j].index(norm.delimiter))
        before = len(units)
        parts = _split_units(s)
        if not parts:
            dropped += j - i
        for u in parts:
            units.append(u)
            ostart.append(i)
            oend.append(j)
        left[i] = right[i] = before
        for k in range(i + 1, j):
            left[k] = before
            right[k] = len(units)
            exact[k] = False
        i = j
    left[n] = right[n] = len(units)
    return Normalized(units, ostart, oend, left, right, exact, dropped, delim_hits)


def units_to_text(units: Iterable[str], delimiter: str = WORD_DELIMITER) -> str:
    """Target units -> readable text: the delimiter becomes a space (nothing is stripped)."""
    return "".join(" " if u == delimiter else u for u in units)


# --------------------------------------------------------------------------------------------- markers


@dataclass(frozen=True, slots=True)
class Markers:
    """Entity markers: a start marker per type and a shared end marker (or one end marker per type)."""

    start: dict[str, str] = field(default_factory=dict)
    end: str | dict[str, str] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.start)

    def end_for(self, label: str) -> str:
        if isinstance(self.end, dict):
            return self.end[label]
        assert self.end is not None
        return self.end

    def all(self) -> list[str]:
        out = list(self.start.values())
        if isinstance(self.end, dict):
            out.extend(v for v in self.end.values() if v not in out)
        elif self.end is not None:
            out.append(self.end)
        return out

    def lookup(self) -> dict[str, tuple[str, str | None]]:
        """marker string -> ("start", type) or ("end", type or None for the shared end marker)."""
        out: dict[str, tuple[str, str | None]] = {m: ("start", t) for t, m in self.start.items()}
        if isinstance(self.end, dict):
            out.update({m: ("end", t) for t, m in self.end.items()})
        elif self.end is not None:
            out[self.end] = ("end", None)
        return out

    def to_dict(self) -> dict[str, object]:
        return {"start": dict(self.start), "end": self.end}


def default_markers(types: Sequence[str], style: str = "chars") -> Markers:
    """``chars``: one symbol per type from a fixed pool (sorted types, so stable across runs) and ``⟩``;
    ``tags``: ``<TYPE>`` and ``</>``; ``none``: no markers (plain transcripts)."""
    types = sorted(set(types))
    if style == "none":
        return Markers({}, None)
    if style == "tags":
        return Markers({t: f"<{t}>" for t in types}, "</>")
    if style != "chars":
        raise ValueError(f"unknown marker style {style!r}; choose chars, tags or none")
    if len(types) > len(_MARKER_POOL):
        raise ValueError(f"{len(types)} entity types but only {len(_MARKER_POOL)} single-character markers; use --markers tags")
    return Markers(dict(zip(types, _MARKER_POOL, strict=False)), END_MARKER_CHAR)


def markers_from_dict(data: object, types: Sequence[str] = ()) -> Markers:
    """``{"start": {"PER": "[", ...}, "end": "]"}`` (or ``"end": {"PER": ...}``); raises ValueError."""
    if not isinstance(data, dict) or not isinstance(data.get("start"), dict):
        raise ValueError('expected {"start": {"TYPE": "marker", ...}, "end": "marker" or {"TYPE": "marker"}}')
    start = data["start"]
    end = data.get("end")
    for k, v in start.items():
        if not isinstance(v, str) or not v:
            raise ValueError(f"start marker of {k!r} must be a non-empty string")
    if isinstance(end, dict):
        missing = sorted(set(start) - set(end))
        if missing:
            raise ValueError(f"no end marker for type(s) {', '.join(missing)}")
        if any(not isinstance(v, str) or not v for v in end.values()):
            raise ValueError("end markers must be non-empty strings")
    elif not isinstance(end, str) or not end:
        raise ValueError('"end" must be a non-empty string or an object of them')
    missing = sorted(set(types) - set(start))
    if missing:
        raise ValueError(f"the data has entity types without a start marker: {', '.join(missing[:10])}")
    return Markers(dict(start), dict(end) if isinstance(end, dict) else end)


def marker_problems(markers: Markers, norm: TextNorm, reserved: Iterable[str] = (BLANK_TOKEN, UNK_TOKEN)) -> list[str]:
    """What is wrong with a marker set on its own: duplicates (also after case folding), whitespace, the
    delimiter, reserved tokens. Clashes with the text are checked per example by :func:`text_collisions`."""
    out: list[str] = []
    seen: dict[str, str] = {}
    reserved = set(reserved)
    starts = set(markers.start.values())
    if isinstance(markers.end, str) and markers.end in starts:
        out.append(f"the end marker {markers.end!r} is also a start marker")
    for m in markers.all():
        key = m.casefold()
        if key in seen and seen[key] != m:
            out.append(f"markers {seen[key]!r} and {m!r} are the same after lowercasing")
        seen.setdefault(key, m)
        if any(c.isspace() for c in m):
            out.append(f"marker {m!r} contains whitespace")
        if norm.delimiter in m:
            out.append(f"marker {m!r} contains the word delimiter {norm.delimiter!r}")
        if m in reserved:
            out.append(f"marker {m!r} is a reserved token")
    if len(starts) != len(markers.start):
        out.append("two types share a start marker")
    return out


def text_collisions(text: str, normalized: Normalized, markers: Markers, norm: TextNorm) -> list[str]:
    """Why this example's text cannot carry the markers or the delimiter (empty when it can)."""
    out: list[str] = []
    if normalized.delimiter_in_text:
        out.append(
            f"text contains the word-delimiter character {norm.delimiter!r} (at char {normalized.delimiter_in_text[0]}); "
            "choose another delimiter or escape"
        )
    if markers.enabled:
        folded = text.casefold()
        joined = "".join(normalized.units)
        for m in markers.all():
            if m in text or m.casefold() in folded or m in joined:
                where = text.find(m)
                where = folded.find(m.casefold()) if where < 0 else where
                at = f" (at char {where})" if where >= 0 else " (after normalization)"
                out.append(f"text contains the marker {m!r}{at}")
    return out


@dataclass(frozen=True, slots=True)
class Rejected:
    span: Span
    reason: str  # "empty" | "duplicate" | "crossing"
    other: Span | None = None


def clean_spans(
    text: str, spans: Iterable[Span], space: Callable[[str], bool] = str.isspace
) -> tuple[list[Span], list[tuple[Span, Span]], list[Rejected]]:
    """Trim edge whitespace, drop empty and duplicate spans, and keep a properly nested set.

    Returns (kept spans, (original, trimmed) pairs for the trimmed ones, rejected spans). Nested spans are
    fine -- a shared end marker closes the innermost open entity -- but crossing ones cannot be written.
    """
    trimmed: list[tuple[Span, Span]] = []
    rejected: list[Rejected] = []
    live: list[Span] = []
    for sp in spans:
        s, e = sp.start, sp.end
        while s < e and space(text[s]):
            s += 1
        while e > s and space(text[e - 1]):
            e -= 1
        if s >= e:
            rejected.append(Rejected(sp, "empty"))
            continue
        new = Span(s, e, sp.label)
        if new != sp:
            trimmed.append((sp, new))
        live.append(new)
    kept: list[Span] = []
    seen: set[Span] = set()
    stack: list[Span] = []
    for sp in sorted(live, key=lambda x: (x.start, -x.end, x.label)):
        if sp in seen:
            rejected.append(Rejected(sp, "duplicate", sp))
            continue
        while stack and stack[-1].end <= sp.start:
            stack.pop()
        if stack and sp.end > stack[-1].end:
            rejected.append(Rejected(sp, "crossing", stack[-1]))
            continue
        seen.add(sp)
        stack.append(sp)
        kept.append(sp)
    return kept, trimmed, rejected


def _events(spans: Sequence[Span], markers: Markers) -> list[tuple[int, str]]:
    """(position, marker) in final left-to-right order. Spans must be properly nested."""
    ev: list[tuple[tuple[int, int, int, int, str], str]] = []
    if not markers.enabled:
        return []  # plain transcripts: the spans travel beside the target, not inside it
    for sp in spans:
        # At one position: ends before starts; inner ends (later start) first; outer starts (later end) first.
        ev.append(((sp.end, 0, -sp.start, 0, sp.label), markers.end_for(sp.label)))
        ev.append(((sp.start, 1, -sp.end, 0, sp.label), markers.start[sp.label]))
    ev.sort(key=lambda x: x[0])
    return [(k[0], m) for k, m in ev]


def insert_markers(text: str, spans: Sequence[Span], markers: Markers) -> str:
    """The text with a start and an end marker around every span, inserted right to left."""
    out = text
    for pos, m in reversed(_events(spans, markers)):
        out = out[:pos] + m + out[pos:]
    return out


def mark_units(units: Sequence[str], spans: Sequence[Span], markers: Markers) -> list[str]:
    """Target units with markers inserted at unit positions, right to left (spans in unit index space)."""
    out = list(units)
    for pos, m in reversed(_events(spans, markers)):
        out.insert(pos, m)
    return out


# ------------------------------------------------------------------------------------------ parsing back


@dataclass(frozen=True, slots=True)
class ParseProblem:
    kind: str  # "stray_end" | "unclosed" | "empty"
    index: int  # index in the marked sequence
    detail: str


@dataclass(slots=True)
class Parsed:
    items: list[str]  # the sequence without markers
    spans: list[Span]  # in index space of ``items``
    problems: list[ParseProblem]


def split_marked(s: str, markers: Markers) -> list[str]:
    """A marked transcript string -> items: a marker (longest match first) or one character."""
    ms = sorted(markers.all(), key=len, reverse=True)
    if not ms:
        return list(s)
    firsts = {m[0] for m in ms}
    out: list[str] = []
    i = 0
    n = len(s)
    while i < n:
        c = s[i]
        if c in firsts:
            m = next((m for m in ms if s.startswith(m, i)), None)
            if m is not None:
                out.append(m)
                i += len(m)
                continue
        out.append(c)
        i += 1
    return out


def parse_marked(items: Sequence[str], markers: Markers, space: Callable[[str], bool] = str.isspace) -> Parsed:
    """Marked items -> (items without markers, spans). Tolerant: a stray end marker is skipped, an unclosed
    start marker or an empty entity is dropped, each with a problem. Span edges are trimmed of ``space``."""
    look = markers.lookup()
    text: list[str] = []
    spans: list[Span] = []
    problems: list[ParseProblem] = []
    stack: list[tuple[str, int, int]] = []  # (type, text position, marker index)
    for idx, it in enumerate(items):
        kind = look.get(it)
        if kind is None:
            text.append(it)
            continue
        what, typ = kind
        if what == "start":
            assert typ is not None
            stack.append((typ, len(text), idx))
            continue
        k = len(stack) - 1
        if typ is not None:
            while k >= 0 and stack[k][0] != typ:
                k -= 1
        if k < 0:
            problems.append(
                ParseProblem("stray_end", idx, f"end marker {it!r} with no open entity{'' if typ is None else ' of type ' + typ}")
            )
            continue
        t, s, _ = stack.pop(k)
        e = len(text)
        while s < e and space(text[s]):
            s += 1
        while e > s and space(text[e - 1]):
            e -= 1
        if s >= e:
            problems.append(ParseProblem("empty", idx, f"entity {t} has no text"))
            continue
        spans.append(Span(s, e, t))
    for t, _s, idx in stack:
        problems.append(ParseProblem("unclosed", idx, f"start marker of {t} is never closed; the entity is dropped"))
    return Parsed(text, sorted(spans), problems)


def parse_transcript(s: str, markers: Markers) -> Parsed:
    """A marked transcript string -> text without markers and char spans into it."""
    return parse_marked(split_marked(s, markers), markers)


def parse_units(units: Sequence[str], markers: Markers, delimiter: str = WORD_DELIMITER) -> Parsed:
    """Marked target units -> units without markers and spans in unit index space."""
    return parse_marked(units, markers, space=lambda u: u == delimiter or u.isspace())


def unit_spans_to_chars(units: Sequence[str], spans: Iterable[Span], delimiter: str = WORD_DELIMITER) -> tuple[str, list[Span]]:
    """Spans over units -> (the readable text of the units, char spans into it); units may be several code points."""
    offs = [0]
    for u in units:
        offs.append(offs[-1] + len(u))
    return units_to_text(units, delimiter), [Span(offs[sp.start], offs[sp.end], sp.label) for sp in spans]


# ----------------------------------------------------------------------------------------- feasibility


def repeats(labels: Sequence[object]) -> int:
    """Adjacent equal labels: each needs a blank frame between its two symbols."""
    return sum(1 for i in range(1, len(labels)) if labels[i] == labels[i - 1])


def min_frames(labels: Sequence[object]) -> int:
    """The fewest input frames that give a finite CTC loss for this target: L + R."""
    return len(labels) + repeats(labels)


def feasible(labels: Sequence[object], frames: int) -> bool:
    return frames >= min_frames(labels)


def frames_from_duration(seconds: float, frames_per_second: float) -> int:
    """Frames a model makes of an utterance. Floor: a partial frame is not emitted (wav2vec2 gives
    floor((samples - 400) / 320) + 1, i.e. about 50 per second, never more)."""
    return int(seconds * frames_per_second + 1e-9)


def ctc_collapse(frames: Sequence[int], blank: int) -> list[int]:
    """Greedy CTC decoding of frame ids: merge repeats, then drop blanks (the blank separates real repeats)."""
    out: list[int] = []
    prev: int | None = None
    for f in frames:
        if f != prev and f != blank:
            out.append(f)
        prev = f
    return out


def pad_labels(seqs: Sequence[Sequence[int]], pad: int = IGNORE) -> list[list[int]]:
    """Pad label sequences of a batch to one length with -100 (the value CTC losses skip); storage never
    holds padding, only batches do."""
    width = max((len(s) for s in seqs), default=0)
    return [list(s) + [pad] * (width - len(s)) for s in seqs]


def collate_labels(features: Sequence[dict[str, object]], pad: int = IGNORE) -> dict[str, list[list[int]] | list[int]]:
    """A minimal collator for the ``labels`` of exported rows: padded labels and their true lengths."""
    seqs = [list(f["labels"]) for f in features]  # type: ignore[call-overload]
    return {"labels": pad_labels(seqs, pad), "label_length": [len(s) for s in seqs]}
