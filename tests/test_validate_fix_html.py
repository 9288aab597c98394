"""``validate --fix`` writes the safely fixed data (and the fixed data validates clean of what was fixed);
``--html`` writes one self-contained page that a headless browser can open."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import shared_path

from seqalign.api_formats import validate_file
from seqalign.cli import main


def test_fix_doccano_trims_and_dedupes(tmp_path: Path) -> None:
    src = shared_path("corpora", "doccano", "v1_7_entities_relations", "all.jsonl")
    recs = [json.loads(x) for x in src.read_text(encoding="utf-8").splitlines() if x.strip()]
    fixed = tmp_path / "fixed.jsonl"
    res = CliRunner().invoke(main, ["validate", str(src), "--fix", str(fixed), "--json"])
    assert res.exit_code == 0, res.output
    after = validate_file(fixed).code_counts()
    assert after["S101"] == after["S202"] == after["S206"] == 0
    # independent expectation: whitespace-only spans removed, the rest trimmed, then exact duplicates removed
    uniq = 0
    for r in recs:
        seen = set()
        for e in r["entities"]:
            seg = r["text"][e["start_offset"] : e["end_offset"]]
            if seg.strip():
                s = e["start_offset"] + len(seg) - len(seg.lstrip())
                seen.add((s, e["end_offset"] - len(seg) + len(seg.rstrip()), e["label"]))
        uniq += len(seen)
    out = [json.loads(x) for x in fixed.read_text(encoding="utf-8").splitlines()]
    assert sum(len(r["entities"]) for r in out) == uniq
    assert [r["text"] for r in out] == [r["text"] for r in recs]  # texts untouched
    assert list(out[0]) == list(recs[0])  # the same doccano variant (keys) comes back


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.urls: list[str] = []
        self.void = {"meta", "br", "img", "link", "hr", "input"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag not in self.void:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def _browser() -> str | None:
    return next((b for b in ("chromium", "chromium-browser", "google-chrome", "chrome") if shutil.which(b)), None)


def test_html_report_is_self_contained_and_balanced(tmp_path: Path) -> None:
    src = shared_path("corpora", "label_studio", "labic_multi_annotator_pt", "all_annotations_export.json")
    page = tmp_path / "r.html"
    res = CliRunner().invoke(main, ["validate", str(src), "--html", str(page)])
    assert res.exit_code == 0, res.output
    text = page.read_text(encoding="utf-8")
    checker = _Checker()
    checker.feed(text)
    assert checker.stack == [] and checker.urls == []  # well nested, nothing fetched from anywhere
    assert "http://" not in text and "https://" not in text
    report = validate_file(src)
    for code in report.code_counts():
        assert f"<b>{code}</b>" in text
    # one block per example with a problem, its text shown with the spans marked
    assert text.count("<div class=ex ") == len({d.location.example_id for d in report.diagnostics})
    assert text.count('class="sp ') >= text.count("<div class=ex ")
    assert html.escape("eveu amoxicilina p") in text


@pytest.mark.skipif(_browser() is None, reason="no Chromium installed (the test does not install one)")
def test_html_report_opens_in_headless_chromium(tmp_path: Path) -> None:
    src = shared_path("corpora", "label_studio", "labic_multi_annotator_pt", "all_annotations_export.json")
    page = tmp_path / "r.html"
    CliRunner().invoke(main, ["validate", str(src), "--html", str(page)])
    shot = tmp_path / "shot.png"
    browser = _browser()
    assert browser is not None
    proc = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            # No network here: keep Chromium from trying (and failing) to reach its own services.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,2000",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.exists() and shot.stat().st_size > 1000
