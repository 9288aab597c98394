"""Loading any HF tokenizer and turning what it returns into offsets that can be trusted.

Raw offsets lie in several ways (see the zoo's README): a leading space inside ``ĠNew``/``▁New``, zero-width
``Ġ`` pieces, one character split over several byte pieces that repeat its span, a lone ``▁`` whose span points
at the next piece's first letter, offsets restarting at 0 for every word under ``is_split_into_words``. This
module fixes all of them in one place, so alignment and decoding only ever see:

* ``starts``/``ends`` in code points into the example's text, trimmed of whitespace;
* ``kinds``: CONTENT, EMPTY (no characters: whitespace or content-free markers) or ATTACHED (no characters of its
  own, belongs to the next piece: the lone ``▁`` of Unigram tokenizers).

Special tokens never appear here: texts are encoded without them and the tokenizer's own prefix/suffix
ids are added per window by the aligner.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from .errors import UsageError

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

CONTENT, EMPTY, ATTACHED = 0, 1, 2
_MARKERS = ("▁", "Ġ", " ")
_MAX_LENGTH_CAP = 512
# Word cache: how many sentences of the first batch must encode identically both ways before the cache is
# trusted, and how many distinct words it may hold before it starts afresh (bounded memory on any corpus).
WORD_CACHE_PROOF = 512
WORD_CACHE_MAX = 400_000
_FILL_CHUNK = 256  # words per encoding when filling the cache
_FILL_LEAD = "a"  # the throw-away first word of each such encoding


class TokenizerLoadError(UsageError):
    """The tokenizer spec names nothing loadable (exit 2, with what to pass instead)."""


@dataclass(slots=True)
class Encoded:
    """One example's pieces, without special tokens."""

    ids: list[int]
    starts: list[int]
    ends: list[int]
    kinds: list[int]
    word_ids: list[int | None]  # input words for word input, else the tokenizer's pre-tokenizer words
    # Set by the word cache when every word is exactly covered by pieces of its own (see align_fast): the
    # index of each word's first piece. Derived data, so not part of equality.
    word_starts: list[int] | None = field(default=None, compare=False)
    note: str | None = None  # set when the offsets had to be re-derived (reported as K101)


