"""The fast paths for span input give exactly what the straightforward paths give.

1. ``_Job.record_batch`` with ``columns=True`` (``align_spans.align_span_columns`` takes the plain documents of a
   batch, ``_merge_rest`` puts the general path's rows of the others back in order) vs ``columns=False`` (every
   document through ``align_example``): the Arrow record batch, the counts and the diagnostics, batch by batch;
   on real span corpora for the zoo, on hand-made awkward documents and on random documents for the fixtures.
2. ``formats.textio.line_shards`` / ``shard_lines`` vs ``read_lines`` (and a plain bytes reference): the shards
   are contiguous, hold whole lines, cover the file, and their lines are the file's lines.
3. ``formats.jsonl._plain_spans`` (plain records) vs the general reader (``make_example`` + ``_restore``):
   the same Examples, or the same error on the same line.
4. ``api.align_file`` with ``workers=2`` (JSONL read shard by shard in the workers: ``sharded.scan`` /
   ``sharded.align``) vs ``workers=1``: the same dataset, labels.json and report (but ``meta.workers``), and
   the same errors.

The references are the per-example / per-line / general functions, never the code under test itself.
"""

from __future__ import annotations

import inspect
import io
import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pytest
from conftest import FIXTURE_TOKENIZERS, FIXTURES, ZOO_NAMES, load_fixture, load_zoo, shared_path
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from seqalign import align_spans, api, formats, sharded
from seqalign.align import AlignConfig
from seqalign.errors import InputError
from seqalign.formats import jsonl, textio
from seqalign.model import Example, Span
from seqalign.pipeline import _chunks, _Job, collect_types, label_map
from seqalign.schemes import get_scheme

# ===================================================================== 1. record batches: columns vs per example

TARGETS = ["bio", "bilou", "io", "iob1", "ioe1"]
ALIGNMENTS = ["strict", "contract", "expand"]


def _copy(e: Example) -> Example:
    """A fresh copy (the aligner mutates examples)."""
    return Example(e.id, e.text, list(e.spans), doc_id=e.doc_id, line=e.line)


_SIGNATURE = inspect.signature(align_spans.align_span_columns)


