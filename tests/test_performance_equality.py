"""The fast paths give exactly what the straightforward paths give.

* distinct-word cache + ``align_words_first`` vs full sentence encoding + ``align_example``: every row, every
  diagnostic, counts, kept spans, and the report, on CoNLL-2003 for all 18 zoo tokenizers and on the fixture
  tokenizers with hand-made awkward words;
* flat Arrow batches vs ``from_pydict``; our save_to_disk layout vs ``datasets``' own;
* ``workers=2`` vs ``workers=1`` and one read pass vs two, through ``align_file``.

No timing here: speed is the benchmark's business (scripts/bench.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURE_TOKENIZERS, FIXTURES, ZOO_NAMES, load_fixture, load_zoo, shared_path

from seqalign import api
from seqalign.align import AlignConfig, Row
from seqalign.formats import conll
from seqalign.model import Example, Report
from seqalign.pipeline import align_stream, collect_types, label_map
from seqalign.schemes import get_scheme

CONFIGS = [("bio", 512), ("bilou", 512), ("io", 512), ("bio", 12)]
ZOO_CONFIGS = [("bio", 512), ("bilou", 12)]


def _run(adapter: Any, examples: list[Example], scheme: str, max_length: int, types: list[str], cache: bool) -> Any:
    old = adapter.word_cache
    adapter.word_cache = "auto" if cache else "off"
    try:
        cfg = AlignConfig(get_scheme(scheme), max_length=max_length)
        lm = label_map(cfg.scheme, types)
        rep = Report()
        exs = [Example.from_words(e.id, list(e.words), list(e.word_tags or []), doc_id=e.doc_id, line=e.line) for e in examples]
        res = list(align_stream(exs, adapter, cfg, lm["label2id"], input_scheme=get_scheme("iob1"), report=rep))
    finally:
        adapter.word_cache = old
    return [([r.as_dict() for r in a.rows], a.diagnostics, a.counts, a.kept) for a in res], rep.to_dict()


def _check(adapter: Any, examples: list[Example], configs: list[tuple[str, int]] = CONFIGS) -> None:
    types = collect_types(examples)
    for scheme, max_length in configs:
        plain = _run(adapter, examples, scheme, max_length, types, cache=False)
        fast = _run(adapter, examples, scheme, max_length, types, cache=True)
        assert fast == plain, (scheme, max_length)


_CONLL: list[Example] = []


def _conll_sample() -> list[Example]:
    if not _CONLL:
        path = shared_path("corpora", "conll2003", "iob1", "eng.testb")
        _CONLL.extend(ex for _, ex in zip(range(300), conll.read(path), strict=False))
    return _CONLL


@pytest.mark.zoo
@pytest.mark.parametrize("name", ZOO_NAMES)
def test_word_cache_equals_sentence_encoding_on_the_zoo(name: str) -> None:
    ad = load_zoo(name, words=True)
    ad.reset_word_cache()
    _check(ad, _conll_sample(), ZOO_CONFIGS)
    assert ad.word_cache_state == "on", ad.word_cache_note


AWKWARD = [
    (["Zürich", "\u200b", "hat", "東京", "🙂", "x"], ["B-LOC", "O", "O", "B-LOC", "O", "B-MISC"]),
    (["New", "York", "New", "York"], ["I-LOC", "I-LOC", "B-LOC", "I-LOC"]),  # IO cannot keep these apart
    (["ﬁnance", "Ǆemal", "naïve", "café", "x\u0301"], ["I-ORG", "O", "I-PER", "I-PER", "O"]),
    (["...", "--", "'s", "U.S.", "1,000"], ["O", "O", "O", "I-LOC", "O"]),
    (["a" * 40, "b", "c" * 33, "Müller-Lüdenscheidt"], ["I-PER", "O", "I-ORG", "I-PER"]),
    (["\u200b"], ["O"]),
]


@pytest.mark.parametrize("name", FIXTURE_TOKENIZERS)
def test_word_cache_equals_sentence_encoding_on_fixtures(name: str) -> None:
    ad = load_fixture(name, words=True)
    ad.reset_word_cache()
    sample = list(conll.read(FIXTURES / "sample" / "sample.conll"))
    awkward = [Example.from_words(f"a{i}", w, t) for i, (w, t) in enumerate(AWKWARD)]
    _check(ad, awkward + sample + awkward)


def test_cache_falls_back_when_the_backend_truncates() -> None:
    from seqalign.tokenization import _load_tokenizer

    fresh = _load_tokenizer(str(FIXTURES / "tokenizers" / FIXTURE_TOKENIZERS[0]), words=True)  # no snapshot: a private copy
    fresh.tokenizer._tokenizer.enable_truncation(5)
    sample = list(conll.read(FIXTURES / "sample" / "sample.conll"))
    _check(fresh, sample)
    assert fresh.word_cache_state == "off"
    assert any("distinct-word cache off" in n for n in fresh.notes)


def test_flat_record_batches_equal_from_pydict() -> None:
    from seqalign.export.token_classification import _batch_plain, rows_batch

    rows = [
        Row("a", 0, [101, 5, 6, 102], [-100, 1, -100, -100], [(0, 0), (0, 2), (2, 3), (0, 0)], [None, 0, 0, None], 0, 3),
        Row("b", 1, [], [], [], [], 0, 0, 7, "doc1"),
        Row("c", 0, [9], [0], [(4, 9)], [None], 4, 9, 0, None),
    ]
    assert rows_batch(rows).equals(_batch_plain(rows))


def _rows(path: Path) -> list[dict[str, Any]]:
    import datasets

    return datasets.load_from_disk(str(path)).to_list()


def test_direct_dataset_layout_equals_save_to_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datasets
    import pyarrow as pa

    from seqalign.export import token_classification as tc

    rows = [
        Row(str(i), 0, list(range(i % 7)), [i % 3] * (i % 7), [(k, k + 1) for k in range(i % 7)], list(range(i % 7)), 0, i % 7)
        for i in range(5000)
    ]
    stream = tmp_path / "rows.arrow"
    with pa.OSFile(str(stream), "wb") as sink, pa.ipc.new_stream(sink, tc.SCHEMA) as w:
        for b in tc.batches_of(rows):
            w.write_batch(b)
    ref = tmp_path / "ref"
    ref.mkdir()
    tc.finish_stream(ref, stream, "arrow")  # datasets' own save_to_disk
    monkeypatch.setattr(tc, "_MAX_SHARD", 20_000)  # several shards, as a big corpus would get
    tc.write_dataset(tmp_path / "ours", rows, {"labels": []}, Report)
    a = datasets.load_from_disk(str(ref))
    b = datasets.load_from_disk(str(tmp_path / "ours"))
    assert len(list((tmp_path / "ours").glob("data-*.arrow"))) > 1
    assert a.features == b.features
    assert a.to_list() == b.to_list()


def _same_output(a: Path, b: Path) -> None:
    assert _rows(a) == _rows(b)
    ra = json.loads((a / "report.json").read_text())
    rb = json.loads((b / "report.json").read_text())
    for r in (ra, rb):
        r["meta"].pop("workers")
        r["meta"].pop("word_cache", None)  # says whether the cache was used
    assert ra == rb
    assert (a / "labels.json").read_text() == (b / "labels.json").read_text()


def test_workers_and_single_pass_give_the_same_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tok = str(FIXTURES / "tokenizers" / "wordpiece-bert")
    monkeypatch.setattr(api, "BATCH", 1)  # so that the small sample is more than one batch
    monkeypatch.setattr("seqalign.pipeline.BATCH", 7)
    for src, extra in (
        (FIXTURES / "sample" / "sample.jsonl", {"overlaps": "keep-longer"}),
        (FIXTURES / "sample" / "sample.conll", {}),
    ):
        one = tmp_path / f"{src.suffix}-1"
        api.align_file(src, tok, one, workers=1, **extra)
        rep = api.align_file(src, tok, tmp_path / f"{src.suffix}-2", workers=2, **extra)
        assert rep.meta["workers"] == 2
        _same_output(one, tmp_path / f"{src.suffix}-2")
        monkeypatch.setattr(api, "KEEP_CHARS", 0)  # read twice
        api.align_file(src, tok, tmp_path / f"{src.suffix}-r", workers=1, word_cache=False, **extra)
        monkeypatch.setattr(api, "KEEP_CHARS", 4_000_000)
        _same_output(one, tmp_path / f"{src.suffix}-r")


@pytest.mark.zoo
def test_workers_on_real_span_input(tmp_path: Path) -> None:
    """CoNLL-2003 testb as span JSONL (text = joined words), 2 workers vs 1, bert-base-cased."""
    src = shared_path("corpora", "conll2003", "iob1", "eng.testb")
    tok = str(shared_path("tokenizers", "bert-base-cased"))
    jl = tmp_path / "testb.jsonl"
    with open(jl, "w", encoding="utf-8") as fh:
        for ex in zip(range(3000), conll.read(src), strict=False):
            e = ex[1]
            from seqalign.pipeline import word_tags_to_spans

            word_tags_to_spans(e, get_scheme("iob1"))
            fh.write(
                json.dumps(
                    {"id": e.id, "text": e.text, "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in e.spans]}
                )
                + "\n"
            )
    api.align_file(jl, tok, tmp_path / "w1", workers=1, label_subwords="all")
    api.align_file(jl, tok, tmp_path / "w2", workers=2, label_subwords="all")
    _same_output(tmp_path / "w1", tmp_path / "w2")


@pytest.mark.zoo
def test_tokenizer_snapshot_equals_transformers_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The snapshot cache (no transformers import) gives the same adapter and the same encodings."""
    from seqalign import tokenization as tz

    monkeypatch.setenv("SEQALIGN_CACHE", str(tmp_path))
    texts = [e.text for e in _conll_sample()[:60]] + ["Zürich 東京 🙂 naïve  x\u200by ﬁ"]
    words = [t.split(" ") for t in texts]
    offs = [Example.from_words("x", w).word_offsets for w in words]
    # one of each family (loading through transformers is the slow part, so not all 18)
    for name, as_words in (("bert-base-cased", False), ("roberta-base", True), ("xlnet-base-cased", True), ("llama-2", False)):
        spec = str(shared_path("tokenizers", name))
        real = tz._load_tokenizer(spec, words=as_words)
        tz._write_snapshot(tz._snapshot_key(spec, as_words) or "", real)
        snap = tz.load_tokenizer(spec, words=as_words)
        assert isinstance(snap.tokenizer, tz.SnapshotTokenizer), name
        for attr in ("prefix_ids", "suffix_ids", "marker_ids", "notes", "load_kwargs", "max_length", "n_special"):
            assert getattr(snap, attr) == getattr(real, attr), (name, attr)
        assert snap.info() == real.info()
        if as_words:
            assert snap.encode_words(texts, words, offs) == real.encode_words(texts, words, offs)
        else:
            assert snap.encode_texts(texts) == real.encode_texts(texts)
    # anything else loads the real tokenizer on demand
    assert snap.tokenizer.convert_ids_to_tokens(snap.prefix_ids) == real.tokenizer.convert_ids_to_tokens(real.prefix_ids)
    assert list(snap.tokenizer("a b")["input_ids"]) == list(real.tokenizer("a b")["input_ids"])


def test_snapshot_cache_can_be_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from seqalign import tokenization as tz

    monkeypatch.setenv("SEQALIGN_CACHE", str(tmp_path))
    spec = str(FIXTURES / "tokenizers" / "wordpiece-bert")
    tz.load_tokenizer(spec)
    assert isinstance(tz.load_tokenizer(spec).tokenizer, tz.SnapshotTokenizer)
    monkeypatch.setenv("SEQALIGN_TOKENIZER_CACHE", "off")
    assert not isinstance(tz.load_tokenizer(spec).tokenizer, tz.SnapshotTokenizer)
    (next(tmp_path.rglob("*.json"))).write_text("{broken", encoding="utf-8")
    monkeypatch.delenv("SEQALIGN_TOKENIZER_CACHE")
    assert tz.load_tokenizer(spec).prefix_ids  # a broken snapshot is rebuilt, not trusted
