"""Checking and repairing whole files of tag sequences (the core of ``seqalign check-tags``; no I/O).

Every illegal transition becomes one :class:`TagIssue` naming the rule it breaks (see ``schemes.RULES``);
a tag cell no scheme can read (``B-corporation,B-person``) or one the scheme lacks a prefix for becomes one
too, so a file is never rejected at its first bad line. Under a repair policy each issue also says what the
policy changed, and the repaired sequences are legal in the scheme by construction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .model import Diagnostic, Location, Severity
from .schemes import (
    OUTSIDE,
    PREFERENCE,
    REPAIRS,
    Detection,
    Scheme,
    TagError,
    Violation,
    detect_scheme,
    find_violations,
    get_scheme,
    parse_tag,
    repair_tags,
)

ILLEGAL_TRANSITION = "T101"
MULTI_TAG = "T102"
FOREIGN_TAG = "T103"
POLICIES = ("none", *REPAIRS)


@dataclass(frozen=True, slots=True)
class TagSequence:
    id: str
    tags: list[str]
    lines: list[int] | None = None  # file line of each tag, when known
    line: int | None = None  # first line of the sequence (fallback for messages)

    def line_of(self, position: int) -> int | None:
        if self.lines:
            return self.lines[min(position, len(self.lines) - 1)]
        return self.line


@dataclass(frozen=True, slots=True)
class TagIssue:
    code: str
    example_id: str
    line: int | None
    position: int  # token index in the sequence; len(tags) = the end of the sequence
    prev: str | None
    tag: str | None
    kind: str  # a schemes.RULES key, or "multi-tag" / "foreign-tag"
    rule: str
    policy: str | None = None
    changed: dict[str, Any] | None = None  # {"start", "end", "before", "after"} when a policy changed tags

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "code": self.code,
            "example_id": self.example_id,
            "line": self.line,
            "position": self.position,
            "prev": self.prev,
            "tag": self.tag,
            "kind": self.kind,
            "rule": self.rule,
        }
        if self.policy is not None:
            d["policy"] = self.policy
            d["changed"] = self.changed
        return d

    def diagnostic(self, file: str | None = None) -> Diagnostic:
        what = f"{self.prev or 'START'} -> {self.tag or 'END'}" if self.code == ILLEGAL_TRANSITION else repr(self.tag)
        fix = None
        if self.policy is not None and self.changed is not None:
            fix = f"repair={self.policy}: {' '.join(self.changed['before'])} -> {' '.join(self.changed['after'])}"
        return Diagnostic(
            self.code,
            Severity.WARNING if self.policy else Severity.ERROR,
            f"position {self.position}: {what} [{self.kind}] {self.rule}",
            Location(file, self.line, self.example_id),
            fix=fix,
            policy=f"repair={self.policy}" if self.policy else None,
        )


@dataclass(slots=True)
class CheckResult:
    scheme: str | None  # the scheme the sequences were checked under (None when ambiguous)
    scheme_source: str  # "given" | "detected" | "closest" | "ambiguous" | "invalid" (no scheme has the prefixes)
    detection: Detection | None
    policy: str
    issues: list[TagIssue] = field(default_factory=list)
    repaired: list[list[str]] | None = None
    sequences: int = 0
    tokens: int = 0
    first_invalid: dict[str, Any] | None = None  # detection "invalid": where the closest scheme first breaks

    @property
    def transitions(self) -> int:
        return sum(1 for i in self.issues if i.code == ILLEGAL_TRANSITION)

    def to_dict(self) -> dict[str, Any]:
        det = None
        if self.detection is not None:
            det = {
                "status": self.detection.status,
                "scheme": self.detection.scheme,
                "candidates": self.detection.candidates,
                "note": self.detection.note,
                "first_violation": self.first_invalid,
            }
        return {
            "scheme": self.scheme,
            "scheme_source": self.scheme_source,
            "detection": det,
            "policy": self.policy,
            "sequences": self.sequences,
            "tokens": self.tokens,
            "illegal_transitions": self.transitions,
            "bad_cells": len(self.issues) - self.transitions,
            "by_kind": dict(sorted(Counter(i.kind for i in self.issues).items())),
            "issues": [i.to_dict() for i in self.issues],
        }


def _cell(tag: str, scheme: Scheme | None, policy: str) -> tuple[str, tuple[str, str, str] | None]:
    """(tag to read in its place, (code, kind, why) when the cell is unreadable)."""
    try:
        p, _ = parse_tag(tag)
    except TagError as exc:
        parts = [t.strip() for t in tag.split(",") if t.strip()]
        usable = []
        for t in parts:
            try:
                pp, _ = parse_tag(t)
            except TagError:
                continue
            if scheme is None or pp == OUTSIDE or pp in scheme.rules:
                usable.append(t)
        if len(parts) > 1:
            # Several tags in one cell: which one is right is the annotator's call. Transitions are read with
            # the first usable one (the drop repair blanks the cell instead), and the cell is always reported.
            keep = OUTSIDE if policy == "drop" or not usable else usable[0]
            return keep, (MULTI_TAG, "multi-tag", f"{len(parts)} tags joined in one cell; read as {keep}")
        return OUTSIDE, (FOREIGN_TAG, "foreign-tag", f"{exc}; read as O")
    if scheme is not None and p != OUTSIDE and p not in scheme.rules:
        return OUTSIDE, (
            FOREIGN_TAG,
            "foreign-tag",
            f"prefix {p}- does not exist in {scheme.name} (its prefixes: {', '.join(scheme.prefixes)}); read as O",
        )
    return tag, None


def _readable(seqs: list[TagSequence], scheme: Scheme | None, policy: str) -> list[list[str]]:
    return [[_cell(t, scheme, policy)[0] for t in s.tags] for s in seqs]


def check_sequences(seqs: list[TagSequence], scheme: str | None = None, policy: str = "none") -> CheckResult:
    """Check (and with a policy other than ``none``, repair) every sequence.

    Without ``scheme`` the scheme is detected over the whole input: a clean detection is used; when no
    scheme reads the input legally the closest one (fewest illegal transitions) is used and named as such;
    when several legal schemes disagree nothing is checked and ``scheme_source`` is ``ambiguous``.
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown repair {policy!r}; choose one of {', '.join(POLICIES)}")
    detection: Detection | None = None
    if scheme is not None:
        sch: Scheme | None = get_scheme(scheme)
        source = "given"
    else:
        detection = detect_scheme(_readable(seqs, None, policy))
        if detection.status == "detected" and detection.scheme:
            sch, source = get_scheme(detection.scheme), "detected"
        elif detection.status == "invalid" and detection.candidates:
            best = min(detection.candidates, key=lambda n: (detection.candidates[n], PREFERENCE.index(n)))
            sch, source = get_scheme(best), "closest"
        else:  # ambiguous, or no scheme has every prefix used
            sch, source = None, "ambiguous" if detection.status == "ambiguous" else "invalid"
    result = CheckResult(sch.name if sch else None, source, detection, policy)
    if detection is not None and detection.first_violation is not None:
        k, v = detection.first_violation
        result.first_invalid = {"example_id": seqs[k].id, "line": seqs[k].line_of(v.position), **v.to_dict()}
    result.sequences = len(seqs)
    result.tokens = sum(len(s.tags) for s in seqs)
    if sch is None:
        return result
    repaired: list[list[str]] = []
    for s in seqs:
        clean: list[str] = []
        for i, t in enumerate(s.tags):
            read_as, bad = _cell(t, sch, policy)
            clean.append(read_as)
            if bad:
                code, kind, why = bad
                changed = None
                if policy != "none":
                    changed = {"start": i, "end": i + 1, "before": [t], "after": [read_as]}
                result.issues.append(
                    TagIssue(
                        code,
                        s.id,
                        s.line_of(i),
                        i,
                        s.tags[i - 1] if i else None,
                        t,
                        kind,
                        why,
                        policy if policy != "none" else None,
                        changed,
                    )
                )
        if policy == "none":
            violations: list[Violation] = find_violations(clean, sch)
            result.issues.extend(_issue(s, v) for v in violations)
            repaired.append(clean)
            continue
        new, _, repairs = repair_tags(clean, sch, policy)
        for r in repairs:
            changed = {"start": r.start, "end": r.end, "before": list(r.before), "after": list(r.after)}
            result.issues.append(_issue(s, r.violation, policy, changed))
        repaired.append(new)
    result.issues.sort(key=lambda i: (i.line or 0, i.position))
    if policy != "none":
        result.repaired = repaired
    return result


def _issue(s: TagSequence, v: Violation, policy: str | None = None, changed: dict[str, Any] | None = None) -> TagIssue:
    return TagIssue(ILLEGAL_TRANSITION, s.id, s.line_of(v.position), v.position, v.prev, v.tag, v.kind, v.rule, policy, changed)