class _Spy:
    """Wraps ``align_span_columns``: documents taken / declined, and whether a document that needs more than one
    window (more pieces than room) was ever taken."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = self.taken = self.declined = 0
        self.windows_taken: list[int] = []
        real = align_spans.align_span_columns

        def spy(texts: Any, n_pieces: np.ndarray, *args: Any, **kwargs: Any) -> Any:
            cols, taken, counts = real(texts, n_pieces, *args, **kwargs)
            room = _SIGNATURE.bind(texts, n_pieces, *args, **kwargs).arguments["room"]
            self.calls += 1
            self.taken += int(taken.sum())
            self.declined += int((~taken).sum())
            self.windows_taken.extend(np.flatnonzero(taken & (n_pieces > room)).tolist())
            return cols, taken, counts

        monkeypatch.setattr(align_spans, "align_span_columns", spy)

    def reset(self) -> None:
        self.calls = self.taken = self.declined = 0
        self.windows_taken = []


def _run(
    adapter: Any,
    examples: list[Example],
    target: str,
    max_length: int,
    alignment: str,
    overlaps: str,
    columns: bool,
    batch_size: int,
) -> list[tuple[Any, dict[str, int], list[Any], Any]]:
    types = collect_types(examples)
    label2id = label_map(get_scheme(target), types)["label2id"]
    cfg = AlignConfig(get_scheme(target), max_length=max_length, alignment=alignment, overlaps=overlaps)
    job = _Job(adapter, cfg, label2id, None, "begin", "input.jsonl", columns=columns)
    out = []
    for batch in _chunks([_copy(e) for e in examples], batch_size):
        rb, rep = job.record_batch(batch)
        out.append((rb, rep.counts.to_dict(), list(rep.diagnostics), (rep.notes, rep.meta)))
    return out


def _first_difference(a: Any, b: Any) -> str:
    ra, rb = a.to_pylist(), b.to_pylist()
    for i, (x, y) in enumerate(zip(ra, rb, strict=False)):
        if x != y:
            cols = {k: (x[k], y[k]) for k in x if x[k] != y[k]}
            return f"row {i} ({x['id']}): reference vs columns {cols}"
    return f"{len(ra)} reference rows vs {len(rb)} columns rows; schemas equal: {a.schema == b.schema}"


def _compare(
    adapter: Any,
    examples: list[Example],
    target: str,
    max_length: int,
    alignment: str = "strict",
    overlaps: str = "keep-first",
    batch_size: int = 64,
    spy: _Spy | None = None,
) -> None:
    args = (adapter, examples, target, max_length, alignment, overlaps)
    if spy:
        spy.reset()
    ref = _run(*args, columns=False, batch_size=batch_size)
    if spy:
        assert spy.calls == 0  # the reference never went through the columns
    got = _run(*args, columns=True, batch_size=batch_size)
    where = f"{adapter.name} -> {target} max_length={max_length} alignment={alignment} overlaps={overlaps}"
    assert len(got) == len(ref), where
    if spy and examples:
        assert spy.calls == len(got), where  # every batch went through the columns
        assert spy.windows_taken == [], f"{where}: documents needing windows were taken: {spy.windows_taken}"
    for k, (r, g) in enumerate(zip(ref, got, strict=True)):
        assert g[0].equals(r[0]), f"{where}, batch {k}: {_first_difference(r[0], g[0])}"
        assert g[1] == r[1], f"{where}, batch {k}: counts {r[1]} vs {g[1]}"
        assert g[2] == r[2], f"{where}, batch {k}: diagnostics"
        assert g[3] == r[3], f"{where}, batch {k}: notes and meta"


# ----------------------------------------------------------------------------- the zoo on real span corpora

CORPORA = [
    ("doccano", "v1_2_data_label", "all.jsonl"),
    ("prodigy", "ner_tweets_test_annotated.jsonl"),  # double spaces, emoji, duplicate ids
    ("label_studio", "uie_zh_weapons", "label_studio.json"),  # Chinese
    ("doccano", "v1_7_entities_relations", "all.jsonl"),  # long documents, edge-whitespace spans, overlaps
]
_CORPORA: dict[tuple[str, ...], list[Example]] = {}


def _corpus(parts: tuple[str, ...], n: int = 400) -> list[Example]:
    if parts not in _CORPORA:
        path = shared_path("corpora", *parts)
        mod = formats.detect_format(path, "utf-8")
        _CORPORA[parts] = list(itertools.islice(mod.read(path), 400))
    return _CORPORA[parts][:n]


@pytest.mark.zoo
@pytest.mark.parametrize("name", ZOO_NAMES)
def test_record_batches_equal_on_span_corpora_for_the_zoo(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = load_zoo(name)
    spy = _Spy(monkeypatch)
    k = ZOO_NAMES.index(name)
    taken = 0
    # every tokenizer: bio with one window (the columns take documents) and with windows (general path)
    for parts in CORPORA:
        for max_length in (512, 32):
            # windows: the long documents all go to the general path, twice as slow; half of them is enough
            exs = _corpus(parts, 200 if max_length == 32 else 400)
            _compare(adapter, exs, "bio", max_length, "strict", "keep-first", spy=spy)
            if max_length == 512:
                taken += spy.taken
    assert taken > 0, f"{name}: the columns took no document at all"
    # a rotating sample of the other targets and alignments (all of them over the zoo), on shorter slices
    extra = [
        (TARGETS[(k + 1) % 5], 512, ALIGNMENTS[k % 3]),
        (TARGETS[(k + 3) % 5], 32, ALIGNMENTS[(k + 1) % 3]),
        (TARGETS[(k + 4) % 5], 512, ALIGNMENTS[(k + 2) % 3]),
    ]
    for target, max_length, alignment in extra:
        for parts in CORPORA:
            exs = _corpus(parts, 80 if parts[-1] == "all.jsonl" else 400)
            _compare(adapter, exs, target, max_length, alignment, "keep-first", batch_size=48, spy=spy)


# ----------------------------------------------------------------------------- fixtures: hand-made documents


def _doc(id: str, text: str, *marks: tuple[Any, ...], doc_id: str | None = "hand") -> Example:
    """``marks``: (substring, label) -> its first occurrence, (substring, label, k) -> its k-th occurrence,
    (start, end, label) -> as given."""
    spans = []
    for m in marks:
        if isinstance(m[0], int):
            spans.append(Span(m[0], m[1], m[2]))
            continue
        sub, lab = m[0], m[1]
        at = -1
        for _ in range(m[2] if len(m) > 2 else 1):
            at = text.index(sub, at + 1)
        spans.append(Span(at, at + len(sub), lab))
    return Example(id, text, spans, doc_id=doc_id)


LONG = " ".join(["Angela Merkel met Emmanuel Macron in Berlin on Tuesday ."] * 6)

AWKWARD_DOCS = [
    _doc(
        "clean1",
        "Angela Merkel met Emmanuel Macron in Berlin .",
        ("Angela Merkel", "PER"),
        ("Emmanuel Macron", "PER"),
        ("Berlin", "LOC"),
    ),
    _doc("lead", "   Leading and trailing spaces   ", ("Leading", "X"), ("spaces", "Y")),
    _doc("multi", "two  spaces\tand\ttabs\nand\n\nnewlines  ", ("spaces", "X"), ("tabs", "Y"), ("newlines", "X")),
    _doc("nbsp", "Jean\u00a0Dupont lives in\u00a0Paris", ("Jean\u00a0Dupont", "PER"), ("Paris", "LOC")),
    _doc("ideo", "東京\u3000大阪\u3000と京都", ("東京", "LOC"), ("大阪", "LOC"), ("京都", "LOC")),
    _doc("zwsp", "zero\u200bwidth space and \u200b alone", ("zero\u200bwidth", "X"), ("alone", "Y")),
    _doc("emoji", "I ❤️ 🙂 New York 🇵🇹 👨\u200d👩\u200d👧 ok", ("🙂", "EMO"), ("New York", "LOC"), ("🇵🇹", "LOC")),
    _doc("comb", "Cafe\u0301 de\u0301ja\u0300 vu e\u0301\u0301", ("Cafe\u0301", "ORG"), ("de\u0301ja\u0300 vu", "X")),
    _doc("cjk", "北京是中国的首都。", ("北京", "LOC"), ("中国", "LOC")),
    _doc("empty", ""),
    _doc("spaces", "     "),
    _doc("ws-mix", " \t\n\u00a0\u3000 "),
    _doc("edge-ws", "He said Paris is big", (7, 14, "LOC"), (2, 8, "X")),  # " Paris " and "said "
    _doc("empty-span", "an empty span here", (3, 3, "X"), ("span", "Y")),
    _doc("dup", "duplicate spans here", ("duplicate", "X"), ("duplicate", "X"), ("here", "Y")),
    _doc("dup-label", "duplicate spans here", ("duplicate", "X"), ("duplicate", "Y")),
    _doc("overlap", "New York City is large", ("New York", "LOC"), ("York City", "LOC"), ("large", "X")),
    _doc("nested", "University of Paris is old", ("University of Paris", "ORG"), ("Paris", "LOC")),
    _doc("adjacent", "Paris London Rome and Oslo", ("Paris", "LOC"), ("London", "LOC"), ("Rome", "LOC"), ("Oslo", "LOC")),
    _doc("adjacent-types", "Paris London Rome", ("Paris", "LOC"), ("London", "X"), ("Rome", "LOC")),
    _doc("glued", "AB-CD", (0, 2, "X"), (2, 3, "X"), (3, 5, "X")),
    _doc("cut", "Washington Irving wrote", (0, 4, "PER"), (13, 17, "PER")),
    _doc("cut-inside", "Supercalifragilistic", (5, 9, "X")),
    _doc("end", "ends with an entity Zurich", ("Zurich", "LOC"), (25, 26, "X")),
    _doc("whole", "Zurich", (0, 6, "LOC")),
    _doc("at-end-empty", "text", (4, 4, "X")),
    _doc("inner-space-label", "Grace Hopper wrote code", ("Grace Hopper", "PERSON NAME"), ("code", "A B C")),
    _doc("ws-only-span", "a   b", (1, 4, "X")),
    _doc("punct", "U.S.-based, e.g. (Acme Inc.), 1,000!", ("U.S.", "LOC"), ("Acme Inc.", "ORG"), ("1,000", "NUM")),
    _doc("ctrl", "x\x1cy\x1fz\x85w", ("y", "X")),
    _doc("long", LONG, ("Angela Merkel", "PER"), ("Berlin", "LOC", 3), ("Tuesday", "X", 6)),
    _doc("ids", "same id twice", ("same", "X"), doc_id=None),
    _doc("ids", "same id twice", ("twice", "X"), doc_id=None),
    _doc("clean2", "Marie Curie worked in Paris and Warsaw .", ("Marie Curie", "PER"), ("Paris", "LOC"), ("Warsaw", "LOC")),
    _doc("clean3", "The Eiffel Tower is in France", ("Eiffel Tower", "LOC"), ("France", "LOC")),
]


for _n, _e in enumerate(AWKWARD_DOCS, 1):
    _e.line = _n


def _awkward_corpus() -> list[Example]:
    """The awkward documents alone, then interleaved with clean ones, then reversed: every batch mixes the
    documents the columns take with the ones they leave to the general path."""
    clean = [e for e in AWKWARD_DOCS if e.id.startswith("clean")]
    mixed = [x for pair in zip(AWKWARD_DOCS, itertools.cycle(clean), strict=False) for x in pair]
    return [*AWKWARD_DOCS, *mixed, *AWKWARD_DOCS[::-1]]


@pytest.mark.parametrize("name", FIXTURE_TOKENIZERS)
def test_record_batches_equal_on_fixtures_with_awkward_documents(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    adapter = load_fixture(name)
    corpus = _awkward_corpus()
    spy = _Spy(monkeypatch)
    for target in TARGETS:
        for max_length in (512, 16):
            for alignment in ALIGNMENTS:
                for overlaps in ("keep-first", "keep-longer"):
                    _compare(adapter, corpus, target, max_length, alignment, overlaps, batch_size=11, spy=spy)
                    if max_length == 512:
                        assert spy.taken > 0 and spy.declined > 0, (target, alignment, spy.taken, spy.declined)


@pytest.mark.parametrize("name", FIXTURE_TOKENIZERS)
def test_record_batches_equal_for_every_batch_size(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """One document per batch (columns of one row), odd sizes, one batch for everything; overlaps='error'
    (ERROR diagnostics, not raised here)."""
    adapter = load_fixture(name)
    corpus = _awkward_corpus()
    spy = _Spy(monkeypatch)
    for batch_size in (1, 2, 7, len(corpus)):
        _compare(adapter, corpus, "bilou", 512, "expand", "error", batch_size=batch_size, spy=spy)


def test_label_missing_from_the_label_map_raises_the_same_error() -> None:
    """A span label the label map lacks: the reference raises; the columns path must raise the same."""
    adapter = load_fixture("wordpiece-bert")
    exs = [_doc("a", "Paris is nice", ("Paris", "LOC")), _doc("b", "Rome too", ("Rome", "CITY"))]
    label2id = label_map(get_scheme("bio"), ["LOC"])["label2id"]
    errors = []
    for columns in (False, True):
        job = _Job(adapter, AlignConfig(get_scheme("bio")), label2id, None, "begin", "f", columns=columns)
        with pytest.raises(Exception) as info:  # whichever it is, it must be the same
            job.record_batch([_copy(e) for e in exs])
        errors.append((type(info.value), str(info.value)))
    assert errors[0] == errors[1]


# ----------------------------------------------------------------------------- fixtures: random documents

_WORDS = [
    "Paris",
    "New",
    "York",
    "a",
    "Zürich",
    "東京",
    "中国",
    "🙂",
    "👍🏽",
    "e\u0301",
    "x",
    "ﬁne",
    "İz",
    "O'Neil",
    "1,000",
    "ab",
]
_SPACES = [" ", " ", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u200b", ""]
_PUNCT = [",", ".", "-", "(", ")", "'", "!", "\u0301"]
_LABELS = ["PER", "LOC", "A B", "x"]


@st.composite
def random_docs(draw: Any) -> list[Example]:
    docs = []
    for d in range(draw(st.integers(1, 6))):
        text = draw(st.sampled_from(["", " ", "\u3000", "\t"]))
        words: list[tuple[int, int]] = []  # char ranges of the words and punctuation, for aligned spans
        for _ in range(draw(st.integers(0, 12))):
            piece = draw(st.sampled_from(_WORDS) | st.sampled_from(_PUNCT))
            words.append((len(text), len(text) + len(piece)))
            text += piece + draw(st.sampled_from(_SPACES))
        if draw(st.booleans()):
            text = text.rstrip(" ")
        n = len(text)
        spans = []
        for _ in range(draw(st.integers(0, 5))):
            label = draw(st.sampled_from(_LABELS))
            if words and draw(st.integers(0, 3)):  # mostly on word edges, so the columns take documents
                i = draw(st.integers(0, len(words) - 1))
                j = draw(st.integers(i, min(i + 2, len(words) - 1)))
                s, e = words[i][0], min(words[j][1], n)
            else:  # anywhere: cutting tokens, empty, whitespace, overlapping
                s = draw(st.integers(0, n))
                e = draw(st.integers(s, n))
            spans.append(Span(s, e, label))
        docs.append(Example(f"d{d}", text, spans, doc_id=draw(st.sampled_from([None, "doc"])), line=d + 1))
    return docs


@settings(max_examples=250, deadline=None)
@given(
    name=st.sampled_from(FIXTURE_TOKENIZERS),
    docs=random_docs(),
    target=st.sampled_from(TARGETS),
    max_length=st.sampled_from([512, 512, 8, 14]),
    alignment=st.sampled_from(ALIGNMENTS),
    overlaps=st.sampled_from(["keep-first", "keep-longer", "error"]),
    batch_size=st.integers(1, 6),
)
def test_record_batches_equal_on_random_documents(
    name: str, docs: list[Example], target: str, max_length: int, alignment: str, overlaps: str, batch_size: int
) -> None:
    _compare(load_fixture(name), docs, target, max_length, alignment, overlaps, batch_size=batch_size)


@pytest.mark.zoo
@settings(max_examples=200, deadline=None)
@given(
    name=st.sampled_from(ZOO_NAMES),
    docs=random_docs(),
    target=st.sampled_from(TARGETS),
    max_length=st.sampled_from([512, 512, 8, 14]),
    alignment=st.sampled_from(ALIGNMENTS),
    overlaps=st.sampled_from(["keep-first", "keep-longer", "error"]),
    batch_size=st.integers(1, 6),
)
def test_record_batches_equal_on_random_documents_for_the_zoo(
    name: str, docs: list[Example], target: str, max_length: int, alignment: str, overlaps: str, batch_size: int
) -> None:
    _compare(load_zoo(name), docs, target, max_length, alignment, overlaps, batch_size=batch_size)


# ===================================================================== 2. line_shards / shard_lines vs read_lines

BOM = b"\xef\xbb\xbf"
_LINE_PIECES = ["a", "Zz9", " ", "é", "東京", "🙂", "\t", "{}", '"x"', "\u2028", "\x85"]


@st.composite
def file_bytes(draw: Any) -> bytes:
    lines = draw(st.lists(st.lists(st.sampled_from(_LINE_PIECES), max_size=6).map("".join), max_size=12))
    ends = [draw(st.sampled_from(["\n", "\n", "\r\n"])) for _ in lines]
    if lines and draw(st.booleans()):
        ends[-1] = ""  # no final newline
    data = "".join(a + b for a, b in zip(lines, ends, strict=True)).encode("utf-8")
    return BOM + data if draw(st.booleans()) else data


def _plain_lines(data: bytes) -> list[tuple[int, str]]:
    """The reference without any block logic: the file read line by line (a BOM dropped from line 1)."""
    out = []
    for n, raw in enumerate(io.BytesIO(data), 1):
        if n == 1 and raw.startswith(BOM):
            raw = raw[3:]
        out.append((n, raw.decode("utf-8").removesuffix("\n").removesuffix("\r")))
    return out


def _check_shards(data: bytes, size: int) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.jsonl"
        path.write_bytes(data)
        shards = textio.line_shards(path, size=size)
        got = [item for sh in shards for item in textio.shard_lines(path, sh, "utf-8")]
        want = list(textio.read_lines(path, "utf-8"))
    assert got == want, (data, size, shards)
    assert got == _plain_lines(data), (data, size)
    # contiguous, non-overlapping, non-empty, covering the file; whole lines; lines counted before each
    if not data:
        assert shards == []
        return
    assert shards[0][0] == 0 and shards[-1][1] == len(data), shards
    for (_, e0, _), (s1, _, _) in itertools.pairwise(shards):
        assert e0 == s1, shards
    for s, e, before in shards:
        assert s < e, shards
        assert before == data[:s].count(b"\n"), shards
        assert s == 0 or data[s - 1 : s] == b"\n", shards
        assert e - s >= min(size, len(data) - s), shards  # about ``size`` bytes, not fewer (but the last)


@settings(max_examples=400, deadline=None)
@given(data=file_bytes(), size=st.integers(1, 64))
def test_shard_lines_of_all_shards_equal_read_lines(data: bytes, size: int) -> None:
    assume(data != BOM)  # a file that is only a BOM: test_shard_edge_cases (kept apart so it hides nothing else)
    _check_shards(data, size)


@pytest.mark.parametrize(
    "data",
    [b"", BOM + b"\n", b"\n", b"\n\n\n", b"a", b"a\n", b"a\r\n", b"\r\n\r\n", BOM + b"x\ny", "é\n東\n🙂".encode()],
)
@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 64])
def test_shard_edge_cases(data: bytes, size: int) -> None:
    _check_shards(data, size)


def test_shard_lines_of_a_file_that_is_only_a_bom() -> None:
    """read_lines (and the line-by-line reader) call a file that is only a BOM one empty line."""
    _check_shards(BOM, 64)


_BAD_BYTES = [b"\xff", b"\x80", b"\xc3", b"\xe6\x9d", b"\xed\xa0\x80"]


@settings(max_examples=200, deadline=None)
@given(data=file_bytes(), size=st.integers(1, 64), bad=st.sampled_from(_BAD_BYTES), at=st.floats(0, 1))
def test_shard_decode_error_is_the_one_read_lines_raises(data: bytes, size: int, bad: bytes, at: float) -> None:
    """Invalid UTF-8 anywhere: the first shard that fails gives read_lines' error (message and line)."""
    k = int(at * len(data))
    data = data[:k] + bad + data[k:]
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "f.jsonl"
        path.write_bytes(data)
        with pytest.raises(InputError) as want:
            list(textio.read_lines(path, "utf-8"))
        got = None
        for sh in textio.line_shards(path, size=size):
            try:
                list(textio.shard_lines(path, sh, "utf-8"))  # lazy: lines before a bad one come first
            except InputError as exc:
                got = exc
                break
    assert got is not None, (data, size)
    assert (got.line, got.message) == (want.value.line, want.value.message), (data, size)