@dataclass
class TokenizerAdapter:
    """A loaded tokenizer plus what seqalign learnt about it at load time."""

    tokenizer: Any
    name: str
    prefix_ids: list[int] = field(default_factory=list)
    suffix_ids: list[int] = field(default_factory=list)
    marker_ids: frozenset[int] = frozenset()
    notes: list[str] = field(default_factory=list)
    load_kwargs: dict[str, Any] = field(default_factory=dict)
    # "auto": encode each distinct word once once proven equal; "off": always encode the sentences.
    word_cache: str = "auto"
    word_cache_state: str = "unproven"  # unproven | on | off
    word_cache_note: str = ""
    _table: Any = field(default=None, repr=False)  # seqalign.word_table.WordTable, made on first use
    _keeps: Any = field(default=None, repr=False)  # which characters the normalizer keeps (coverage check)

    @property
    def has_offsets(self) -> bool:
        return bool(getattr(self.tokenizer, "is_fast", False))

    @property
    def max_length(self) -> int:
        m = getattr(self.tokenizer, "model_max_length", None) or _MAX_LENGTH_CAP
        return int(min(m, _MAX_LENGTH_CAP))

    @property
    def n_special(self) -> int:
        return len(self.prefix_ids) + len(self.suffix_ids)

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "class": getattr(self.tokenizer, "snapshot_class", None) or type(self.tokenizer).__name__,
            "offsets": "tokenizer" if self.has_offsets else "text-alignment fallback",
            "prefix_ids": self.prefix_ids,
            "suffix_ids": self.suffix_ids,
            "load_kwargs": self.load_kwargs,
            "vocab_size": len(self.tokenizer),
        }

    # ------------------------------------------------------------------------------------------ encoding

    def encode_texts(self, texts: Sequence[str]) -> list[Encoded]:
        if not self.has_offsets:
            return [self._fallback_text(t) for t in texts]
        backend = self.tokenizer._tokenizer
        encs = backend.encode_batch(list(texts), add_special_tokens=False)
        out = [
            trusted_encoding(text, enc.ids, enc.offsets, enc.word_ids, self.marker_ids)
            for text, enc in zip(texts, encs, strict=True)
        ]
        return [self._checked(text, enc) for text, enc in zip(texts, out, strict=True)]

    def _checked(self, text: str, enc: Encoded) -> Encoded:
        """Re-derive offsets that skip content characters (a tokenizer that drops what it cannot encode shifts
        the offsets after it); see seqalign.coverage."""
        from .coverage import normalizer_keeps, realign, uncovered

        if self._keeps is None:
            self._keeps = normalizer_keeps(self.tokenizer)
        missing = uncovered(text, enc, self._keeps)
        if not missing:
            return enc
        tokens = self.tokenizer.convert_ids_to_tokens(enc.ids)
        fixed = realign(text, enc, tokens, self.tokenizer.convert_tokens_to_string, self.marker_ids)
        shown = "".join(text[i] for i in missing[:5])
        fixed.note = (
            f"the tokenizer's offsets skip {len(missing)} character(s) it keeps ({shown!r}...): they would put "
            "labels on the wrong tokens; offsets re-derived by matching the pieces against the text"
        )
        return fixed

    def encode_words(
        self, texts: Sequence[str], words: Sequence[Sequence[str]], word_offsets: Sequence[Sequence[tuple[int, int]]]
    ) -> list[Encoded]:
        """Pre-tokenized input: the HF ``is_split_into_words`` encoding, mapped back to text coordinates.

        The tokenizers backend encodes every word of pre-tokenized input on its own, so once proven (on the
        first batch: every sentence assembled from the distinct-word cache equals the sentence encoded in
        full) sentences are assembled from each distinct word's cached pieces. That is an argument about
        today's backend, not a proof, hence the check; never with truncation or padding set on the backend
        (they act on whole sequences).
        """
        if not self.has_offsets:
            return [self._fallback_words(t, w, o) for t, w, o in zip(texts, words, word_offsets, strict=True)]
        if self.word_cache != "off" and self.word_cache_state == "on":
            self._fill_trusted(words)
            return [self._assemble(t, w, o) for t, w, o in zip(texts, words, word_offsets, strict=True)]
        encs = self._full_words(texts, words, word_offsets)
        self.prove_word_cache(texts, words, word_offsets, encs)
        return encs

    def _full_words(
        self, texts: Sequence[str], words: Sequence[Sequence[str]], word_offsets: Sequence[Sequence[tuple[int, int]]]
    ) -> list[Encoded]:
        raw = self._plain_words(words)
        return [
            trusted_encoding(text, ids, offs, wids, self.marker_ids, word_offsets=wo)
            for text, wo, (ids, offs, wids) in zip(texts, word_offsets, raw, strict=True)
        ]

    def prove_word_cache(
        self,
        texts: Sequence[str],
        words: Sequence[Sequence[str]],
        word_offsets: Sequence[Sequence[tuple[int, int]]],
        encs: Sequence[Encoded] | None = None,
    ) -> None:
        """While the cache is unproven: compare sentences assembled from it with the same sentences encoded in
        full (``encs``, or encoded here), on up to WORD_CACHE_PROOF sentences; turn it on or off accordingly."""
        if self.word_cache == "off" or self.word_cache_state != "unproven" or not texts or not self.has_offsets:
            return
        backend = self.tokenizer._tokenizer
        if backend.truncation is not None or backend.padding is not None:
            self._cache_off("the tokenizer truncates or pads whole sequences")
            return
        sample = min(len(texts), WORD_CACHE_PROOF)
        texts, words, word_offsets = texts[:sample], words[:sample], word_offsets[:sample]
        full = list(encs[:sample]) if encs is not None else self._full_words(texts, words, word_offsets)
        self._fill_trusted(words)
        if self.word_table.assembles(texts, words, word_offsets, full, self._assemble):
            self.word_cache_state = "on"
            self.word_cache_note = f"distinct-word cache: proven identical to sentence encoding on {sample} sentences"
        else:
            self._cache_off("encoding each word on its own differs from encoding the sentence for this tokenizer")

    @property
    def word_table(self) -> Any:
        """The distinct-word cache (seqalign.word_table.WordTable)."""
        if self._table is None:
            from .word_table import WordTable

            self._table = WordTable()
        return self._table

    def reset_word_cache(self) -> None:
        """Forget the cached words and the proof (the next batch proves the cache again)."""
        self.word_table.clear()
        self.word_cache_state = "unproven"
        self.word_cache_note = ""

    def _assemble(self, text: str, words: Sequence[str], word_offsets: Sequence[tuple[int, int]]) -> Encoded:
        """A sentence's Encoded from the per-word trusted pieces.

        Offsets are trimmed and classified per word, then shifted: the same as doing it on the sentence
        when the text holds each word at its offsets and words are apart (then no piece's offsets can reach
        into a neighbour, the only way normalize_offsets looks across pieces). Otherwise: the sentence path.
        """
        table = self.word_table
        ids: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        kinds: list[int] = []
        wids: list[int | None] = []
        firsts: list[int] | None = []
        prev_end = -1
        for k, (w, (base, stop)) in enumerate(zip(words, word_offsets, strict=True)):
            if base <= prev_end or text[base:stop] != w:
                raw = self._plain_words([words])[0]
                return trusted_encoding(text, raw[0], raw[1], raw[2], self.marker_ids, word_offsets=word_offsets)
            prev_end = stop
            if w not in table:
                self._fill_trusted([[w]])
            one, simple = table.entry(w)
            if firsts is not None:
                if simple:
                    firsts.append(len(ids))
                else:
                    firsts = None
            ids += one.ids
            if base:
                starts += map(base.__add__, one.starts)
                ends += map(base.__add__, one.ends)
            else:
                starts += one.starts
                ends += one.ends
            kinds += one.kinds
            wids += [k] * len(one.ids)
        return Encoded(ids, starts, ends, kinds, wids, firsts)

    def fill_words(self, words: Iterable[str]) -> None:
        """Make sure each of ``words`` is in the distinct-word cache (``word_table``)."""
        table = self.word_table
        if len(table) > WORD_CACHE_MAX:
            table.clear()
        index = table.index
        self._encode_missing([w for w in dict.fromkeys(words) if w not in index])

    def _fill_trusted(self, words: Sequence[Sequence[str]]) -> None:
        self.fill_words(chain.from_iterable(words))

    def _encode_missing(self, missing: list[str]) -> None:
        import numpy as np

        table = self.word_table
        if not missing:
            return
        # Many words per encoding (one Python object per word costs more than the encoding itself), each
        # chunk behind a throw-away first word: a backend that treats the first word differently then fails
        # the proof on every sentence's first word instead of slipping through.
        chunks = [missing[i : i + _FILL_CHUNK] for i in range(0, len(missing), _FILL_CHUNK)]
        encs = self.tokenizer._tokenizer.encode_batch(
            [[_FILL_LEAD, *c] for c in chunks], is_pretokenized=True, add_special_tokens=False
        )
        # One table.add for all chunks: its numpy work costs per call, not per word.
        ids, offs, word_of = [], [], []
        for k, e in enumerate(encs):
            wids = e.word_ids
            if None in wids:
                raise RuntimeError("the tokenizer returned pieces without a word for pre-tokenized input")
            wid = np.asarray(wids, np.int64)
            keep = wid >= 1
            ids.append(np.asarray(e.ids, np.int64)[keep])
            offs.append(np.fromiter(chain.from_iterable(e.offsets), np.int64, 2 * len(wid)).reshape(-1, 2)[keep])
            word_of.append(wid[keep] - 1 + k * _FILL_CHUNK)
        table.add(missing, np.concatenate(ids), np.concatenate(offs), np.concatenate(word_of), self.marker_ids)

    def _plain_words(self, words: Sequence[Sequence[str]]) -> list[tuple[list[int], list[Any], list[Any]]]:
        encs = self.tokenizer._tokenizer.encode_batch([list(w) for w in words], is_pretokenized=True, add_special_tokens=False)
        return [(e.ids, e.offsets, e.word_ids) for e in encs]

    def _cache_off(self, why: str) -> None:
        self.word_cache_state = "off"
        self.word_cache_note = f"distinct-word cache off ({why}); every sentence is encoded in full"
        self.notes.append(f"word input: {self.word_cache_note}")

    def _fallback_ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _fallback_text(self, text: str) -> Encoded:
        ids = self._fallback_ids(text)
        tokens = self.tokenizer.convert_ids_to_tokens(ids)
        pairs = align_tokens_to_text(text, tokens, self.tokenizer.convert_tokens_to_string)
        starts, ends, kinds = normalize_offsets(text, ids, [p[0] for p in pairs], [p[1] for p in pairs], self.marker_ids)
        return Encoded(ids, starts, ends, kinds, _gap_words(text, starts, ends, kinds))

    def _fallback_words(self, text: str, words: Sequence[str], offsets: Sequence[tuple[int, int]]) -> Encoded:
        enc = Encoded([], [], [], [], [])
        for w, (word, (base, _)) in enumerate(zip(words, offsets, strict=True)):
            one = self._fallback_text(word)
            enc.ids.extend(one.ids)
            enc.starts.extend(s + base for s in one.starts)
            enc.ends.extend(e + base for e in one.ends)
            enc.kinds.extend(one.kinds)
            enc.word_ids.extend([w] * len(one.ids))
        return enc


