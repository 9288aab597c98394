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

import os
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UsageError

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

CONTENT, EMPTY, ATTACHED = 0, 1, 2
_MARKERS = ("▁", "Ġ", " ")
_MAX_LENGTH_CAP = 512


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
            "class": type(self.tokenizer).__name__,
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
        return [
            trusted_encoding(text, enc.ids, enc.offsets, enc.word_ids, self.marker_ids)
            for text, enc in zip(texts, encs, strict=True)
        ]

    def encode_words(
        self, texts: Sequence[str], words: Sequence[Sequence[str]], word_offsets: Sequence[Sequence[tuple[int, int]]]
    ) -> list[Encoded]:
        """Pre-tokenized input: the HF ``is_split_into_words`` encoding, mapped back to text coordinates."""
        if not self.has_offsets:
            return [self._fallback_words(t, w, o) for t, w, o in zip(texts, words, word_offsets, strict=True)]
        backend = self.tokenizer._tokenizer
        encs = backend.encode_batch([list(w) for w in words], is_pretokenized=True, add_special_tokens=False)
        return [
            trusted_encoding(text, enc.ids, enc.offsets, enc.word_ids, self.marker_ids, word_offsets=wo)
            for text, wo, enc in zip(texts, word_offsets, encs, strict=True)
        ]

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
    try:
        return transformers.AutoTokenizer.from_pretrained(spec, local_files_only=local or None, **kwargs)
    except Exception as exc:
        if local:
            raise TokenizerLoadError(f"{spec}: could not load a tokenizer from this directory: {exc}") from None
        raise TokenizerLoadError(
            f"{spec!r} is not a local directory and could not be loaded from the hub (offline or unknown name). "
            "Pass a local directory with the tokenizer files (e.g. tokenizer.json or vocab files), "
            "or class:ByT5Tokenizer / class:CanineTokenizer for file-less tokenizers."
        ) from None


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