# ===================================================================== 3. jsonl: plain records vs the general reader


def _read_all(path: Path, **opts: Any) -> tuple[list[Example], tuple[str, int | None] | None]:
    got: list[Example] = []
    try:
        for ex in jsonl.read(path, **opts):
            got.append(ex)
    except InputError as exc:
        return got, (exc.message, exc.line)
    return got, None


def _general(path: Path, **opts: Any) -> tuple[list[Example], tuple[str, int | None] | None]:
    with mock.patch.object(jsonl, "_plain_spans", lambda raw, text: None):
        return _read_all(path, **opts)


_TEXT = st.sampled_from(["", " ", "Paris is nice", "a  b\tc", "🙂 x 東京", "e\u0301 ok", "ab" * 8])
_OFFSET = st.one_of(
    st.integers(-2, 20),
    st.sampled_from([1.0, 2.5, "3", None, True, False, 10**20]),
)
_LABEL = st.sampled_from(["PER", "LOC", "A B", "", 5, None, ["x"]])


@st.composite
def raw_span(draw: Any, n: int) -> Any:
    if draw(st.booleans()):  # plain: what the fast path takes (and, now and then, a detail it must not)
        s = draw(st.integers(0, n))
        span = {"start": s, "end": draw(st.integers(s, n)), "label": draw(st.sampled_from(["PER", "LOC", "A B", "O"]))}
        if draw(st.booleans()):
            span["text"] = draw(st.sampled_from(["Paris", "", 7, None]))
        if draw(st.integers(0, 7)) == 0:
            span[draw(st.sampled_from(["id", "meta", "fragments", "stored_text"]))] = draw(st.sampled_from([1, "x", None]))
        if draw(st.booleans()):
            span = dict(draw(st.permutations(list(span.items()))))
        return span
    kind = draw(st.integers(0, 9))
    s = draw(st.integers(0, n) | _OFFSET) if kind else draw(_OFFSET)
    e = draw(st.integers(0, n)) if draw(st.booleans()) else draw(_OFFSET)
    if isinstance(s, int) and isinstance(e, int) and not isinstance(s, bool) and draw(st.booleans()):
        s, e = min(s, e), max(s, e)
    lab = draw(st.sampled_from(["PER", "LOC", "A B"]) | _LABEL)
    if kind == 9:
        return draw(st.sampled_from([[s, e, lab], [s, e, lab, "extra"], [s, e], "x", 5, None, (s, e, lab)]))
    span: dict[str, Any] = {"start": s, "end": e, "label": lab}
    for key, value in (
        ("text", st.sampled_from(["Paris", "", 7, None])),
        ("id", st.sampled_from([1, "s1", None])),
        ("meta", st.sampled_from([{"a": 1}, "m", None])),
        ("fragments", st.sampled_from([[[0, 1], [2, 3]], [], [[0, n]], None])),
        ("stored_text", st.just("old")),
        ("other", st.just(1)),
    ):
        if draw(st.integers(0, 4)) == 0:
            span[key] = draw(value)
    for key in ("start", "end", "label"):
        if draw(st.integers(0, 15)) == 0:
            del span[key]
    return span


