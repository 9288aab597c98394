"""Shared fixtures. Real tokenizers and corpora live in ../shared (or $SEQALIGN_SHARED).

Without them the tests that need them skip with a reason, so a fresh clone passes; under CI (CI=true)
a missing ../shared is a failure, so CI can never pass by skipping the real-data tests.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SEQALIGN_SHARED", ROOT.parent / "shared")).resolve()
FIXTURES = ROOT / "fixtures"
FIXTURE_TOKENIZERS = (
    sorted(p.name for p in (FIXTURES / "tokenizers").iterdir() if p.is_dir()) if (FIXTURES / "tokenizers").exists() else []
)
ZOO_NAMES = [
    "albert-base-v2",
    "bert-base-cased",
    "bert-base-chinese",
    "bert-base-multilingual-cased",
    "bert-base-uncased",
    "distilbert-base-uncased",
    "fixture-spm-bpe",
    "fixture-spm-bytefallback",
    "fixture-spm-unigram",
    "gpt2",
    "llama-2",
    "llama-3-8b-instruct",
    "mistral-7b-v0.1",
    "modernbert-large",
    "qwen2-1.5b-instruct",
    "roberta-base",
    "t5-small",
    "xlnet-base-cased",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def shared_path(*parts: str) -> Path:
    """A path under ../shared, or skip (fail under CI) when it is not there."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        msg = f"{p} not found: real tokenizers/corpora live in ../shared (set SEQALIGN_SHARED to point elsewhere)"
        if in_ci():
            pytest.fail(msg + " -- CI=true, so this is a failure, not a skip")
        pytest.skip(msg)
    return p


@pytest.fixture(scope="session")
def shared() -> Path:
    return shared_path()


_TOKENIZERS: dict[str, object] = {}


def load_zoo(name: str, words: bool = False) -> Any:
    from seqalign.tokenization import load_tokenizer

    key = f"zoo:{name}:{words}"
    if key not in _TOKENIZERS:
        _TOKENIZERS[key] = load_tokenizer(str(shared_path("tokenizers", name)), words=words)
    return _TOKENIZERS[key]


def load_fixture(name: str, words: bool = False) -> Any:
    from seqalign.tokenization import load_tokenizer

    key = f"fx:{name}:{words}"
    if key not in _TOKENIZERS:
        _TOKENIZERS[key] = load_tokenizer(str(FIXTURES / "tokenizers" / name), words=words)
    return _TOKENIZERS[key]
