"""The command under conditions a pipeline creates: stopped by SIGTERM, options that do not apply to the input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOK = ROOT / "fixtures" / "tokenizers" / "wordpiece-bert"


def _big_jsonl(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            rec = {"text": f"Ola Nordmann bor i Oslo nummer {i}.", "label": [[0, 12, "PER"], [19, 23, "LOC"]]}
            fh.write(json.dumps(rec) + "\n")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_during_align_leaves_no_temp_directory(tmp_path: Path, workers: str) -> None:
    src = tmp_path / "big.jsonl"
    _big_jsonl(src, 300_000)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "seqalign", "align", str(src), "-t", str(TOK), "--out", str(out), "-j", workers],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    deadline = time.monotonic() + 60
    while not [p for p in tmp_path.iterdir() if ".tmp-" in p.name]:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "align never started writing"
        time.sleep(0.05)
    time.sleep(0.5)  # well inside the batches, workers running
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr.decode()
    assert "terminated" in stderr.decode() and "Traceback" not in stderr.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl"]


def test_column_options_on_a_format_without_columns_are_refused(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from seqalign.cli import main

    src = tmp_path / "a.jsonl"
    _big_jsonl(src, 3)
    out = tmp_path / "out"
    for opt in (["--tag-column", "2"], ["--token-column", "2"]):
        res = CliRunner().invoke(main, ["align", str(src), "-t", str(TOK), "--out", str(out), *opt])
        assert res.exit_code == 2, res.output
        assert "a.jsonl" in res.output and "read as doccano" in res.output and "--from conll" in res.output
        assert "Traceback" not in res.output and not out.exists()
    res = CliRunner().invoke(main, ["convert", str(src), str(tmp_path / "b.conll"), "--tag-column", "2"])
    assert res.exit_code == 2 and "read as doccano" in res.output, res.output
    # The same columns on a CoNLL file are used, not refused: tag from column 2 of three.
    conll = tmp_path / "a.conll"
    conll.write_text("Ola\tB-PER\tO\nbor\tO\tO\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["align", str(conll), "-t", str(TOK), "--out", str(out), "--tag-column", "2"])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "labels.json").read_text())["labels"][1:] == ["B-PER", "I-PER"]


def _sigterm_disposition(_: int) -> bool:
    return signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


@pytest.mark.skipif(sys.platform == "win32", reason="fork and SIGTERM are POSIX")
def test_pool_workers_die_on_sigterm_even_under_a_python_handler() -> None:
    # Pool.terminate() sends SIGTERM; a Python-level handler inherited by a worker can miss it (it runs only
    # between bytecodes) and leave terminate() waiting forever, as a whole test run once did.
    from seqalign.pipeline import fork_pool

    before = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        with fork_pool(2) as pool:
            assert pool.map(_sigterm_disposition, range(4)) == [True] * 4
    finally:
        signal.signal(signal.SIGTERM, before)


def test_cli_in_process_puts_back_the_callers_sigterm_handler_and_gc_threshold() -> None:
    import gc

    from click.testing import CliRunner

    from seqalign.cli import main

    mine = signal.getsignal(signal.SIGTERM)
    threshold = gc.get_threshold()
    res = CliRunner().invoke(main, ["transitions", "--scheme", "bio", "--types", "PER"])
    assert res.exit_code == 0, res.output
    assert signal.getsignal(signal.SIGTERM) is mine
    assert gc.get_threshold() == threshold
