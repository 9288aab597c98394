"""Tagging schemes as data, and the pure functions between spans and tags.

Every scheme is described by two tables:

* how the encoder writes a chunk (prefix for a single-token chunk, its first, middle and last token,
  plus the IOB1/IOE1 markers that only appear between two adjacent chunks of the same type);
* what each prefix may do (start or continue a chunk, end it or go on), which is the whole transition
  table: validation, lenient decoding, repairs and the allowed-transitions matrix all read it.

Chunks here are token ranges ``(start, end_exclusive, type)``. Untyped tags (``B``, ``I``) have type ``""``.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

Chunk = tuple[int, int, str]
OUTSIDE = "O"
REPAIRS = ("begin", "join", "drop")


class TagError(ValueError):
    """A tag that no scheme can read (e.g. ``B-PER,B-LOC`` or ``PER``)."""


@dataclass(frozen=True, slots=True)
class PrefixRule:
    starts: bool  # may be the first token of a chunk
    continues: bool  # may be a later token of a chunk
    ends: bool  # may be the last token of a chunk
    goes_on: bool  # may be followed by another token of the same chunk
    after_same_only: bool = False  # IOB1 B: starts a chunk only right after a chunk of the same type
    before_same_only: bool = False  # IOE1 E: ends a chunk only right before a chunk of the same type


@dataclass(frozen=True, slots=True)
class Scheme:
    name: str
    single: str
    begin: str
    inside: str
    end: str
    rules: dict[str, PrefixRule]
    begin_marker: str | None = None  # IOB1: first token of a chunk that follows a same-type chunk
    end_marker: str | None = None  # IOE1: last token of a chunk followed by a same-type chunk
    description: str = ""

    @property
    def prefixes(self) -> tuple[str, ...]:
        return tuple(self.rules)

    def labels_for(self, types: Iterable[str]) -> list[str]:
        """All tags of this scheme for the given types: O first, then per type in prefix order."""
        out = [OUTSIDE]
        for t in types:
            out.extend(format_tag(p, t) for p in self.rules)
        return out


_ANY = PrefixRule(True, True, True, True)
_B_SE = PrefixRule(starts=True, continues=False, ends=False, goes_on=True)  # B of IOBES/BILOU/BMES
_I_SE = PrefixRule(starts=False, continues=True, ends=False, goes_on=True)
_E_SE = PrefixRule(starts=False, continues=True, ends=True, goes_on=False)
_S_SE = PrefixRule(starts=True, continues=False, ends=True, goes_on=False)

SCHEMES: dict[str, Scheme] = {
    s.name: s
    for s in (
        Scheme("IO", "I", "I", "I", "I", {"I": _ANY}, description="I- on every entity token"),
        Scheme(
            "IOB1",
            "I",
            "I",
            "I",
            "I",
            {"I": _ANY, "B": PrefixRule(True, False, True, True, after_same_only=True)},
            begin_marker="B",
            description="I- everywhere; B- only on the first token of an entity that follows one of the same type",
        ),
        Scheme(
            "IOB2",
            "B",
            "B",
            "I",
            "I",
            {"B": PrefixRule(True, False, True, True), "I": PrefixRule(False, True, True, True)},
            description="B- on the first token, I- on the rest (also called BIO)",
        ),
        Scheme(
            "IOE1",
            "I",
            "I",
            "I",
            "I",
            {"I": _ANY, "E": PrefixRule(True, True, True, False, before_same_only=True)},
            end_marker="E",
            description="I- everywhere; E- only on the last token of an entity followed by one of the same type",
        ),
        Scheme(
            "IOE2",
            "E",
            "I",
            "I",
            "E",
            {"I": PrefixRule(True, True, False, True), "E": PrefixRule(True, True, True, False)},
            description="E- on the last token, I- on the rest",
        ),
        Scheme(
            "IOBES",
            "S",
            "B",
            "I",
            "E",
            {"B": _B_SE, "I": _I_SE, "E": _E_SE, "S": _S_SE},
            description="B- first, I- middle, E- last, S- single (also called BIOES)",
        ),
        Scheme(
            "BILOU",
            "U",
            "B",
            "I",
            "L",
            {"B": _B_SE, "I": _I_SE, "L": _E_SE, "U": _S_SE},
            description="B- first, I- middle, L- last, U- unit",
        ),
        Scheme(
            "BMES",
            "S",
            "B",
            "M",
            "E",
            {"B": _B_SE, "M": _I_SE, "E": _E_SE, "S": _S_SE},
            description="B- first, M- middle, E- last, S- single (Chinese NER convention)",
        ),
    )
}
ALIASES = {"BIO": "IOB2", "BIOES": "IOBES", "IOBES": "IOBES", "BIOLU": "BILOU"}
ALL_PREFIXES = frozenset(p for s in SCHEMES.values() for p in s.rules)
# The order in which detection prefers one of several schemes that decode a file identically.
PREFERENCE = ("IOB2", "IOBES", "BILOU", "BMES", "IOE2", "IOB1", "IOE1", "IO")


def get_scheme(name: str) -> Scheme:
    key = name.strip().upper().replace("-", "")
    key = ALIASES.get(key, key)
    if key not in SCHEMES:
        choices = ", ".join(sorted({*SCHEMES, "BIO", "BIOES"}))
        raise ValueError(f"unknown scheme {name!r}; choose one of {choices}")
    return SCHEMES[key]


def format_tag(prefix: str, type_: str) -> str:
    return f"{prefix}-{type_}" if type_ else prefix


@lru_cache(maxsize=65536)
@lru_cache(maxsize=1 << 16)  # a corpus has a few dozen distinct tags and millions of tokens
def parse_tag(tag: str) -> tuple[str, str]:
    """``'B-ARGM-LOC'`` -> ``('B', 'ARGM-LOC')``; ``'O'`` -> ``('O', '')``; ``'B'`` -> ``('B', '')``.

    Only the first character can be the prefix, so types with dashes, dots, underscores or the letters
    B/I survive. Raises TagError for anything else.
    """
    if tag == OUTSIDE:
        return (OUTSIDE, "")
    if len(tag) == 1 and tag in ALL_PREFIXES:
        return (tag, "")
    # Types may hold inner spaces (doccano's "Separation Method"), never tabs, newlines or edge spaces.
    if (
        len(tag) >= 3
        and tag[0] in ALL_PREFIXES
        and tag[1] in "-_"
        and "," not in tag
        and tag[2:] == tag[2:].strip()
        and not any(c.isspace() and c != " " for c in tag)
    ):
        return (tag[0], tag[2:])
    if "," in tag:
        raise TagError(f"tag {tag!r} joins several tags with commas; one tag per token is needed")
    raise TagError(f"tag {tag!r} is not O and has no scheme prefix (expected e.g. B-{tag} or I-{tag})")


# ---------------------------------------------------------------------------------------------- encoding


def spans_to_tags(n: int, chunks: Sequence[Chunk], scheme: Scheme) -> list[str]:
    """Token chunks -> one tag per token. Chunks must be sorted and must not overlap."""
    tags = [OUTSIDE] * n
    for k, (s, e, t) in enumerate(chunks):
        if e - s == 1:
            tags[s] = format_tag(scheme.single, t)
        else:
            tags[s] = format_tag(scheme.begin, t)
            if e - s > 2:
                mid = format_tag(scheme.inside, t)
                for i in range(s + 1, e - 1):
                    tags[i] = mid
            tags[e - 1] = format_tag(scheme.end, t)
        if scheme.begin_marker and k and chunks[k - 1][1] == s and chunks[k - 1][2] == t:
            tags[s] = format_tag(scheme.begin_marker, t)
        if scheme.end_marker and k + 1 < len(chunks) and chunks[k + 1][0] == e and chunks[k + 1][2] == t:
            tags[e - 1] = format_tag(scheme.end_marker, t)
    return tags


# ---------------------------------------------------------------------------------------------- decoding


# The rules a transition can break. Stable ids: reports, tests and users select by them.
RULES: dict[str, str] = {
    "no-start": "a continuation tag (I-/M-/E-/L- as the scheme defines) cannot open an entity",
    "type-switch": "a tag continues an entity of another type (type change inside an entity)",
    "unclosed": "an entity is left open: its last tag cannot end an entity in this scheme",
    "bad-marker": "IOB1 B- only follows a same-type entity; IOE1 E- only precedes one",
}


@dataclass(frozen=True, slots=True)
class Violation:
    position: int  # index of the offending tag; len(tags) means "at the end of the sequence"
    prev: str | None  # None at the start of the sequence
    tag: str | None  # None at the end of the sequence
    rule: str  # human message naming the rule
    kind: str = ""  # key of RULES

    def to_dict(self) -> dict[str, object]:
        return {"position": self.position, "prev": self.prev, "tag": self.tag, "kind": self.kind, "rule": self.rule}


def _rule(scheme: Scheme, prefix: str, tag: str) -> PrefixRule:
    try:
        return scheme.rules[prefix]
    except KeyError:
        raise TagError(
            f"tag {tag!r} uses prefix {prefix}- which {scheme.name} does not have (its prefixes: {', '.join(scheme.prefixes)})"
        ) from None


def _enders(scheme: Scheme, type_: str) -> str:
    return " or ".join(format_tag(p, type_) for p, r in scheme.rules.items() if r.ends and r.continues and not r.before_same_only)


def _starters(scheme: Scheme, type_: str) -> str:
    return " or ".join(format_tag(p, type_) for p, r in scheme.rules.items() if r.starts and not r.after_same_only)


def transition_problem(scheme: Scheme, prev: str | None, tag: str | None, opened_at: int | None = None) -> tuple[str, str] | None:
    """``(rule id, message)`` when ``prev -> tag`` is illegal in ``scheme``, else None. None = start/end.

    One transition can break two rules at once (an unclosed entity followed by a stray continuation);
    the one named is the one a reader sees first: the open entity, unless the new tag tries to continue it.
    """
    p1, t1 = parse_tag(prev) if prev is not None else (OUTSIDE, "")
    p2, t2 = parse_tag(tag) if tag is not None else (OUTSIDE, "")
    r1 = _rule(scheme, p1, prev or "") if p1 != OUTSIDE else None
    r2 = _rule(scheme, p2, tag or "") if p2 != OUTSIDE else None
    same = r1 is not None and r2 is not None and t1 == t2
    if r2 is not None and same and r1.goes_on and r2.continues:
        return None  # continuation of the running chunk
    closed = r1 is None or (r1.ends and (not r1.before_same_only or same))
    where = "the end of the sequence" if tag is None else tag
    after = "the start of the sequence" if prev is None else prev
    opened = f" opened at {opened_at}" if opened_at is not None else ""
    name = scheme.name
    if r1 is not None and r2 is not None and t1 != t2 and r1.goes_on and r2.continues and not (closed and r2.starts):
        return (
            "type-switch",
            f"type change inside an entity: {tag} after {prev}; the {t1} entity{opened} goes on only with a {t1} tag, "
            f"and {tag} cannot open a new one in {name}",
        )
    if not closed:
        assert r1 is not None
        if r1.before_same_only:
            return (
                "bad-marker",
                f"{prev} in {name} only ends a {t1} entity that is directly followed by another {t1} entity, but {where} follows",
            )
        return "unclosed", f"the {t1} entity{opened} is not closed by {_enders(scheme, t1)}: {prev} is followed by {where}"
    if r2 is None:
        return None
    if not r2.starts:
        return (
            "no-start",
            f"{tag} cannot start an entity in {name} (after {after}); an entity starts with {_starters(scheme, t2)}",
        )
    if r2.after_same_only and not same:
        return (
            "bad-marker",
            f"{tag} in {name} only separates two adjacent {t2} entities, but it follows {after}; use I-{t2} here",
        )
    return None


def check_transition(scheme: Scheme, prev: str | None, tag: str | None) -> str | None:
    """Why ``prev -> tag`` is illegal in ``scheme``, or None when it is legal. None stands for start/end."""
    found = transition_problem(scheme, prev, tag)
    return found[1] if found else None


_LEGAL: dict[int, tuple[Scheme, dict[tuple[str | None, str | None], bool]]] = {}


def _legal_pairs(scheme: Scheme) -> dict[tuple[str | None, str | None], bool]:
    """Per scheme, whether ``prev -> tag`` is legal, filled as pairs are met (the scheme is kept alive with
    its table, so its id is never reused while the table exists)."""
    got = _LEGAL.get(id(scheme))
    if got is None or got[0] is not scheme:
        got = _LEGAL[id(scheme)] = (scheme, {})
    return got[1]


def find_violations(tags: Sequence[str], scheme: Scheme) -> list[Violation]:
    out: list[Violation] = []
    prev: str | None = None
    opened: int | None = None  # where the running entity started, for messages
    legal = _legal_pairs(scheme)
    for i, tag in enumerate(tags):
        if tag == OUTSIDE and (prev is None or prev == OUTSIDE):
            prev = tag
            continue
        ok = legal.get((prev, tag))
        if ok is None:
            ok = legal[(prev, tag)] = transition_problem(scheme, prev, tag) is None
        found = None if ok else transition_problem(scheme, prev, tag, opened)
        if found:
            out.append(Violation(i, prev, tag, found[1], found[0]))
        p, t = parse_tag(tag)
        if p == OUTSIDE:
            opened = None
        elif not (
            prev is not None
            and opened is not None
            and found is None
            and parse_tag(prev)[1] == t
            and _continues(scheme, prev, tag)
        ):
            opened = i
        prev = tag
    found = transition_problem(scheme, prev, None, opened)
    if found:
        out.append(Violation(len(tags), prev, None, found[1], found[0]))
    return out


def _continues(scheme: Scheme, prev: str, tag: str) -> bool:
    p1, t1 = parse_tag(prev)
    p2, t2 = parse_tag(tag)
    if p1 == OUTSIDE or p2 == OUTSIDE or t1 != t2:
        return False
    return scheme.rules[p1].goes_on and scheme.rules[p2].continues


def _lenient_chunks(tags: Sequence[str], scheme: Scheme, join: bool) -> list[Chunk]:
    chunks: list[Chunk] = []
    cur_start = -1
    cur_type = ""
    prev_rule: PrefixRule | None = None
    for i, tag in enumerate(tags):
        p, t = parse_tag(tag)
        if p == OUTSIDE:
            if cur_start >= 0:
                chunks.append((cur_start, i, cur_type))
                cur_start = -1
            prev_rule = None
            continue
        r = _rule(scheme, p, tag)
        cont = cur_start >= 0 and t == cur_type and prev_rule is not None and prev_rule.goes_on and r.continues
        if not cont and join and cur_start >= 0 and t == cur_type and r.continues and not r.starts:
            cont = True
        if not cont:
            if cur_start >= 0:
                chunks.append((cur_start, i, cur_type))
            cur_start, cur_type = i, t
        prev_rule = r
    if cur_start >= 0:
        chunks.append((cur_start, len(tags), cur_type))
    return chunks


def well_formed(tags: Sequence[str], scheme: Scheme, chunks: Sequence[Chunk]) -> list[bool]:
    """For each chunk of the lenient (``begin``) reading: is it a legal entity of ``scheme`` on its own terms?

    Legal = its first tag may open an entity here and its last tag may close it here. Continuations inside a
    lenient chunk are legal by construction, so this is the whole test (and what seqeval's strict mode keeps).
    """
    out = []
    for k, (a, b, t) in enumerate(chunks):
        r0 = _rule(scheme, parse_tag(tags[a])[0], tags[a])
        r1 = _rule(scheme, parse_tag(tags[b - 1])[0], tags[b - 1])
        prev_same = k > 0 and chunks[k - 1][1] == a and chunks[k - 1][2] == t
        next_same = k + 1 < len(chunks) and chunks[k + 1][0] == b and chunks[k + 1][2] == t
        ok_start = r0.starts and (not r0.after_same_only or prev_same)
        ok_end = r1.ends and (not r1.before_same_only or next_same)
        out.append(ok_start and ok_end)
    return out


def tags_to_spans(tags: Sequence[str], scheme: Scheme, repair: str = "begin") -> tuple[list[Chunk], list[Violation]]:
    """Tags -> token chunks, plus every illegal transition found.

    For legal sequences all repairs give the same chunks. For illegal ones:
    ``begin``: a tag that cannot continue the running chunk starts a new one (conlleval's reading);
    ``join``: a stray continuation joins the chunk right before it when the type is the same;
    ``drop``: every malformed chunk (one that opens or closes illegally) becomes O; well-formed
    neighbours stay (seqeval's strict reading).
    """
    if repair not in REPAIRS:
        raise ValueError(f"unknown repair {repair!r}; choose one of {', '.join(REPAIRS)}")
    violations = find_violations(tags, scheme)
    chunks = _lenient_chunks(tags, scheme, join=repair == "join")
    if repair == "drop" and violations:
        chunks = [c for c, ok in zip(chunks, well_formed(tags, scheme, chunks), strict=True) if ok]
    return chunks, violations


@dataclass(frozen=True, slots=True)
class Repair:
    """What a repair policy did around one illegal transition: tags ``start..end`` went from ``before`` to ``after``."""

    violation: Violation
    policy: str
    start: int
    end: int
    before: tuple[str, ...]
    after: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            **self.violation.to_dict(),
            "policy": self.policy,
            "changed": {"start": self.start, "end": self.end, "before": list(self.before), "after": list(self.after)},
        }


def repair_tags(tags: Sequence[str], scheme: Scheme, repair: str) -> tuple[list[str], list[Violation], list[Repair]]:
    """Tags rewritten so that they are legal in ``scheme``, read by the named repair; one Repair per violation.

    The output is the repaired reading encoded again in the same scheme, so it is legal by construction.
    """
    chunks, violations = tags_to_spans(tags, scheme, repair)
    new = spans_to_tags(len(tags), chunks, scheme)
    if not violations:
        return list(tags), violations, []
    lenient = _lenient_chunks(tags, scheme, join=False)
    ranges = []
    for v in violations:
        # The tokens a violation touches: the lenient chunks holding tokens position-1 and position, plus
        # whatever the repaired reading covers there.
        lo, hi = max(0, v.position - 1), min(len(tags), v.position + 1)
        for a, b, _ in [*lenient, *chunks]:
            if a < hi and lo < b:
                lo, hi = min(lo, a), max(hi, b)
        ranges.append([lo, hi])
    # A neighbour can change too (IOB1: once a malformed chunk is dropped, the B- after it becomes I-):
    # such a change belongs to the nearest repair, so that every changed tag is reported.
    for i, (a, b) in enumerate(zip(tags, new, strict=True)):
        if a != b and not any(lo <= i < hi for lo, hi in ranges):
            r = min(ranges, key=lambda r: min(abs(i - r[0]), abs(i - (r[1] - 1))))
            r[0], r[1] = min(r[0], i), max(r[1], i + 1)
    repairs = [
        Repair(v, repair, lo, hi, tuple(tags[lo:hi]), tuple(new[lo:hi])) for v, (lo, hi) in zip(violations, ranges, strict=True)
    ]
    return new, violations, repairs


def convert_tags(
    tags: Sequence[str], source: Scheme, target: Scheme, repair: str = "begin"
) -> tuple[list[str], list[Violation], list[Chunk]]:
    """Re-tag a sequence. Returns (new tags, violations in the source, chunks the target cannot keep apart)."""
    chunks, violations = tags_to_spans(tags, source, repair)
    out = spans_to_tags(len(tags), chunks, target)
    return out, violations, unrepresentable(chunks, target, len(tags))


def unrepresentable(chunks: Sequence[Chunk], scheme: Scheme, n: int | None = None) -> list[Chunk]:
    """The chunks that do not survive encoding in ``scheme`` (adjacent same-type chunks under IO)."""
    if scheme.begin_marker or scheme.end_marker or scheme.begin != scheme.inside or scheme.end != scheme.inside:
        return []
    lost: list[Chunk] = []
    for a, b in itertools.pairwise(chunks):
        if a[1] == b[0] and a[2] == b[2]:
            if not lost or lost[-1] != a:
                lost.append(a)
            lost.append(b)
    return lost


# --------------------------------------------------------------------------------------------- detection


@dataclass(frozen=True, slots=True)
class Detection:
    status: str  # "detected" | "ambiguous" | "invalid"
    scheme: str | None
    candidates: dict[str, int]  # scheme name -> number of illegal transitions over the whole input
    first_violation: tuple[int, Violation] | None = None  # (sequence index, violation) for the best candidate
    note: str = ""


def detect_scheme(sequences: Iterable[Sequence[str]]) -> Detection:
    """Which scheme reads every sequence without an illegal transition.

    ``ambiguous`` when several schemes read the input legally but decode it differently (IOB1 vs IOB2 when
    no B- follows an O and no I- starts an entity); ``invalid`` when none does.
    """
    # Violations are properties of adjacent pairs (start and end included; see find_violations), so each
    # scheme's count is a sum over the corpus's distinct pairs, counted once. Corpora repeat tag sequences
    # too (CoNLL-2003 train: 5,684 distinct of 14,041): decodings are compared on the distinct ones, in
    # first-occurrence order, so the first violation found is the earliest.
    seen: dict[tuple[str, ...], list[int]] = {}
    for k, s in enumerate(sequences):
        got = seen.get(key := tuple(s))
        if got is None:
            seen[key] = [k, 1]
        else:
            got[1] += 1
    pairs: Counter[tuple[str | None, str | None]] = Counter()
    for s, (_, times) in seen.items():
        for pair in zip((None, *s), (*s, None), strict=True):
            pairs[pair] += times
    used = {parse_tag(t)[0] for t in {t for pair in pairs for t in pair if t is not None}} - {OUTSIDE}
    cands = [s for s in SCHEMES.values() if used <= set(s.rules)]
    if not cands:
        return Detection("invalid", None, {}, note=f"no scheme uses all of the prefixes {sorted(used)}")
    counts = {sch.name: sum(n for (p, t), n in pairs.items() if transition_problem(sch, p, t) is not None) for sch in cands}
    by_name = {sch.name: sch for sch in cands}
    clean = [name for name in PREFERENCE if counts.get(name) == 0]
    if clean:
        readings = [[_lenient_chunks(s, by_name[n], join=False) for s in seen] for n in clean] if len(clean) > 1 else []
        if all(r == readings[0] for r in readings[1:]):
            note = "" if len(clean) == 1 else f"{', '.join(clean)} all read the input the same way"
            return Detection("detected", clean[0], counts, note=note)
        return Detection(
            "ambiguous",
            None,
            counts,
            note=f"{' and '.join(clean)} are all legal here but decode different entities; choose one",
        )
    best = min(counts, key=lambda n: (counts[n], PREFERENCE.index(n)))
    first = next(((k, vs[0]) for s, (k, _) in seen.items() if (vs := find_violations(s, by_name[best]))), None)
    return Detection("invalid", None, counts, first_violation=first, note=f"closest: {best}")


# ------------------------------------------------------------------------------------------ transitions


def allowed_transitions(scheme: Scheme, labels: Sequence[str]) -> tuple[list[list[bool]], list[bool], list[bool]]:
    """Matrix ``m[i][j]`` = labels[i] -> labels[j] is legal, plus start and end vectors (for CRF layers)."""
    matrix = [[check_transition(scheme, a, b) is None for b in labels] for a in labels]
    start = [check_transition(scheme, None, b) is None for b in labels]
    end = [check_transition(scheme, a, None) is None for a in labels]
    return matrix, start, end