def _covers_exactly(one: Encoded, length: int) -> bool:
    """The word is one unit of its own: content pieces start at 0 and in order, reach its end, and every
    attached piece has content after it (so it never hangs over into the next word)."""
    lo = hi = -1
    waiting = False
    for s, e, k in zip(one.starts, one.ends, one.kinds, strict=True):
        if k == CONTENT:
            if lo < 0:
                lo = s
            elif s < lo:
                return False
            hi = max(hi, e)
            waiting = False
        elif k == ATTACHED:
            waiting = True
    return lo == 0 and hi == length and not waiting


def trusted_encoding(
    text: str,
    ids: Sequence[int],
    offsets: Sequence[Sequence[int]],
    word_ids: Sequence[int | None],
    marker_ids: frozenset[int] = frozenset(),
    *,
    word_offsets: Sequence[tuple[int, int]] | None = None,
) -> Encoded:
    """Raw tokenizer output (no special tokens) -> Encoded with trusted offsets.

    ``word_offsets`` marks pre-tokenized input: offsets then restart at 0 in every word and are moved to
    the word's place in the text (clamped, since prefix-space handling can push them past the word).
    """
    if word_offsets is None:
        starts = [o[0] for o in offsets]
        ends = [o[1] for o in offsets]
    else:
        starts, ends = [], []
        for (s, e), w in zip(offsets, word_ids, strict=True):
            base, stop = word_offsets[w]
            starts.append(min(base + s, stop))
            ends.append(min(base + e, stop))
    ids = list(ids)
    starts, ends, kinds = normalize_offsets(text, ids, starts, ends, marker_ids)
    return Encoded(ids, starts, ends, kinds, list(word_ids))


