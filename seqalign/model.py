"""The data that travels between seqalign's modules.

Offsets are Unicode code points, end-exclusive, into the example's own text. Readers convert any other
unit at the edge, so nothing here ever has to guess what an offset means.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from itertools import accumulate
from operator import add
from typing import Any

IGNORE = -100


@dataclass(frozen=True, slots=True, order=True)
class Span:
    start: int
    end: int
    label: str

    def as_tuple(self) -> tuple[int, int, str]:
        return (self.start, self.end, self.label)


class JoinedOffsets(list):
    """Word offsets that ``Example.from_words`` laid out: each word after the previous one and one space.

    The mark lets the column path skip re-deriving the layout word by word; any change in place drops it
    (``joined`` turns False), so an edited list is checked like any other."""

    __slots__ = ("joined",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.joined = True

    def __reduce__(self) -> Any:  # pickles (to pool workers) as what it is, mark included
        return (_joined_offsets, (list(self), self.joined))


def _joined_offsets(items: list[tuple[int, int]], joined: bool) -> JoinedOffsets:
    out = JoinedOffsets(items)
    out.joined = joined
    return out


def _unmarking(name: str) -> Any:
    method = getattr(list, name)

    def edit(self: JoinedOffsets, *args: Any, **kwargs: Any) -> Any:
        self.joined = False
        return method(self, *args, **kwargs)

    edit.__name__ = name
    return edit


for _name in (
    "__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "extend", "insert", "pop", "remove", "clear", "sort",
    "reverse",
):  # fmt: skip
    setattr(JoinedOffsets, _name, _unmarking(_name))


@dataclass(slots=True)
class Example:
    """One unit of annotated text: a sentence, a paragraph or a whole document.

    ``words``/``word_offsets``/``word_tags`` are present for word-level input (CoNLL and friends); ``spans``
    always holds the char spans (for word input: decoded from the word tags on the joined text).
    """

    id: str
    text: str
    spans: list[Span] = field(default_factory=list)
    doc_id: str | None = None
    words: list[str] | None = None
    word_offsets: list[tuple[int, int]] | None = None
    word_tags: list[str] | None = None
    line: int | None = None  # first line (or record number) in the source file, for messages
    # Format details a reader keeps so a writer can give them back (span ids, stored span texts, fragments of
    # discontinuous spans, annotator, reader notes); see seqalign.formats.spaninfo for the keys.
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_words(
        cls,
        id: str,
        words: list[str],
        word_tags: list[str] | None = None,
        spans: list[Span] | None = None,
        doc_id: str | None = None,
        line: int | None = None,
    ) -> Example:
        lens = list(map(len, words))
        starts = [0, *accumulate(n + 1 for n in lens)]
        offsets = JoinedOffsets(zip(starts, map(add, starts, lens), strict=False))  # starts has one more
        return cls(
            id=id,
            text=" ".join(words),
            spans=spans or [],
            doc_id=doc_id,
            words=words,
            word_offsets=offsets,
            word_tags=word_tags,
            line=line,
        )


class Severity(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class Outcome(str, Enum):
    """What became of one input span. Every span gets exactly one, so the counts add up."""

    EXACT = "exact"
    ADJUSTED = "adjusted"
    LOST = "lost"
    TRUNCATED = "truncated"


@dataclass(frozen=True, slots=True)
class Location:
    file: str | None = None
    line: int | None = None  # 1-based line, or record number for record formats
    example_id: str | None = None
    start: int | None = None
    end: int | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file + (f":{self.line}" if self.line else ""))
        if self.example_id is not None:
            parts.append(f"example {self.example_id}")
        if self.start is not None:
            parts.append(f"chars {self.start}-{self.end}")
        return ", ".join(parts) or "-"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding. ``code`` is stable (users select and ignore by it); ``fix`` says what was done."""

    code: str
    severity: Severity
    message: str
    location: Location = Location()
    fix: str | None = None
    outcome: Outcome | None = None  # set when the diagnostic decides the fate of an input span
    span: Span | None = None
    new_span: Span | None = None
    span_text: str | None = None
    policy: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.location.file,
            "line": self.location.line,
            "example_id": self.location.example_id,
        }
        if self.span is not None:
            d.update(start=self.span.start, end=self.span.end, label=self.span.label, text=self.span_text)
        if self.new_span is not None:
            d["new_span"] = {"start": self.new_span.start, "end": self.new_span.end, "label": self.new_span.label}
        if self.outcome is not None:
            d["outcome"] = self.outcome.value
        if self.fix is not None:
            d["fix"] = self.fix
        if self.policy is not None:
            d["policy"] = self.policy
        return d


@dataclass(slots=True)
class Counts:
    examples: int = 0
    windows: int = 0
    spans_in: int = 0
    exact: int = 0
    adjusted: int = 0
    lost: int = 0
    truncated: int = 0
    window_cuts: int = 0  # (entity, window) pairs where a window edge cuts the entity
    tokens: int = 0

    def add_outcome(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def merge(self, other: Counts) -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def balanced(self) -> bool:
        return self.spans_in == self.exact + self.adjusted + self.lost + self.truncated

    def to_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(slots=True)
class Report:
    """Counts plus every diagnostic. ``problems`` are the diagnostics that decide a non-exact span."""

    counts: Counts = field(default_factory=Counts)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def extend(self, diags: list[Diagnostic]) -> None:
        self.diagnostics.extend(diags)

    @property
    def problems(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.outcome is not None and d.outcome is not Outcome.EXACT]

    def code_counts(self) -> Counter[str]:
        return Counter(d.code for d in self.diagnostics)

    def to_dict(self) -> dict[str, Any]:
        return {
            "counts": self.counts.to_dict(),
            "balanced": self.counts.balanced(),
            "meta": self.meta,
            "notes": self.notes,
            "codes": dict(sorted(self.code_counts().items())),
            "problems": [d.to_dict() for d in self.problems],
            "diagnostics": [d.to_dict() for d in self.diagnostics if d.outcome is None],
        }