@st.composite
def jsonl_record(draw: Any) -> str:
    mode = draw(st.integers(0, 40))
    if mode == 0:
        return draw(st.sampled_from(["[1, 2]", '"x"', "{broken", "", "   ", "null"]))
    text = draw(_TEXT)
    rec: dict[str, Any] = {}
    if mode % 2:  # a plain record: id, text, spans, maybe doc_id
        if draw(st.integers(0, 5)):
            rec["id"] = draw(st.sampled_from(["r1", "r1", 7, None, ""]))
        rec["text"] = text
        rec["spans"] = draw(st.lists(raw_span(len(text)), max_size=4))
        if draw(st.booleans()):
            rec["doc_id"] = draw(st.sampled_from(["d1", 3, None]))
        return json.dumps(rec, ensure_ascii=draw(st.booleans()))
    if draw(st.integers(0, 3)):
        rec["id"] = draw(st.sampled_from(["r1", "r1", 7, None, "", "x y"]))
    rec["text"] = text if draw(st.integers(0, 30)) else draw(st.sampled_from([None, 5, ["t"]]))
    key = draw(st.sampled_from(["spans"] * 6 + ["entities", "label", None]))
    if key is not None:
        if draw(st.integers(0, 20)) == 0:
            rec[key] = draw(st.sampled_from([None, {"a": 1}, "x"]))
        else:
            rec[key] = draw(st.lists(raw_span(len(text)), max_size=4))
    if draw(st.integers(0, 3)) == 0:
        rec[draw(st.sampled_from(["doc_id", "document_id"]))] = draw(st.sampled_from(["d1", 3, None]))
    if draw(st.integers(0, 5)) == 0:
        words = text.split()
        offs, at = [], 0
        for w in words:
            at = text.index(w, at)
            offs.append([at, at + len(w)])
            at += len(w)
        rec["words"] = words
        rec["word_offsets"] = offs if draw(st.booleans()) else offs[:-1]
        if draw(st.booleans()):
            rec["word_tags"] = ["O"] * len(words)
    if draw(st.integers(0, 5)) == 0:
        rec["meta"] = draw(
            st.sampled_from([{"origin": "o", "annotator": "a", "extra": {"k": 1}}, {"source_format": "doccano"}, "m", None])
        )
    if draw(st.integers(0, 8)) == 0:
        rec["other"] = 1
    if draw(st.booleans()):  # the key order of the file is not the order above
        items = list(rec.items())
        rec = dict(draw(st.permutations(items)))
    return json.dumps(rec, ensure_ascii=draw(st.booleans()))