def normalize_offsets(
    text: str, ids: Sequence[int], starts: list[int], ends: list[int], marker_ids: frozenset[int]
) -> tuple[list[int], list[int], list[int]]:
    """Raw piece offsets -> trimmed offsets and kinds. Pure; see the module docstring for the rules."""
    n = len(text)
    kinds = [CONTENT] * len(starts)
    for i in range(len(starts)):
        s = starts[i]
        e = ends[i]
        if s < 0:
            s = 0
        if e > n:
            e = n
        if e < s:
            e = s
        if s < e and (text[s].isspace() or text[e - 1].isspace()):
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
        if s == e:
            kinds[i] = EMPTY
        starts[i] = s
        ends[i] = e
    # A content-free marker piece (lone '▁' of Unigram tokenizers) gets the span of the next piece's first
    # character; it has no characters of its own and belongs to that next piece.
    for i in range(len(starts) - 1):
        if ids[i] in marker_ids and kinds[i] == CONTENT and starts[i + 1] == starts[i] and ends[i + 1] >= ends[i]:
            ends[i] = starts[i]
            kinds[i] = ATTACHED
    return starts, ends, kinds


def _gap_words(text: str, starts: Sequence[int], ends: Sequence[int], kinds: Sequence[int]) -> list[int | None]:
    """Word ids from whitespace gaps, for tokenizers that give none."""
    out: list[int | None] = []
    w = -1
    last_end = -1
    for s, e, k in zip(starts, ends, kinds, strict=True):
        if k == CONTENT:
            if s > last_end or w < 0:
                w += 1
            last_end = max(last_end, e)
        out.append(max(w, 0))
    return out


