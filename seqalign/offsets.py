"""Offset units: annotation tools count in UTF-16 code units (browsers), grapheme clusters or code points.

seqalign counts in code points. These pure functions translate one offset between units for a given text,
so readers can convert at the edge and the validator can test which reading makes a file's spans fit.
"""

from __future__ import annotations

from functools import lru_cache

import regex

UNITS = ("codepoint", "utf16", "grapheme")
_GRAPHEME = regex.compile(r"\X")


@lru_cache(maxsize=64)
def _tables(text: str, unit: str) -> tuple[tuple[int, ...], dict[int, int]]:
    """(code point -> unit offset for every code point boundary, unit offset -> code point for boundaries)."""
    if unit == "utf16":
        to_unit = [0]
        for ch in text:
            to_unit.append(to_unit[-1] + (2 if ord(ch) > 0xFFFF else 1))
        return tuple(to_unit), {u: i for i, u in enumerate(to_unit)}
    if unit == "grapheme":
        starts = [m.start() for m in _GRAPHEME.finditer(text)] + [len(text)]
        back = dict(enumerate(starts))
        # a code point inside a cluster maps to the cluster it belongs to (for writing back)
        to_unit_list = []
        g = 0
        for cp in range(len(text) + 1):
            while g + 1 < len(starts) and starts[g + 1] <= cp:
                g += 1
            to_unit_list.append(g if cp < len(text) else len(starts) - 1)
        return tuple(to_unit_list), back
    raise ValueError(f"unknown offset unit {unit!r}; known: {', '.join(UNITS)}")


def differs(text: str, unit: str) -> bool:
    """True when offsets in ``unit`` differ from code points somewhere in ``text``."""
    if unit == "codepoint":
        return False
    if unit == "utf16":
        return any(ord(ch) > 0xFFFF for ch in text)
    return len(_GRAPHEME.findall(text)) != len(text)


def to_codepoint(text: str, offset: int, unit: str) -> int | None:
    """The code point offset of ``offset`` counted in ``unit``; None if it is out of range or mid-character."""
    if unit == "codepoint":
        return offset if 0 <= offset <= len(text) else None
    if not differs(text, unit):
        return offset if 0 <= offset <= len(text) else None
    return _tables(text, unit)[1].get(offset)


def from_codepoint(text: str, offset: int, unit: str) -> int:
    """``offset`` (code points, within the text) counted in ``unit``."""
    if unit == "codepoint" or not differs(text, unit):
        return offset
    return _tables(text, unit)[0][offset]
