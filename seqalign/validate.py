"""Checks that read an annotation export the way a linter reads code: every finding is a coded Diagnostic.

Pure: examples (and, for file-level checks, bytes the edge already read) in, diagnostics out. The CLI and
``api.validate_file`` do the reading, selecting and rendering. Codes and their explanations are in
``seqalign.codes.CATALOG``; span checks reuse the S codes align uses for the same fault (S101 edge whitespace,
S202 empty, S206 duplicate, S201 cuts a subword token), tag checks reuse T101.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .model import Diagnostic, Example, Location, Severity, Span
from .offsets import differs, from_codepoint, to_codepoint
from .schemes import Scheme, tags_to_spans
from .tokenization import Encoded, split_words

OUT_OF_RANGE = "V101"
TEXT_MISMATCH = "V102"
STORED_WHITESPACE = "V103"
UTF16_UNITS = "V104"
GRAPHEME_UNITS = "V105"
EDGE_WHITESPACE = "S101"
EMPTY = "S202"
DUPLICATE = "S206"
SAME_RANGE_OTHER_LABEL = "V111"
NESTED = "V120"
CROSSING = "V121"
CROSSING_DISCONTINUOUS = "V122"
DISCONTINUOUS = "V130"
UNKNOWN_LABEL = "V140"
CUTS_WORD = "V150"
CUTS_TOKEN = "S201"
ILLEGAL_TRANSITION = "T101"
TOKEN_INDEX_MISMATCH = "V160"
UNREADABLE_TAG = "V165"
BOM = "V171"
CRLF = "V172"
INVISIBLE_CHAR = "V174"
NOT_NFC = "V175"
DUPLICATE_DOC = "V180"
UNIT_CODES = {"utf16": UTF16_UNITS, "grapheme": GRAPHEME_UNITS}
# characters that look like nothing or like a space but are not split on by most pre-tokenizers
INVISIBLE = {
    "\u00a0": "NO-BREAK SPACE",
    "\u200b": "ZERO WIDTH SPACE",
    "\u200c": "ZERO WIDTH NON-JOINER",
    "\u2060": "WORD JOINER",
    "\ufeff": "ZERO WIDTH NO-BREAK SPACE",
    "\u00ad": "SOFT HYPHEN",
    "\u202f": "NARROW NO-BREAK SPACE",
    "\u2009": "THIN SPACE",
}


@dataclass(slots=True)
class Checks:
    """What to check against: optional label list, tokenizer encodings, the scheme of word tags."""

    labels: set[str] | None = None
    scheme: Scheme | None = None
    file: str | None = None
    seen_docs: dict[str, int] = field(default_factory=dict)


def _loc(ex: Example, checks: Checks, s: int | None = None, e: int | None = None, line: int | None = None) -> Location:
    return Location(checks.file, line or ex.line, ex.id, s, e)


def _diag(
    code: str, sev: Severity, msg: str, loc: Location, span: Span | None = None, text: str | None = None, **kw: Any
) -> Diagnostic:
    return Diagnostic(code, sev, msg, loc, span=span, span_text=text, **kw)


def _word_edges(text: str) -> tuple[set[int], set[int]]:
    words = split_words(text)
    return {a for a, _ in words}, {b for _, b in words}


def _other_units(text: str, raw_s: int, raw_e: int, stored: str | None) -> list[tuple[str, int, int]]:
    """Readings of the raw numbers in other units that give a span in range (and matching ``stored``)."""
    out = []
    for unit in ("utf16", "grapheme"):
        if not differs(text, unit):
            continue
        s, e = to_codepoint(text, raw_s, unit), to_codepoint(text, raw_e, unit)
        if s is None or e is None or e < s:
            continue
        if stored is not None and text[s:e] != stored and text[s:e] != stored.strip():
            continue
        out.append((unit, s, e))
    return out


def check_bad_spans(ex: Example, checks: Checks) -> list[Diagnostic]:
    out = []
    for b in ex.meta.get("bad_spans", []):
        raw_s, raw_e, stored = b.get("start"), b.get("end"), b.get("text")
        loc = _loc(ex, checks, line=b.get("line"))
        span = Span(raw_s, raw_e, str(b.get("label"))) if isinstance(raw_s, int) and isinstance(raw_e, int) else None
        alts = _other_units(ex.text, raw_s, raw_e, stored) if span is not None and raw_s >= 0 else []
        if alts:
            unit, s, e = alts[0]
            out.append(
                _diag(
                    UNIT_CODES[unit],
                    Severity.ERROR,
                    f"({raw_s},{raw_e},{b.get('label')}) {b['reason']}; read as {unit} units it is {s}-{e} {ex.text[s:e]!r}",
                    loc,
                    span,
                    stored,
                    new_span=Span(s, e, span.label),
                    fix=f"--offset-unit {unit}",
                )
            )
        else:
            out.append(
                _diag(OUT_OF_RANGE, Severity.ERROR, f"({raw_s},{raw_e},{b.get('label')}): {b['reason']}", loc, span, stored)
            )
    return out


def check_spans(ex: Example, checks: Checks) -> list[Diagnostic]:
    """Per-span checks: stored text, offset units, whitespace, empty, labels, word cuts, discontinuity."""
    out: list[Diagnostic] = []
    infos = ex.meta.get("span_info")
    if not isinstance(infos, list) or len(infos) != len(ex.spans):
        infos = [{} for _ in ex.spans]
    text = ex.text
    astral = differs(text, "utf16") or differs(text, "grapheme")
    starts, ends = _word_edges(text) if ex.spans else (set(), set())
    unit_read = ex.meta.get("offset_unit", "codepoint")
    for sp, info in zip(ex.spans, infos, strict=True):
        frags = [tuple(f) for f in info.get("fragments") or [(sp.start, sp.end)]]
        covered = " ".join(text[a:b] for a, b in frags)
        loc = _loc(ex, checks, sp.start, sp.end, info.get("line"))
        stored = info.get("text")
        n_before = len(out)
        if len(frags) > 1:
            out.append(
                _diag(
                    DISCONTINUOUS,
                    Severity.INFO,
                    f"discontinuous {sp.label} span in {len(frags)} fragments: {covered!r}",
                    loc,
                    sp,
                    covered,
                )
            )
        if stored is not None and stored != covered:
            raw = (from_codepoint(text, sp.start, unit_read), from_codepoint(text, sp.end, unit_read))
            alts = [a for a in _other_units(text, *raw, stored) if a[0] != unit_read] if len(frags) == 1 else []
            exact = [a for a in alts if text[a[1] : a[2]] == stored]
            if stored.strip() == covered.strip() and stored.strip() and not exact:
                out.append(
                    _diag(
                        STORED_WHITESPACE,
                        Severity.INFO,
                        f"stored text {stored!r} differs from the covered text {covered!r} only in edge whitespace",
                        loc,
                        sp,
                        covered,
                        fix="stored text set to the covered text",
                    )
                )
            elif alts:
                unit, s, e = (exact or alts)[0]
                out.append(
                    _diag(
                        UNIT_CODES[unit],
                        Severity.ERROR,
                        f"stored text {stored!r} != text[{sp.start}:{sp.end}] {covered!r}; read as {unit} units the span is {s}-{e} {text[s:e]!r}",
                        loc,
                        sp,
                        covered,
                        new_span=Span(s, e, sp.label),
                        fix=f"--offset-unit {unit}",
                    )
                )
            else:
                out.append(
                    _diag(
                        TEXT_MISMATCH,
                        Severity.ERROR,
                        f"stored text {stored!r} != text[{sp.start}:{sp.end}] {covered!r}",
                        loc,
                        sp,
                        covered,
                    )
                )
        elif stored is None and astral and len(frags) == 1 and not (sp.start in starts and sp.end in ends):
            raw = (from_codepoint(text, sp.start, unit_read), from_codepoint(text, sp.end, unit_read))
            for unit, s, e in _other_units(text, *raw, None):
                if unit != unit_read and s in starts and e in ends:
                    out.append(
                        _diag(
                            UNIT_CODES[unit],
                            Severity.WARNING,
                            f"{covered!r} cuts words, but read as {unit} units the span is {s}-{e} {text[s:e]!r} on word edges",
                            loc,
                            sp,
                            covered,
                            new_span=Span(s, e, sp.label),
                            fix=f"--offset-unit {unit}",
                        )
                    )
                    break
        seg = text[sp.start : sp.end]
        if not seg.strip():
            out.append(
                _diag(
                    EMPTY,
                    Severity.WARNING,
                    f"{'empty' if not seg else 'whitespace-only'} {sp.label} span",
                    loc,
                    sp,
                    seg,
                    fix="span removed",
                )
            )
            continue
        lead = len(seg) - len(seg.lstrip())
        trail = len(seg) - len(seg.rstrip())
        if lead or trail:
            new = Span(sp.start + lead, sp.end - trail, sp.label)
            out.append(
                _diag(
                    EDGE_WHITESPACE,
                    Severity.WARNING,
                    f"{sp.label} span {seg!r} has {lead} leading / {trail} trailing whitespace",
                    loc,
                    sp,
                    seg,
                    new_span=new,
                    fix=f"trimmed to {new.start}-{new.end}",
                )
            )
        if checks.labels is not None and sp.label not in checks.labels:
            out.append(_diag(UNKNOWN_LABEL, Severity.ERROR, f"label {sp.label!r} is not in the label list", loc, sp, seg))
        s2, e2 = sp.start + lead, sp.end - trail
        unit_flagged = any(d.code in (UTF16_UNITS, GRAPHEME_UNITS) for d in out[n_before:])
        if len(frags) == 1 and not unit_flagged and not (s2 in starts and e2 in ends):
            out.append(_cut(CUTS_WORD, "word", ex, sp, s2, e2, split_words(text), loc))
    return out


def _cut(
    code: str, what: str, ex: Example, sp: Span, s: int, e: int, units: Sequence[tuple[int, int]], loc: Location
) -> Diagnostic:
    """A span cutting words/tokens, with what --alignment contract and expand would make of it."""
    inside = [(a, b) for a, b in units if a >= s and b <= e]
    touching = [(a, b) for a, b in units if a < e and b > s]
    contract = f"{inside[0][0]}-{inside[-1][1]} {ex.text[inside[0][0] : inside[-1][1]]!r}" if inside else "nothing (span lost)"
    expand = f"{touching[0][0]}-{touching[-1][1]} {ex.text[touching[0][0] : touching[-1][1]]!r}" if touching else "nothing"
    return _diag(
        code,
        Severity.WARNING,
        f"{sp.label} span {ex.text[s:e]!r} cuts a {what}; contract gives {contract}, expand gives {expand}",
        loc,
        sp,
        ex.text[sp.start : sp.end],
        policy="alignment=contract|expand",
    )


def check_tokens(ex: Example, enc: Encoded, checks: Checks) -> list[Diagnostic]:
    """Spans whose edges fall inside a subword token of the given tokenizer."""
    units = [(a, b) for a, b in zip(enc.starts, enc.ends, strict=True) if b > a]
    starts = [a for a, _ in units]
    ends = [b for _, b in units]
    out = []
    for sp in ex.spans:
        seg = ex.text[sp.start : sp.end]
        s, e = sp.start + (len(seg) - len(seg.lstrip())), sp.end - (len(seg) - len(seg.rstrip()))
        if e <= s:
            continue
        i = bisect_right(starts, s) - 1
        j = bisect_left(ends, e)
        cut_start = i >= 0 and units[i][0] < s < units[i][1]
        cut_end = j < len(units) and units[j][0] < e < units[j][1]
        if cut_start or cut_end:
            out.append(_cut(CUTS_TOKEN, "subword token", ex, sp, s, e, units, _loc(ex, checks, sp.start, sp.end)))
    return out


def check_structure(ex: Example, checks: Checks) -> list[Diagnostic]:
    """Duplicates and overlaps (nested vs crossing), over the span set of one example."""
    out: list[Diagnostic] = []
    seen: dict[tuple[int, int], list[Span]] = {}
    infos = ex.meta.get("span_info")
    if not isinstance(infos, list) or len(infos) != len(ex.spans):
        infos = [{} for _ in ex.spans]
    labelled: set[tuple[Any, ...]] = set()
    for sp, info in zip(ex.spans, infos, strict=True):
        same = seen.setdefault((sp.start, sp.end), [])
        loc = _loc(ex, checks, sp.start, sp.end)
        seg = ex.text[sp.start : sp.end]
        # discontinuous spans are the same only when their fragments are (in any order)
        key = (sp.label, *sorted(tuple(f) for f in info.get("fragments") or [(sp.start, sp.end)]))
        if key in labelled:
            out.append(
                _diag(DUPLICATE, Severity.WARNING, f"duplicate {sp.label} span {seg!r}", loc, sp, seg, fix="duplicate removed")
            )
        elif same:
            out.append(
                _diag(
                    SAME_RANGE_OTHER_LABEL, Severity.WARNING, f"{seg!r} is labelled {same[0].label} and {sp.label}", loc, sp, seg
                )
            )
        same.append(sp)
        labelled.add(key)
    # overlaps are judged on the characters each span covers, so discontinuous spans that share a word
    # (CADEC: "severe shoulder ... pain" and "knee pain") cross, and a gap is not part of the span
    shapes: dict[tuple[tuple[int, int], ...], Span] = {}
    for sp, info in zip(ex.spans, infos, strict=True):
        frags = tuple(sorted(tuple(f) for f in info.get("fragments") or [(sp.start, sp.end)] if f[1] > f[0]))
        if frags:
            shapes.setdefault(frags, sp)
    order = sorted(shapes, key=lambda f: (f[0][0], -f[-1][1]))
    open_: list[tuple[tuple[int, int], ...]] = []
    for fr in order:
        s, e = fr[0][0], fr[-1][1]
        open_ = [o for o in open_ if o[-1][1] > s]
        mine = _chars(fr)
        for other in open_:
            theirs = _chars(other)
            if not mine & theirs:
                continue
            a, b = shapes[other], shapes[fr]
            loc = _loc(ex, checks, s, e)
            text_a = " ".join(ex.text[x:y] for x, y in other)
            text_b = " ".join(ex.text[x:y] for x, y in fr)
            if mine <= theirs or theirs <= mine:
                inner, outer = (b, a) if mine <= theirs else (a, b)
                t_in, t_out = (text_b, text_a) if mine <= theirs else (text_a, text_b)
                out.append(
                    _diag(
                        NESTED, Severity.WARNING, f"{inner.label} {t_in!r} is nested in {outer.label} {t_out!r}", loc, b, text_b
                    )
                )
            else:
                code = CROSSING_DISCONTINUOUS if len(fr) > 1 or len(other) > 1 else CROSSING
                out.append(
                    _diag(
                        code,
                        Severity.WARNING,
                        f"{b.label} {text_b!r} crosses {a.label} {text_a!r} ({a.start}-{a.end})",
                        loc,
                        b,
                        text_b,
                    )
                )
        open_.append(fr)
    return out


def _chars(frags: tuple[tuple[int, int], ...]) -> set[int]:
    return {i for x, y in frags for i in range(x, y)}


def check_text(ex: Example, checks: Checks) -> list[Diagnostic]:
    out = []
    found: dict[str, int] = {}
    for ch in ex.text:
        if ch in INVISIBLE:
            found[ch] = found.get(ch, 0) + 1
    if found:
        inside = ""
        line = None
        first = next((i for i, ch in enumerate(ex.text) if ch in INVISIBLE), 0)
        if ex.words is not None:
            hit = [i for i, w in enumerate(ex.words) if any(c in INVISIBLE for c in w)]
            inside = f"; {len(hit)} token(s) contain one" + (f", first {ex.words[hit[0]]!r}" if hit else "")
            if hit and ex.line and not ex.meta.get("source_format"):
                line = ex.line + hit[0]  # plain CoNLL: one token per line
        what = ", ".join(f"{v} x U+{ord(k):04X} {INVISIBLE[k]}" for k, v in found.items())
        out.append(
            _diag(
                INVISIBLE_CHAR,
                Severity.WARNING,
                f"invisible or non-breaking characters: {what}{inside}",
                _loc(ex, checks, first, first + 1, line),
            )
        )
    if not unicodedata.is_normalized("NFC", ex.text):
        out.append(_diag(NOT_NFC, Severity.INFO, "text is not in Unicode NFC form (combining characters)", _loc(ex, checks)))
    if (ex.doc_id is not None and ex.meta.get("source_format") in ("pubtator", "brat")) or ex.meta.get("origin") == "task":
        key = ex.doc_id or ex.id
        if key in checks.seen_docs:
            out.append(
                _diag(
                    DUPLICATE_DOC,
                    Severity.WARNING,
                    f"document {key} appears again (first at line {checks.seen_docs[key]})",
                    _loc(ex, checks),
                )
            )
        else:
            checks.seen_docs[key] = ex.line or 0
    return out


def check_tags(ex: Example, checks: Checks) -> list[Diagnostic]:
    if ex.word_tags is None or checks.scheme is None:
        return []
    _chunks, violations = tags_to_spans(ex.word_tags, checks.scheme, "begin")
    out = []
    for v in violations:
        line = ex.line + min(v.position, len(ex.word_tags) - 1) if ex.line else None
        out.append(
            _diag(
                ILLEGAL_TRANSITION,
                Severity.WARNING,
                f"illegal {checks.scheme.name} transition {v.prev or 'START'} -> {v.tag or 'END'} at word {v.position}: {v.rule}",
                Location(checks.file, line, ex.id),
                policy="repair=begin",
            )
        )
    return out


def clean_tags(ex: Example, file: str | None = None) -> list[Diagnostic]:
    """Tag cells no scheme can read (``B-corporation,B-person``) become O in ``ex`` for the other checks; each
    such cell is reported with its line."""
    from .schemes import TagError, parse_tag

    if ex.word_tags is None:
        return []
    out = []
    tags = list(ex.word_tags)
    for i, t in enumerate(tags):
        try:
            parse_tag(t)
        except TagError as exc:
            line = ex.line + i if ex.line else None
            out.append(
                Diagnostic(
                    UNREADABLE_TAG,
                    Severity.ERROR,
                    f"word {i} ({ex.words[i] if ex.words else '?'!r}): {exc}",
                    Location(file, line, ex.id),
                )
            )
            tags[i] = "O"
    if out:
        ex.word_tags = tags
    return out


def check_token_indices(ex: Example, checks: Checks) -> list[Diagnostic]:
    """Prodigy: token_start/token_end (inclusive) must name the tokens the char offsets cover."""
    rest = (ex.meta.get("extra") or {}).get("rest") or {}
    tokens = rest.get("tokens")
    if ex.meta.get("source_format") != "prodigy" or not isinstance(tokens, list):
        return []
    out = []
    infos = ex.meta.get("span_info") or []
    for sp, info in zip(ex.spans, infos, strict=False):
        keep = info.get("extra") or {}
        ts, te = keep.get("token_start"), keep.get("token_end")
        if ts is None or te is None:
            continue
        ok = isinstance(ts, int) and isinstance(te, int) and 0 <= ts <= te < len(tokens)
        if ok and tokens[ts].get("start") == sp.start and tokens[te].get("end") == sp.end:
            continue
        out.append(
            _diag(
                TOKEN_INDEX_MISMATCH,
                Severity.ERROR,
                f"{sp.label} span {sp.start}-{sp.end} does not match its tokens {ts}..{te} (token_end is inclusive)",
                _loc(ex, checks, sp.start, sp.end),
                sp,
                ex.text[sp.start : sp.end],
            )
        )
    return out


def validate_example(ex: Example, checks: Checks, enc: Encoded | None = None) -> list[Diagnostic]:
    out = list(ex.meta.get("notes") or [])
    out += check_bad_spans(ex, checks)
    out += check_spans(ex, checks)
    out += check_structure(ex, checks)
    out += check_text(ex, checks)
    out += check_tags(ex, checks)
    out += check_token_indices(ex, checks)
    if enc is not None:
        out += check_tokens(ex, enc, checks)
    return out


def check_bytes(head: bytes, file: str | None) -> list[Diagnostic]:
    """File-level encoding findings from the first bytes the edge read."""
    out = []
    if head.startswith(b"\xef\xbb\xbf"):
        out.append(_diag(BOM, Severity.WARNING, "file starts with a UTF-8 byte order mark", Location(file, 1), fix="BOM removed"))
    crlf = head.count(b"\r\n")
    if crlf:
        line = head[: head.index(b"\r\n")].count(b"\n") + 1
        out.append(
            _diag(
                CRLF, Severity.WARNING, f"Windows line ends (CRLF), {crlf} in the first {len(head)} bytes", Location(file, line)
            )
        )
    return out


def select(diags: Iterable[Diagnostic], selected: Sequence[str] = (), ignored: Sequence[str] = ()) -> list[Diagnostic]:
    """Codes or code prefixes (``V1``, ``S``) to keep / drop, like a linter's --select/--ignore."""
    out = []
    for d in diags:
        if selected and not any(d.code.startswith(p) for p in selected):
            continue
        if any(d.code.startswith(p) for p in ignored):
            continue
        out.append(d)
    return out