def _norm_with_map(text: str) -> tuple[str, list[int]]:
    """Case- and accent-folded text, with the original index of every folded character."""
    chars: list[str] = []
    idx: list[int] = []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKD", ch.casefold()):
            if unicodedata.combining(c):
                continue
            chars.append(c)
            idx.append(i)
    return "".join(chars), idx


def align_tokens_to_text(text: str, tokens: Sequence[str], to_string: Any) -> list[tuple[int, int]]:
    """Offsets for tokenizers that give none: match each token's surface string in the text, left to right.

    Tokens whose string is incomplete on its own (a byte of a multi-byte character) are grouped until the
    group decodes to something that matches; every token of a group gets the group's span, the same way
    byte-level fast tokenizers report it. Tokens that match nothing get an empty span at the cursor.
    """
    norm, idx = _norm_with_map(text)
    out: list[tuple[int, int]] = [(0, 0)] * len(tokens)
    cursor = 0  # in norm
    buf: list[int] = []

    def orig_pos(k: int) -> int:
        return idx[k] if k < len(idx) else len(text)

    for i, _tok in enumerate(tokens):
        buf.append(i)
        surface = to_string([tokens[j] for j in buf])
        stripped = surface.strip()
        if not stripped or "\ufffd" in stripped:
            if surface and surface.isspace() and len(buf) == 1:
                out[i] = (orig_pos(cursor), orig_pos(cursor))
                buf = []
            elif len(buf) >= 8:
                for j in buf:
                    out[j] = (orig_pos(cursor), orig_pos(cursor))
                buf = []
            continue
        key, _ = _norm_with_map(stripped)
        pos = norm.find(key, cursor) if key else -1
        if pos < 0 or (pos > cursor and not norm[cursor:pos].isspace() and pos - cursor > 8):
            if len(buf) < 8:
                continue
            for j in buf:
                out[j] = (orig_pos(cursor), orig_pos(cursor))
            buf = []
            continue
        end = pos + len(key)
        span = (orig_pos(pos), idx[end - 1] + 1)
        for j in buf:
            out[j] = span
        buf = []
        cursor = end
    for j in buf:
        out[j] = (orig_pos(cursor), orig_pos(cursor))
    return out


# ---------------------------------------------------------------------------------------------- loading


def _import_transformers() -> Any:
    import transformers

    transformers.logging.set_verbosity_error()
    return transformers


def _is_byte_level(tok: Any) -> bool:
    backend = getattr(tok, "_tokenizer", None)
    if backend is None:
        return False
    pre = backend.pre_tokenizer
    return "ByteLevel" in repr(pre)


def load_tokenizer(spec: str, *, words: bool = False) -> TokenizerAdapter:
    """See ``_load_tokenizer``; local fast tokenizers come from the snapshot cache when it has them."""
    key = _snapshot_key(spec, words)
    if key is not None:
        snap = _read_snapshot(key, spec)
        if snap is not None:
            return snap
    adapter = _load_tokenizer(spec, words=words)
    if key is not None and adapter.has_offsets:
        _write_snapshot(key, adapter)
    return adapter


# ------------------------------------------------------------------------------------ snapshot cache
#
# Importing transformers and building a tokenizer with from_pretrained takes 1.5-2.5 s, more than aligning
# CoNLL-2003 train. What seqalign needs from it is the Rust backend (which serializes completely, added
# tokens, normalizer, post-processor and all) plus what _learn_specials found out. So after the first load
# of a local directory that is written to a small JSON file, keyed by every file's name/size/mtime in the
# directory, the load options and the transformers/tokenizers versions; later loads build the backend
# from it without importing transformers. Anything else asked of the tokenizer loads the real one lazily.
# SEQALIGN_TOKENIZER_CACHE=off disables it; SEQALIGN_CACHE moves it (default ~/.cache/seqalign).

_SNAPSHOT_VERSION = 2


def _cache_dir() -> Path:
    return Path(os.environ.get("SEQALIGN_CACHE") or Path.home() / ".cache" / "seqalign") / "tokenizers"


