"""Build the four tiny fixture tokenizers used by the seqalign test-suite.

The tokenizers are trained with the ``tokenizers`` library on
``fixtures/text/fixture_corpus.txt`` so the tests never need the HuggingFace
hub.  Each one mimics the pipeline of a real model family (BERT, RoBERTa,
T5/XLNet, Llama-2) closely enough to reproduce the offset quirks that the
alignment code has to cope with.

Usage::

    python scripts/build_fixture_tokenizers.py            # (re)build
    python scripts/build_fixture_tokenizers.py --check    # load + assert quirks

Rebuilding is deterministic: two runs produce byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from tokenizers import (
    AddedToken,
    Regex,
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fixtures" / "text" / "fixture_corpus.txt"
OUT_DIR = ROOT / "fixtures" / "tokenizers"
MODEL_MAX_LENGTH = 512

# The generic fast class: in transformers v5 it is an alias of
# TokenizersBackend (which AutoTokenizer returns) and it also exists in v4.
# Model-specific classes are avoided on purpose: in v5 they re-create the
# normalizer/pre-tokenizer from their own defaults instead of trusting
# tokenizer.json (T5Tokenizer, for one, moves the "▁" offsets of these files).
TOKENIZER_CLASS = "PreTrainedTokenizerFast"

# Non-ASCII characters rarer than this are kept out of the spm-bpe alphabet so
# that they can only be encoded through <0xNN> byte-fallback pieces (the CJK
# characters, the emoji, ø, í, ñ).  ASCII always stays in, as in Llama's vocab.
SPM_MIN_CHAR_COUNT = 5

# SentencePiece never lets a piece cross a letter/digit/punctuation boundary
# (split_by_unicode_script, split_by_number).  The tokenizers trainers know no
# such rule, so the corpus is cut at those boundaries *for training only*; the
# saved tokenizers use a plain Metaspace pre-tokenizer like real T5/Llama
# tokenizer.json files.  A side effect is the XLNet-style quirk: "Hello" only
# ever occurs inside quotes in the corpus, so there is no "▁Hello"/"▁H" piece
# and a sentence-initial "Hello" becomes a lone "▁" plus "H..."/"Hello" with
# overlapping offsets.
SPM_TRAINING_SPLIT = pre_tokenizers.Split(Regex(r"▁?(?:[^\W\d_]+|\d+|[^\w\s▁]+)|▁"), behavior="isolated")

# Marks word starts while learning the WordPiece vocab; never in the corpus.
WORD_START = "\u2581"

# UnigramTrainer re-adds characters that EM dropped at this score spacing.
UNIGRAM_READD_STEP = 1e-4
# Run-to-run float noise in trained Unigram scores is up to ~1e-10, real score
# gaps are orders of magnitude larger: rounding removes only the noise.
UNIGRAM_SCORE_DECIMALS = 6

CHECK_STRINGS = [
    "Hello New York",
    " the  the",
    "Müller in 東京 🙂",
    "Ran Toolkit 13.0 today",
    "one-sentence",
]
SPLIT_WORDS_CASES = [
    ["a", "b"],
    ["Hello", "New", "York"],
    ["Müller", "in", "東京", "🙂"],
]


def read_corpus() -> list[str]:
    return CORPUS.read_text(encoding="utf-8").splitlines()


def special(content: str, **kwargs: bool) -> AddedToken:
    # normalized=False so that e.g. BertNormalizer or the Metaspace space
    # replacement can never turn a literal "<s>" in text into something else.
    return AddedToken(content, special=True, normalized=False, **kwargs)


def build_wordpiece_bert(lines: list[str]) -> tuple[Tokenizer, dict[str, object]]:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    # strip_accents must be explicit: with None it follows `lowercase`, and we
    # want Müller/café to keep their accents (cased multilingual BERT style).
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()

    # WordPieceTrainer is not reproducible: it gives the "##x" alphabet ids in
    # hash-map order and BPE breaks count ties by id, so both ids and the vocab
    # itself change between runs.  It is only a BPE trainer underneath, so the
    # same thing is done here deterministically: plain BPE (sorted alphabet) on
    # the BERT-pre-tokenized words with a word-start marker, then
    # "<marker>xy" -> "xy" and "xy" -> "##xy".
    marked_lines = []
    for line in lines:
        words = pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(line))
        marked_lines.append(" ".join(WORD_START + word for word, _ in words))
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    bpe.train_from_iterator(
        marked_lines,
        trainers.BpeTrainer(vocab_size=520, min_frequency=2, show_progress=False),
    )
    trained = json.loads(bpe.to_str())["model"]["vocab"]
    pieces = [p for p, _ in sorted(trained.items(), key=lambda item: item[1])]
    alphabet = sorted(p for p in pieces if len(p) == 1 and p != WORD_START)

    vocab: dict[str, int] = {}
    # Every character gets a word-initial and a "##" form (as in BERT's vocab):
    # WordPiece maps a whole word to [UNK] if any of its characters is missing.
    for token in [*specials, *alphabet, *(f"##{c}" for c in alphabet)]:
        vocab.setdefault(token, len(vocab))
    for piece in pieces:
        if piece.startswith(WORD_START):
            token = piece[len(WORD_START) :]
        else:
            token = f"##{piece}"
        if token:
            vocab.setdefault(token, len(vocab))

    tok = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", continuing_subword_prefix="##"))
    tok.add_special_tokens([special(t) for t in specials])
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tok.decoder = decoders.WordPiece(prefix="##")
    config = {
        "unk_token": "[UNK]",
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
        "pad_token": "[PAD]",
        "mask_token": "[MASK]",
        "do_lower_case": False,
    }
    return tok, config


def build_bytelevel_bpe(lines: list[str]) -> tuple[Tokenizer, dict[str, object]]:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    trainer = trainers.BpeTrainer(
        vocab_size=700,
        # min_frequency=2 keeps single-occurrence byte pairs (the one emoji,
        # the few CJK chars) unmerged so they stay split into byte pieces.
        min_frequency=2,
        special_tokens=[
            special("<s>"),
            special("<pad>"),
            special("</s>"),
            special("<unk>"),
            # RoBERTa's <mask> swallows the space before it.
            special("<mask>", lstrip=True),
        ],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(lines, trainer)
    # Positional sep/cls: the keyword for cls changed across tokenizers
    # releases (cls -> cls_token).
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")),
        ("<s>", tok.token_to_id("<s>")),
        trim_offsets=True,
        add_prefix_space=True,
    )
    tok.decoder = decoders.ByteLevel()
    config = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
        # Needed by RoBERTa/GPT-2 style classes for is_split_into_words=True;
        # harmless for the generic backend and documents the intent.
        "add_prefix_space": True,
        "trim_offsets": True,
    }
    return tok, config


def canonical_unigram_vocab(trained: list[tuple[str, float]], specials: list[str]) -> list[tuple[str, float]]:
    """Make UnigramTrainer output reproducible.

    The trainer walks hash maps, so (a) float sums differ in the last bits
    between runs and (b) characters dropped by EM are re-added with scores
    ``min + k * 1e-4`` where ``k`` follows hash order.  The piece *set* is
    stable; only scores/order wobble.  Re-rank (b) by character, round the
    noise away, and sort ties by piece.
    """
    scores = {p: s for p, s in trained if p not in specials}
    ordered = sorted(scores.items(), key=lambda item: (item[1], item[0]))
    floor = ordered[0][1]
    readded = []
    for piece, score in ordered:
        step = (score - floor) / UNIGRAM_READD_STEP
        if len(piece) != 1 or abs(step - len(readded)) > 1e-3:
            break
        readded.append(piece)
    for k, piece in enumerate(sorted(readded)):
        scores[piece] = floor + k * UNIGRAM_READD_STEP
    rest = sorted(
        ((p, round(s, UNIGRAM_SCORE_DECIMALS)) for p, s in scores.items()),
        key=lambda item: (-item[1], item[0]),
    )
    return [(p, 0.0) for p in specials] + rest


def build_metaspace_unigram(lines: list[str]) -> tuple[Tokenizer, dict[str, object]]:
    specials = ["<pad>", "</s>", "<unk>", "<s>"]
    metaspace = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    # T5/XLNet collapse runs of spaces; kept because it makes normalized and
    # original offsets diverge, which the aligner must handle.
    normalizer = normalizers.Replace(Regex(" {2,}"), " ")

    trainer_tok = Tokenizer(models.Unigram())
    trainer_tok.normalizer = normalizer
    trainer_tok.pre_tokenizer = pre_tokenizers.Sequence([metaspace, SPM_TRAINING_SPLIT])
    trainer = trainers.UnigramTrainer(
        vocab_size=600,
        special_tokens=[special(t) for t in specials],
        unk_token="<unk>",
        max_piece_length=12,
        show_progress=False,
    )
    trainer_tok.train_from_iterator(lines, trainer)
    trained = [tuple(item) for item in json.loads(trainer_tok.to_str())["model"]["vocab"]]
    vocab = canonical_unigram_vocab(trained, specials)

    tok = Tokenizer(models.Unigram(vocab, unk_id=specials.index("<unk>"), byte_fallback=False))
    tok.add_special_tokens([special(t) for t in specials])
    tok.normalizer = normalizer
    tok.pre_tokenizer = metaspace
    tok.post_processor = processors.TemplateProcessing(
        single="$A </s>",
        pair="$A </s> $B:1 </s>:1",
        special_tokens=[("</s>", tok.token_to_id("</s>"))],
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    config = {
        "eos_token": "</s>",
        "bos_token": "<s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
    }
    return tok, config


def build_spm_bpe_bytefallback(lines: list[str]) -> tuple[Tokenizer, dict[str, object]]:
    specials = ["<unk>", "<s>", "</s>"]
    char_counts = Counter(ch for line in lines for ch in line)
    training_lines = ["".join(ch for ch in line if ch.isascii() or char_counts[ch] >= SPM_MIN_CHAR_COUNT) for line in lines]

    trainer_tok = Tokenizer(models.BPE(unk_token="<unk>"))
    trainer_tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
            SPM_TRAINING_SPLIT,
        ]
    )
    trainer = trainers.BpeTrainer(
        vocab_size=420,
        min_frequency=2,
        special_tokens=[special(t) for t in specials],
        show_progress=False,
    )
    trainer_tok.train_from_iterator(training_lines, trainer)
    trained = json.loads(trainer_tok.to_str())["model"]

    # Llama-2 id layout: specials, then the 256 byte pieces, then the learned
    # pieces.  BpeTrainer cannot emit <0xNN> tokens itself, so the vocab is
    # re-assembled here around the trained pieces/merges.
    vocab: dict[str, int] = {}
    for token in [*specials, *(f"<0x{b:02X}>" for b in range(256))]:
        vocab[token] = len(vocab)
    for token, _ in sorted(trained["vocab"].items(), key=lambda item: item[1]):
        if token not in vocab:
            vocab[token] = len(vocab)
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in trained["merges"]]

    tok = Tokenizer(
        models.BPE(
            vocab=vocab,
            merges=merges,
            unk_token="<unk>",
            byte_fallback=True,
            fuse_unk=True,
        )
    )
    tok.add_special_tokens([special(t) for t in specials])
    # split=False: the whole text is one pre-token (like sentencepiece), so
    # "▁" only gets prepended at the very start of the input.
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A",
        pair="<s> $A <s>:1 $B:1",
        special_tokens=[("<s>", tok.token_to_id("<s>"))],
    )
    # Same decoder chain transformers' LlamaConverter writes.
    tok.decoder = decoders.Sequence(
        [
            decoders.Replace("▁", " "),
            decoders.ByteFallback(),
            decoders.Fuse(),
            decoders.Strip(content=" ", left=1, right=0),
        ]
    )
    config = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
    }
    return tok, config


BUILDERS: dict[str, Callable[[list[str]], tuple[Tokenizer, dict[str, object]]]] = {
    "wordpiece-bert": build_wordpiece_bert,
    "bytelevel-bpe": build_bytelevel_bpe,
    "metaspace-unigram": build_metaspace_unigram,
    "spm-bpe-bytefallback": build_spm_bpe_bytefallback,
}


def write_tokenizer(name: str, tok: Tokenizer, extra_config: dict[str, object]) -> list[Path]:
    out = OUT_DIR / name
    out.mkdir(parents=True, exist_ok=True)
    tokenizer_json = out / "tokenizer.json"
    tokenizer_json.write_text(tok.to_str(pretty=True) + "\n", encoding="utf-8")
    config: dict[str, object] = {
        "tokenizer_class": TOKENIZER_CLASS,
        "model_max_length": MODEL_MAX_LENGTH,
        "clean_up_tokenization_spaces": False,
        "padding_side": "right",
        "truncation_side": "right",
        **extra_config,
    }
    config_json = out / "tokenizer_config.json"
    config_json.write_text(
        json.dumps(config, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return [tokenizer_json, config_json]


def build() -> None:
    # Read by the Rust side at call time.  Single-threaded training keeps float
    # reductions independent of thread scheduling; the hash-order noise that
    # remains is removed by canonical_unigram_vocab().
    os.environ["TOKENIZERS_PARALLELISM"] = "false"
    lines = read_corpus()
    for name, builder in BUILDERS.items():
        tok, config = builder(lines)
        for path in write_tokenizer(name, tok, config):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
            rel = path.relative_to(ROOT)
            print(f"{rel}  vocab={tok.get_vocab_size():4d}  {path.stat().st_size:7d} B  {digest}")


# --------------------------------------------------------------------------- check


class CheckFailed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def show(tokens: Iterable[str], offsets: Iterable[tuple[int, int]]) -> str:
    return " ".join(f"{t!r}{tuple(o)}" for t, o in zip(tokens, offsets, strict=False))


def encode(tok: object, text: str) -> tuple[list[str], list[tuple[int, int]]]:
    enc = tok(text, return_offsets_mapping=True)  # type: ignore[operator]
    tokens = tok.convert_ids_to_tokens(enc["input_ids"])  # type: ignore[attr-defined]
    return tokens, [tuple(o) for o in enc["offset_mapping"]]


def shared_offset_runs(text: str, tokens: list[str], offsets: list[tuple[int, int]]) -> list[tuple[str, list[str]]]:
    """Return (char, pieces) for single non-ASCII chars encoded as >= 2 pieces."""
    runs: list[tuple[str, list[str]]] = []
    i = 0
    while i < len(tokens):
        j = i
        while j + 1 < len(tokens) and offsets[j + 1] == offsets[i]:
            j += 1
        start, end = offsets[i]
        if j > i and end - start == 1 and not text[start:end].isascii():
            runs.append((text[start:end], tokens[i : j + 1]))
        i = j + 1
    return runs


def check_wordpiece_bert(tok: object, results: dict[str, tuple]) -> str:
    all_tokens = [t for toks, _ in results.values() for t in toks]
    expect(any(t.startswith("##") for t in all_tokens), "no '##' continuation pieces")
    for text, (toks, offs) in results.items():
        for t, o in zip(toks, offs, strict=False):
            if t in ("[CLS]", "[SEP]"):
                expect(o == (0, 0), f"{t} offsets {o} != (0, 0) in {text!r}")
    pieces = [t for t in all_tokens if t.startswith("##")]
    return f"'##' pieces: {pieces[:6]}; [CLS]/[SEP] offsets (0, 0)"


def check_bytelevel_bpe(tok: object, results: dict[str, tuple]) -> str:
    text = "Müller in 東京 🙂"
    runs = shared_offset_runs(text, *results[text])
    multi_byte = [(c, p) for c, p in runs if len(c.encode("utf-8")) >= 3]
    expect(bool(multi_byte), f"no CJK/emoji char split into byte pieces in {text!r}")
    return "byte pieces sharing one char: " + "; ".join(f"{c!r}->{p}" for c, p in runs)


def check_metaspace_unigram(tok: object, results: dict[str, tuple]) -> str:
    hits = []
    for text, (toks, offs) in results.items():
        for k in range(len(toks) - 1):
            if toks[k] == "▁" and offs[k][1] > offs[k + 1][0] and offs[k + 1][1] > offs[k][0]:
                hits.append((text, toks[k + 1], offs[k], offs[k + 1]))
    expect(bool(hits), "no standalone '▁' overlapping the next piece")
    text, nxt, o1, o2 = hits[0]
    return f"lone '▁'{o1} overlaps {nxt!r}{o2} in {text!r}"


def check_spm_bpe_bytefallback(tok: object, results: dict[str, tuple]) -> str:
    text = "Müller in 東京 🙂"
    runs = shared_offset_runs(text, *results[text])
    fallback = [(c, p) for c, p in runs if len(p) >= 2 and all(x.startswith("<0x") for x in p)]
    expect(bool(fallback), f"no <0xNN> byte-fallback run in {text!r}")
    return "byte-fallback: " + "; ".join(f"{c!r}->{p}" for c, p in fallback)


CHECKERS: dict[str, Callable[[object, dict[str, tuple]], str]] = {
    "wordpiece-bert": check_wordpiece_bert,
    "bytelevel-bpe": check_bytelevel_bpe,
    "metaspace-unigram": check_metaspace_unigram,
    "spm-bpe-bytefallback": check_spm_bpe_bytefallback,
}


def check_split_into_words(tok: object) -> str:
    summaries = []
    for words in SPLIT_WORDS_CASES:
        enc = tok(words, is_split_into_words=True, return_offsets_mapping=True)  # type: ignore[operator]
        word_ids = enc.word_ids()
        seen = sorted({w for w in word_ids if w is not None})
        expect(seen == list(range(len(words))), f"word_ids {word_ids} do not cover {words}")
        for w, (s, e) in zip(word_ids, enc["offset_mapping"], strict=False):
            if w is not None:
                expect(
                    0 <= s <= e <= len(words[w]),
                    f"offset {(s, e)} outside word {words[w]!r}",
                )
        summaries.append(str(len(enc["input_ids"])))
    return "is_split_into_words ok (lengths " + ", ".join(summaries) + ")"


def check() -> int:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    failures = 0
    for name, checker in CHECKERS.items():
        path = OUT_DIR / name
        print(f"== {name}")
        try:
            tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            expect(tok.is_fast, f"{type(tok).__name__} is not a fast tokenizer")
            expect(
                tok.model_max_length == MODEL_MAX_LENGTH,
                f"model_max_length {tok.model_max_length}",
            )
            print(f"   class={type(tok).__name__} vocab={len(tok)}")
            results = {}
            for text in CHECK_STRINGS:
                results[text] = encode(tok, text)
                print(f"   {text!r}: {show(*results[text])}")
            print(f"   OK {checker(tok, results)}")
            print(f"   OK {check_split_into_words(tok)}")
        except Exception as exc:
            failures += 1
            print(f"   FAIL {type(exc).__name__}: {exc}")
    print("all checks passed" if not failures else f"{failures} family check(s) failed")
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="load the built tokenizers and assert their quirks",
    )
    args = parser.parse_args(argv)
    if args.check:
        return check()
    build()
    return 0


if __name__ == "__main__":
    sys.exit(main())
