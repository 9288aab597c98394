"""Catching tokenizer offsets that silently shift.

Some tokenizers drop characters they cannot encode and report the offsets of later pieces shifted onto the
wrong characters (the zoo's fixture-spm-bpe: ``'Müller' -> '▁M' (3,5) 'll' (5,6)='ü' 'er' (6,8)='ll'``).
Labels placed by such offsets would sit on the wrong tokens while the report calls them exact. The tell:
a character that carries content is covered by no piece, although the tokenizer's normalizer keeps it.
Such an encoding's offsets are re-derived by matching the pieces' strings against the text, and the report
says so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .tokenization import Encoded, align_tokens_to_text, normalize_offsets

REALIGNED = "K101"


def uncovered(text: str, enc: Encoded, keeps: Callable[[str], bool]) -> list[int]:
    """Positions of non-space characters that no piece covers although the normalizer keeps them."""
    covered = bytearray(len(text))
    for s, e in zip(enc.starts, enc.ends, strict=True):
        if e > s:
            covered[s:e] = b"\x01" * (e - s)
    if all(covered) or len(text) == 0:
        return []
    return [i for i, c in enumerate(covered) if not c and not text[i].isspace() and keeps(text[i])]


def normalizer_keeps(tokenizer: object) -> Callable[[str], bool]:
    backend = getattr(tokenizer, "_tokenizer", None)
    norm = getattr(backend, "normalizer", None)
    if norm is None:
        return lambda ch: True
    cache: dict[str, bool] = {}

    def keeps(ch: str) -> bool:
        if ch not in cache:
            cache[ch] = bool(norm.normalize_str(ch).strip())
        return cache[ch]

    return keeps


def realign(
    text: str,
    enc: Encoded,
    tokens: Sequence[str],
    to_string: Callable[[list[str]], str],
    marker_ids: frozenset[int],
    word_offsets: Sequence[tuple[int, int]] | None = None,
) -> Encoded:
    """The same pieces with offsets found by matching their strings in the text (per word for word input)."""
    if word_offsets is None:
        pairs = align_tokens_to_text(text, tokens, to_string)
    else:
        pairs = [(0, 0)] * len(tokens)
        by_word: dict[int, list[int]] = {}
        for i, w in enumerate(enc.word_ids):
            by_word.setdefault(w if w is not None else -1, []).append(i)
        for w, idx in by_word.items():
            if w < 0:
                continue
            base, stop = word_offsets[w]
            for i, (s, e) in zip(idx, align_tokens_to_text(text[base:stop], [tokens[i] for i in idx], to_string), strict=True):
                pairs[i] = (base + s, base + e)
    starts, ends, kinds = normalize_offsets(text, enc.ids, [p[0] for p in pairs], [p[1] for p in pairs], marker_ids)
    return Encoded(list(enc.ids), starts, ends, kinds, list(enc.word_ids))