def _snapshot_key(spec: str, words: bool) -> str | None:
    if os.environ.get("SEQALIGN_TOKENIZER_CACHE", "").lower() in ("0", "off", "no", "false"):
        return None
    path = Path(spec)
    if spec.startswith("class:") or not path.is_dir():
        return None
    import hashlib
    from importlib.metadata import PackageNotFoundError, version

    try:
        versions = [version("transformers"), version("tokenizers")]
    except PackageNotFoundError:
        return None
    h = hashlib.sha256()
    h.update(json.dumps([_SNAPSHOT_VERSION, str(path.resolve()), words, versions]).encode())
    for p in sorted(path.iterdir()):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.name}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()[:32]


class SnapshotTokenizer:
    """Stands in for the transformers tokenizer: the backend and the facts seqalign uses are at hand; any
    other attribute loads the real tokenizer (importing transformers) and comes from it."""

    is_fast = True

    def __init__(self, backend: Any, data: dict[str, Any], spec: str) -> None:
        self._tokenizer = backend
        self.model_max_length = data["model_max_length"]
        self.snapshot_class = data["class"]
        self._len = data["vocab_size"]
        self._spec = spec
        self._kwargs = data["load_kwargs"]
        self._real: Any = None

    def real(self) -> Any:
        if self._real is None:
            self._real = _from_pretrained(_import_transformers(), self._spec, dict(self._kwargs))
        return self._real

    def __len__(self) -> int:
        return self._len

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.real()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_real":
            raise AttributeError(name)
        return getattr(self.real(), name)


def _read_snapshot(key: str, spec: str) -> TokenizerAdapter | None:
    """The snapshot loads from the absolute directory (runs start anywhere); the adapter keeps the name the
    user gave, for the report."""
    path = _cache_dir() / f"{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        from tokenizers import Tokenizer

        backend = Tokenizer.from_str(data["backend"])
        tok = SnapshotTokenizer(backend, data, data["path"])
        return TokenizerAdapter(
            tok,
            spec,
            prefix_ids=list(data["prefix_ids"]),
            suffix_ids=list(data["suffix_ids"]),
            marker_ids=frozenset(data["marker_ids"]),
            notes=list(data["notes"]),
            load_kwargs=dict(data["load_kwargs"]),
        )
    except (OSError, ValueError, KeyError, TypeError, Exception):  # a missing or broken snapshot is rebuilt
        return None


def _write_snapshot(key: str, adapter: TokenizerAdapter) -> None:
    tok = adapter.tokenizer
    data = {
        "version": _SNAPSHOT_VERSION,
        "path": str(Path(adapter.name).resolve()),
        "class": type(tok).__name__,
        "backend": tok._tokenizer.to_str(),
        "model_max_length": getattr(tok, "model_max_length", None),
        "vocab_size": len(tok),
        "prefix_ids": adapter.prefix_ids,
        "suffix_ids": adapter.suffix_ids,
        "marker_ids": sorted(adapter.marker_ids),
        "notes": adapter.notes,
        "load_kwargs": adapter.load_kwargs,
    }
    try:
        d = _cache_dir()
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, d / f"{key}.json")
    except OSError:  # a read-only home only costs speed
        pass


def _load_tokenizer(spec: str, *, words: bool = False) -> TokenizerAdapter:
    """Load from a local directory, ``class:ByT5Tokenizer`` (file-less Python tokenizers), or a hub name.

    ``words=True`` prepares for pre-tokenized input: byte-level BPE tokenizers are loaded with
    ``add_prefix_space=True`` where the class honours it (what HF requires for ``is_split_into_words``);
    otherwise a note says the words are encoded without their leading-space marker.
    """
    transformers = _import_transformers()
    kwargs: dict[str, Any] = {}
    notes: list[str] = []
    if spec.startswith("class:"):
        cls_name = spec.split(":", 1)[1]
        cls = getattr(transformers, cls_name, None)
        if cls is None:
            raise TokenizerLoadError(f"transformers has no tokenizer class {cls_name!r}")
        try:
            tok = cls()
        except Exception as exc:
            raise TokenizerLoadError(f"{cls_name}() needs files: {exc}. Pass a directory instead.") from None
    else:
        tok = _from_pretrained(transformers, spec, kwargs)
        if words and _is_byte_level(tok) and getattr(tok, "add_prefix_space", None) is False:
            retry = _from_pretrained(transformers, spec, {"add_prefix_space": True})
            probe = retry.convert_ids_to_tokens(retry(["word"], is_split_into_words=True, add_special_tokens=False)["input_ids"])
            if probe and probe[0].startswith("Ġ"):
                tok = retry
                kwargs = {"add_prefix_space": True}
                notes.append(
                    "word input: loaded with add_prefix_space=True (as HF requires for pre-tokenized input); "
                    "load the tokenizer the same way at inference"
                )
            else:
                notes.append(
                    "word input: this byte-level tokenizer ignores add_prefix_space, so each word is encoded "
                    "without a leading-space marker (as is_split_into_words does)"
                )
    adapter = TokenizerAdapter(tok, spec, notes=notes, load_kwargs=kwargs)
    _learn_specials(adapter)
    if not adapter.has_offsets:
        adapter.notes.append(f"{type(tok).__name__} gives no offsets: offsets come from the text-alignment fallback")
    return adapter