@settings(max_examples=500, deadline=None)
@given(lines=st.lists(jsonl_record(), min_size=1, max_size=6), lenient=st.booleans())
def test_plain_spans_fast_path_equals_the_general_reader(lines: list[str], lenient: bool) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "in.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        fast = _read_all(path, lenient=lenient)
        ref = _general(path, lenient=lenient)
    assert fast == ref, lines


SHAPES = [
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "LOC"}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "LOC", "text": "Paris"}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "LOC", "text": "Pariss"}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "LOC", "text": 5}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "LOC", "id": 9}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "LOC", "meta": {"x": 1}}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 13, "label": "X", "fragments": [[0, 5], [9, 13]]}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "LOC", "stored_text": "P"}]},
    {"id": "a", "text": "Paris is nice", "spans": [[0, 5, "LOC"], [9, 13, "ADJ"]]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0.0, "end": 5, "label": "LOC"}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": True, "end": 5, "label": "LOC"}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 14, "label": "LOC"}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": -1, "end": 5, "label": "LOC"}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 5, "end": 4, "label": "LOC"}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 13, "end": 13, "label": "LOC"}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": ""}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5}]},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "LOC"}], "doc_id": 3},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "LOC"}], "doc_id": None},
    {"id": "a", "text": "Paris is nice", "spans": [{"start": 0, "end": 5, "label": "LOC"}], "document_id": "d"},
    {
        "id": "a",
        "text": "Paris is nice",
        "spans": [],
        "words": ["Paris", "is", "nice"],
        "word_offsets": [[0, 5], [6, 8], [9, 13]],
    },
    {
        "id": "a",
        "text": "Paris is",
        "spans": [{"start": 0, "end": 5, "label": "LOC"}],
        "words": ["Paris", "is"],
        "word_offsets": [[0, 5], [6, 8]],
        "word_tags": ["B-LOC", "O"],
    },
    {"id": "a", "text": "Paris", "spans": [], "meta": {"origin": "o", "annotator": "ann", "extra": {"k": [1]}}},
    {"text": "no id here", "spans": [{"start": 0, "end": 2, "label": "X"}]},
    {"id": None, "text": "null id", "spans": []},
    {"id": 12, "text": "int id"},
    {"id": "a", "text": "Paris", "spans": None},
    {"id": "a", "text": "Paris", "entities": [{"start": 0, "end": 5, "label": "LOC"}]},
    {"id": "a", "text": "Paris", "label": [[0, 5, "LOC"]]},
    {"id": "a", "text": "🙂 Paris", "spans": [{"start": 2, "end": 7, "label": "LOC"}]},  # code points, not UTF-16
    {"id": "a", "text": "🙂 Paris", "spans": [{"start": 3, "end": 8, "label": "LOC"}]},  # UTF-16: one past the end
    {"id": "a", "text": "Paris", "spans": [{"start": 0, "end": 5, "label": "LOC"}, {"start": 0, "end": 5, "label": "LOC"}]},
]