def apply_fixes(ex: Example, diags: Sequence[Diagnostic]) -> int:
    """Apply the safe fixes of ``diags`` to ``ex`` in place: unit conversion, trimming, removing empty and
    duplicate spans, stored texts that differ in whitespace. Returns the number of fixes applied."""
    infos = ex.meta.get("span_info")
    if not isinstance(infos, list) or len(infos) != len(ex.spans):
        infos = [{} for _ in ex.spans]
    pairs = list(zip(ex.spans, infos, strict=True))
    n = 0
    moved = {
        d.span: d.new_span
        for d in diags
        if d.code in (UTF16_UNITS, GRAPHEME_UNITS) and d.span and d.new_span and d.severity is Severity.ERROR
    }
    trims = {d.span: d.new_span for d in diags if d.code == EDGE_WHITESPACE and d.span and d.new_span}
    kept: list[tuple[Span, dict[str, Any]]] = []
    seen: set[Span] = set()
    for sp, info in pairs:
        if sp in moved:
            sp = moved[sp]
            n += 1
        seg = ex.text[sp.start : sp.end]
        if "fragments" not in info and not seg.strip():
            n += 1
            continue
        if sp in trims and "fragments" not in info:
            sp = trims[sp]
            n += 1
        if sp in seen:
            n += 1
            continue
        seen.add(sp)
        if isinstance(info.get("text"), str) and "fragments" not in info and info["text"] != ex.text[sp.start : sp.end]:
            info = {**info, "text": ex.text[sp.start : sp.end]}
        kept.append((sp, info))
    fixed_bad = [b for b in ex.meta.get("bad_spans", [])]
    for b in fixed_bad:
        new = moved.get(Span(b["start"], b["end"], str(b["label"]))) if isinstance(b.get("start"), int) else None
        if new is not None:
            kept.append((new, {"text": ex.text[new.start : new.end]} if b.get("text") is not None else {}))
            ex.meta["bad_spans"].remove(b)
            n += 1
    ex.spans = [s for s, _ in kept]
    ex.meta["span_info"] = [i for _, i in kept]
    return n
