"""Every code validate and the format readers can emit is in the catalog and documented in docs/diagnostics.md."""

from __future__ import annotations

import re
from pathlib import Path

from seqalign.codes import CATALOG

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [
    ROOT / "seqalign" / "validate.py",
    ROOT / "seqalign" / "convert_policies.py",
    *(ROOT / "seqalign" / "formats").glob("*.py"),
]


def _emitted() -> set[str]:
    codes: set[str] = set()
    for p in SOURCES:
        codes |= set(re.findall(r'"([A-Z][0-9]{3})"', p.read_text(encoding="utf-8")))
    return codes


def test_emitted_codes_are_catalogued() -> None:
    emitted = _emitted()
    assert {"V101", "V104", "F101", "S101", "T101"} <= emitted  # the scan itself works
    assert sorted(emitted - set(CATALOG)) == []


def test_validate_and_format_codes_are_documented() -> None:
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    headings = dict(re.findall(r"^### ([A-Z][0-9]{3}): (.*)$", doc, flags=re.M))
    for code, (meaning, why) in CATALOG.items():
        if code[0] in "VF":
            assert headings.get(code) == meaning, code
            assert why in doc, code