@pytest.mark.parametrize("k", range(len(SHAPES)))
@pytest.mark.parametrize("lenient", [False, True])
def test_plain_spans_fast_path_equals_the_general_reader_on_shapes(
    k: int, lenient: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "in.jsonl"
    lines = [json.dumps(SHAPES[0]), json.dumps(SHAPES[k]), json.dumps(SHAPES[23])]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast = _read_all(path, lenient=lenient)
    monkeypatch.setattr(jsonl, "_plain_spans", lambda raw, text: None)
    ref = _read_all(path, lenient=lenient)
    assert fast == ref


def test_plain_records_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not vacuous: the sample file's records are plain and go through ``_plain_spans``."""
    real = jsonl._plain_spans
    used = []
    monkeypatch.setattr(jsonl, "_plain_spans", lambda raw, text: used.append(real(raw, text)) or used[-1])
    exs = list(jsonl.read(FIXTURES / "sample" / "sample.jsonl"))
    assert exs and len(used) == len(exs) and all(u is not None for u in used)


# ===================================================================== 4. align_file: 2 workers (shards) vs 1

TOKENIZER = FIXTURES / "tokenizers" / "wordpiece-bert"
_SENTENCES = [
    ("Angela Merkel met Emmanuel Macron in Berlin .", [("Angela Merkel", "PER"), ("Emmanuel Macron", "PER"), ("Berlin", "LOC")]),
    ("  Zürich  and\tGenève are in Switzerland 🙂 ", [("Zürich", "LOC"), ("Genève", "LOC"), ("Switzerland", "LOC")]),
    ("東京\u3000大阪 and Washington Irving", [("東京", "LOC"), ("Washington Irving", "PER"), ("Wash", "PER")]),
    ("New York City is large", [("New York", "LOC"), ("York City", "LOC")]),  # overlap: keep-first drops one
    ("He said  Paris  is big", [(" Paris ", "LOC")]),  # edge whitespace
    ("Paris London Rome", [("Paris", "LOC"), ("London", "LOC"), ("Rome", "LOC")]),
    ("no entity at all here", []),
    ("", []),
]


def _record(k: int) -> dict[str, Any]:
    text, marks = _SENTENCES[k % len(_SENTENCES)]
    rec: dict[str, Any] = {}
    if k % 7 == 3:
        pass  # no id: named after its record number
    elif k % 11 == 5:
        rec["id"] = "dup"  # the same id all over the file (so in many shards)
    elif k % 13 == 0:
        # an int id equal to the number of an unnamed record (before it, or for k = 0 after it)
        rec["id"] = max((j for j in range(k) if j % 7 == 3), default=3)
    else:
        rec["id"] = f"r{k}"
    rec["text"] = f"{text} #{k}" if k % 5 else text
    rec["spans"] = [{"start": text.index(m), "end": text.index(m) + len(m), "label": lab} for m, lab in marks]
    if k % 17 == 0:
        rec["doc_id"] = f"doc{k // 100}"
    if k % 19 == 0 and rec["spans"]:
        rec["spans"][0]["text"] = "stored"
    return rec


def _write_input(path: Path, n: int, *, crlf: bool = False, bom: bool = False, broken: dict[int, str] | None = None) -> int:
    """n records (blank lines between some); ``broken``: record index -> the line written instead. Returns the
    number of lines written before record ``min(broken)`` (so its line is that + 1)."""
    nl = "\r\n" if crlf else "\n"
    out: list[str] = []
    at = 0
    for k in range(n):
        if k % 9 == 4:
            out.append("")
        if k % 23 == 8:
            out.append("   ")
        if broken and k in broken:
            at = at or len(out)
            out.append(broken[k])
        else:
            out.append(json.dumps(_record(k), ensure_ascii=k % 2 == 0))
    data = nl.join(out) + (nl if n % 2 else "")
    path.write_bytes((BOM if bom else b"") + data.encode("utf-8"))
    return at


def _expected_ids(n: int) -> list[str]:
    """Record ids as documented: the given id, or the record number; a repeated id becomes id#2, id#3 ..."""
    seen: dict[str, int] = {}
    out = []
    for k in range(n):
        rec = _record(k)
        base = str(rec["id"]) if "id" in rec else str(k)
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return out


def _align(
    path: Path, out: Path, workers: int, tokenizer: Path = TOKENIZER, **opts: Any
) -> tuple[list[dict[str, Any]], Any, dict[str, Any]]:
    import datasets

    api.align_file(path, str(tokenizer), out, workers=workers, **opts)
    rows = datasets.load_from_disk(str(out)).to_list()
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return rows, labels, report


class _ShardSpy:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, size: int | None) -> None:
        self.scans = self.aligns = 0
        self.shards = 0
        real_scan, real_align = sharded.scan, sharded.align
        if size is not None:
            monkeypatch.setattr(sharded, "line_shards", lambda p: textio.line_shards(p, size=size))

        def scan(*a: Any, **k: Any) -> Any:
            self.scans += 1
            sc = real_scan(*a, **k)
            self.shards = len(sc.shards)
            return sc

        def align(*a: Any, **k: Any) -> Any:
            self.aligns += 1
            return real_align(*a, **k)

        monkeypatch.setattr(sharded, "scan", scan)
        monkeypatch.setattr(sharded, "align", align)