def _from_pretrained(transformers: Any, spec: str, kwargs: dict[str, Any]) -> Any:
    path = Path(spec)
    local = path.exists()
    if not local and (spec.startswith((".", "/", "~")) or spec.count("/") > 1 or "\\" in spec):
        raise TokenizerLoadError(
            f"{spec}: no such directory",
            hint="pass the directory that holds the tokenizer files (tokenizer.json, vocab.txt, *.model ...)",
        )
    if local and not path.is_dir():
        raise TokenizerLoadError(f"{spec}: not a directory; pass the directory that holds the tokenizer files")
    if local:
        try:
            return transformers.AutoTokenizer.from_pretrained(spec, local_files_only=True, **kwargs)
        except Exception as exc:
            raise TokenizerLoadError(f"{spec}: could not load a tokenizer from this directory: {exc}") from None
    try:
        # The HF cache first; the hub only when it answers at all (unreachable, the client retries for ~50 s).
        return transformers.AutoTokenizer.from_pretrained(spec, local_files_only=True, **kwargs)
    except Exception:
        pass
    try:
        if _hub_reachable():
            return transformers.AutoTokenizer.from_pretrained(spec, **kwargs)
    except Exception:
        pass
    raise TokenizerLoadError(
        f"{spec!r} is not a local directory and could not be loaded from the hub (offline or unknown name). "
        "Pass a local directory with the tokenizer files (e.g. tokenizer.json or vocab files), "
        "or class:ByT5Tokenizer / class:CanineTokenizer for file-less tokenizers."
    ) from None


def _hub_reachable(timeout: float = 3.0) -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
        return False
    import socket
    from urllib.parse import urlparse

    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname or "huggingface.co"
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _learn_specials(adapter: TokenizerAdapter) -> None:
    tok = adapter.tokenizer
    probe = "seqalign"
    with_sp = list(tok(probe)["input_ids"])
    without = list(tok(probe, add_special_tokens=False)["input_ids"])
    k = len(without)
    for i in range(len(with_sp) - k + 1):
        if with_sp[i : i + k] == without:
            adapter.prefix_ids = with_sp[:i]
            adapter.suffix_ids = with_sp[i + k :]
            break
    else:
        adapter.notes.append("could not locate the special tokens around the text; windows carry none")
    vocab = tok.get_vocab() if hasattr(tok, "get_vocab") else {}
    adapter.marker_ids = frozenset(vocab[m] for m in _MARKERS if m in vocab)


# ----------------------------------------------------------------------------------- word-level pieces

_WORD_RE = None


def split_words(text: str) -> list[tuple[int, int]]:
    """Words for formats that need them (CoNLL output from char spans): runs of letters/digits, single CJK
    characters, and single punctuation marks, so that spans rarely cut a word."""
    import re

    global _WORD_RE
    if _WORD_RE is None:
        cjk = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
        _WORD_RE = re.compile(rf"[{cjk}]|[^\W{cjk}]+|[^\w\s]")
    return [(m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def word_pieces(word_offsets: Sequence[tuple[int, int]]) -> Encoded:
    """An encoding with one piece per word, so word-level conversion reuses the subword aligner."""
    n = len(word_offsets)
    return Encoded(
        [0] * n,
        [s for s, _ in word_offsets],
        [e for _, e in word_offsets],
        [CONTENT if e > s else EMPTY for s, e in word_offsets],
        list(range(n)),
    )