@pytest.mark.parametrize(
    ("n", "size", "crlf", "bom"),
    [
        (700, 300, False, False),  # a shard of about two records
        (700, 4000, True, True),
        (1100, None, False, True),  # the real shard size: one shard
        (1100, 20000, True, False),
        (300, 500, False, False),  # one batch: the workers only scan, one process aligns
    ],
)
def test_align_file_two_workers_equal_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, size: int | None, crlf: bool, bom: bool
) -> None:
    _check_workers(tmp_path, monkeypatch, n, size, crlf, bom, TOKENIZER)


@pytest.mark.zoo
def test_align_file_two_workers_equal_one_with_realigned_offsets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The zoo's fixture-spm-bpe drops characters and shifts its offsets: K101 warnings (diagnostics without an
    outcome) between the W201 ones, so the report is the same only if both are put in line order."""
    tokenizer = shared_path("tokenizers", "fixture-spm-bpe")
    rep = _check_workers(tmp_path, monkeypatch, 700, 1500, False, False, tokenizer)
    assert {"K101", "W201"} <= {d["code"] for d in rep["diagnostics"]}


def _check_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, size: int | None, crlf: bool, bom: bool, tokenizer: Path
) -> dict[str, Any]:
    path = tmp_path / "in.jsonl"
    _write_input(path, n, crlf=crlf, bom=bom)
    opts = {"overlaps": "keep-first", "alignment": "expand", "max_length": 24}
    spy = _ShardSpy(monkeypatch, size)
    rows1, labels1, rep1 = _align(path, tmp_path / "one", 1, tokenizer, **opts)
    assert (spy.scans, spy.aligns) == (0, 0)
    rows2, labels2, rep2 = _align(path, tmp_path / "two", 2, tokenizer, **opts)
    assert spy.scans == 1 and spy.aligns == (1 if n > 512 else 0), (spy.scans, spy.aligns)
    if size is not None and n > 512:
        assert spy.shards > 2, spy.shards

    # the 1-process run against the input itself: ids in record order, each renamed duplicate reported once
    ids = list(dict.fromkeys(r["id"] for r in rows1))
    assert ids == _expected_ids(n)
    renamed = [i for i in ids if "#" in i]
    w201 = [d for d in rep1["diagnostics"] if d["code"] == "W201"]
    assert len(w201) == len(renamed) > 10
    assert sorted(d["example_id"] for d in w201) == sorted(renamed), w201[:3]
    assert rep1["counts"]["examples"] == n
    assert rep1["meta"]["workers"] == 1 and rep2["meta"]["workers"] == (2 if n > 512 else 1)

    assert labels2 == labels1
    assert len(rows2) == len(rows1)
    for a, b in zip(rows1, rows2, strict=True):
        assert a == b, (a["id"], b["id"])
    for rep in (rep1, rep2):
        del rep["meta"]["workers"]
    for key in rep1:
        assert rep2[key] == rep1[key], key
    return rep1


@pytest.mark.parametrize("where", [0.02, 0.5, 0.98])
@pytest.mark.parametrize(
    "line",
    [
        '{"id": "x", "text": "broken',  # invalid JSON
        '["not", "an", "object"]',
        '{"id": "x", "spans": []}',  # no text
        '{"id": "x", "text": "abc", "spans": [{"start": 0, "end": 9, "label": "X"}]}',  # span past the end
        '{"id": "x", "text": "abc", "spans": {"start": 0}}',
        '{"id": "x", "text": "abc", "spans": [{"start": 0, "end": 1, "label": ""}]}',  # empty label
        '{"id": "x", "text": "abc", "spans": [[0, 1.5, "X"]]}',  # offsets not integers
    ],
)
def test_align_file_broken_record_raises_the_same_for_any_worker_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: float, line: str
) -> None:
    n = 700
    bad = int(where * n)
    path = tmp_path / "in.jsonl"
    before = _write_input(path, n, broken={bad: line})
    line_no = before + 1
    _ShardSpy(monkeypatch, 1000)
    errors = []
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        with pytest.raises(InputError) as info:
            api.align_file(path, str(TOKENIZER), out, workers=workers, overlaps="keep-first")
        assert info.value.line == line_no, (workers, str(info.value))
        assert f":{line_no}:" in str(info.value)
        assert not out.exists()
        errors.append(str(info.value))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]  # no temporary directory left either
    assert errors[1] == errors[0]  # the whole message (it names the record number too)


@pytest.mark.parametrize(
    "early",
    [
        '{"id": "x", "text": "abc", "spans": [{"start": 0, "end": 9, "label": "X"}]}',  # span past the end
        '{"id": "x", "text": "abc", "spans": [{"start": 2, "end": 1, "label": "X"}]}',  # reversed
        '{"id": "x", "text": "abc", "spans": [{"start": "0", "end": 1, "label": "X"}]}',  # not an integer
    ],
)
def test_align_file_two_broken_records_the_first_one_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, early: str
) -> None:
    """A bad span on an early line and invalid JSON on a later one, in different shards: one process reports
    the early one; so must two."""
    n = 700
    path = tmp_path / "in.jsonl"
    before = _write_input(path, n, broken={100: early, 600: '{"id": "y", "text": "broken'})
    _ShardSpy(monkeypatch, 1000)
    errors = {}
    for workers in (1, 2):
        with pytest.raises(InputError) as info:
            api.align_file(path, str(TOKENIZER), tmp_path / f"out{workers}", workers=workers, overlaps="keep-first")
        errors[workers] = str(info.value)
    assert f":{before + 1}:" in errors[1]
    assert errors[2] == errors[1]


def test_align_file_first_error_is_the_same_for_any_worker_count(tmp_path: Path) -> None:
    """Invalid JSON on line 6 and, further on, a byte that is not UTF-8 (line 2002), in a file larger than one
    shard (256 KB by default) but smaller than one read block (4 MB). The error must not depend on the number
    of workers."""
    path = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"r{k}", "text": "Alice met Bob in Paris " * 6, "spans": []}) for k in range(3000)]
    lines[5] = '{"id": "r5", "text": "broken'
    data = "\n".join(lines).encode("utf-8") + b"\n"
    cut = data.index(b'"r2001"')
    path.write_bytes(data[:cut] + b"\xff" + data[cut:])
    assert os.path.getsize(path) > 2 * (1 << 18)
    errors = {}
    for workers in (1, 2):
        with pytest.raises(InputError) as info:
            api.align_file(path, str(TOKENIZER), tmp_path / f"out{workers}", workers=workers)
        errors[workers] = (info.value.line, info.value.message)
    assert errors[2] == errors[1]


@pytest.mark.parametrize("workers", [1, 2])
def test_align_file_renamed_duplicate_ids_do_not_collide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    """Records are told apart by id (a document's windows are merged back by it), so renaming duplicates must
    leave every id unique: ids 'a', 'a', 'a#2' must not give 'a', 'a#2', 'a#2'."""
    recs = [{"id": f"r{k}", "text": f"Paris is nice {k}", "spans": [{"start": 0, "end": 5, "label": "LOC"}]} for k in range(600)]
    for k, rec_id in ((10, "a"), (300, "a"), (550, "a#2")):
        recs[k]["id"] = rec_id
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    _ShardSpy(monkeypatch, 2000)
    rows, _, _ = _align(path, tmp_path / "out", workers)
    assert [r["window"] for r in rows] == [0] * len(recs)  # one row per record
    ids = [r["id"] for r in rows]
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []
