"""The diagnostics catalog: every stable code, what it means, and what to do about it."""

from __future__ import annotations

# code -> (short meaning, why it matters / what to do)
CATALOG: dict[str, tuple[str, str]] = {
    "S101": (
        "span edge whitespace trimmed (adjusted)",
        "Spaces inside a span teach the model that entities start or end on whitespace; fix the annotation tool's selection.",
    ),
    "S102": (
        "span contracted to whole tokens (adjusted)",
        "--alignment contract dropped the characters of tokens the span cut; the cut tokens get the ignore label.",
    ),
    "S103": ("span expanded to whole tokens (adjusted)", "--alignment expand grew the span to the tokens it cut."),
    "S104": (
        "span edge characters covered by no token (adjusted)",
        "The tokenizer dropped characters (zero-width, control) at the span's edge; the labels cover what is left.",
    ),
    "S201": (
        "span cuts a token (lost under strict)",
        "A label cannot cover part of a token. Its tokens get the ignore label (-100), never O. Use --alignment contract|expand to keep it.",
    ),
    "S202": ("empty or whitespace-only span (lost)", "Nothing to label; remove it from the annotations."),
    "S203": (
        "no token covers the span (lost)",
        "The tokenizer dropped every character of the span (e.g. zero-width characters).",
    ),
    "S204": (
        "overlapping span (lost)",
        "Flat tags hold one label per token; --overlaps decides which span stays, the other is reported.",
    ),
    "S205": (
        "span collides with another after alignment (lost)",
        "Two spans were adjusted onto the same token; the first is kept.",
    ),
    "S206": ("duplicate span (lost)", "The same span and label appear twice; one is kept."),
    "S301": ("entity split across windows (truncated)", "No window holds the whole entity; raise --max-length or --overlap."),
    "S302": ("entity cut by a window edge", "Counted per window; the entity is whole in another window."),
    "S401": (
        "adjacent same-type entities merged by the scheme (adjusted)",
        "IO cannot separate adjacent entities of one type; choose a scheme with B- or E- markers.",
    ),
    "T101": (
        "illegal tag transition (repaired and reported)",
        "The input tags break the scheme's rules; the named repair decided how to read them.",
    ),
    "T102": (
        "several tags joined in one cell (check-tags)",
        "One token carries one tag; transitions are read with the first listed tag (O under --repair drop). Decide which tag is right.",
    ),
    "T103": (
        "tag the scheme cannot read (check-tags)",
        "No prefix, or a prefix the scheme lacks (E- in IOB2): read as O. Check --input-scheme or the tag column.",
    ),
    "D101": (
        "windows disagree about an entity (decode; resolved longer-then-higher-score)",
        "Overlapping windows predicted different entities over the same tokens; the longer one (then the higher score) is kept.",
    ),
    "D102": (
        "a window's entity overruled by the farthest-from-edge reading (decode)",
        "Another window, where those tokens sit farther from an edge, predicts no entity there; raise --overlap to see fewer.",
    ),
    "K101": (
        "tokenizer offsets re-derived from the text",
        "The tokenizer skipped characters it keeps (it drops what its vocabulary lacks) and shifted the offsets after them; labels placed by those offsets would sit on the wrong tokens, so the offsets were found by matching the pieces' strings against the text.",
    ),
    "W201": (
        "duplicate example id renamed",
        "Windows of one example are merged back by id, so two records with one id would be merged; the later ones get id#2, id#3 ... in the dataset.",
    ),
    "W101": ("word without tokens", "The tokenizer gives no token for this word; it gets no label and never shifts the others."),
    # CTC export (seqalign export-ctc / decode-ctc)
    "C101": (
        "span edge whitespace trimmed (adjusted)",
        "Markers must sit against the entity's first and last characters; fix the annotation's selection.",
    ),
    "C102": (
        "span edge inside a character cluster moved to the cluster's edge (adjusted)",
        "A base letter and its combining accents are one target symbol after normalization; a marker cannot split them.",
    ),
    "C201": ("empty or whitespace-only span (lost)", "Nothing to mark; remove it from the annotations."),
    "C202": (
        "normalization removes every character of the span (lost)",
        "Zero-width or control characters are not target symbols; the span has nothing left to mark.",
    ),
    "C203": ("duplicate span (lost)", "The same span and label appear twice; one pair of markers is written."),
    "C204": (
        "span crosses another (lost)",
        "A shared end marker closes the innermost open entity, so spans may nest but not cross; the later one is dropped.",
    ),
    "C205": (
        "example dropped: tokens without a trustworthy tag",
        "A lost span left tokens with no label, and a CTC target cannot skip a position; use --alignment expand.",
    ),
    "C301": (
        "text contains the word delimiter or a marker (error, or dropped with --collisions drop)",
        "The transcript could not be parsed back unambiguously; choose other --markers or --word-delimiter.",
    ),
    "C302": (
        "character not in the given vocabulary (written as <unk>)",
        "The model cannot emit it; check the normalization (--case, --unicode) against the model's vocabulary.",
    ),
    "C303": ("zero-width/control characters removed by normalization", "They are not sounds; the count is for the record."),
    "C401": (
        "target needs more frames than the input has (infinite CTC loss)",
        "L + repeats > frames: the loss is infinite (zero_infinity hides it). Drop it (--drop-infeasible), "
        "use a coarser target, or a model with more frames per second.",
    ),
    "C402": ("no frame count for the example (not checked)", "Add the example's id to --input-lengths / --durations."),
    "C403": ("frame counts for ids that match no example", "The frame file and the data disagree; check the ids."),
    "C501": ("stray end marker (ignored)", "The prediction closes an entity that was never opened."),
    "C502": ("unclosed start marker (entity dropped)", "The prediction opens an entity and never closes it."),
    "C503": ("empty entity (dropped)", "The markers enclose no text."),
    "C504": ("illegal tag transition in a predicted tag sequence (repaired)", "The named repair decided how to read it."),
    "C505": (
        "predicted tag count differs from the example's positions",
        "CTC predictions need not match the word count; spans are given as positions only.",
    ),
    "C506": (
        "prediction for an id that matches no example (ignored)",
        "The predictions and the dataset disagree; check the ids.",
    ),
    "C507": ("example without a prediction (not decoded)", "Every example needs a prediction line with its id."),
    "C901": (
        "round trip failed",
        "The transcript or target does not parse back to the spans it was built from; a bug, please report it.",
    ),
}

# Validate (V) and format (F) codes. Second field: why it hurts training, then the fix.
CATALOG.update(
    {
        "V101": (
            "span offsets out of range (negative, reversed or past the end of the text)",
            "The span cannot be placed; a converter clips or shifts it silently. Fix the offsets; if the text has emoji, "
            "the tool probably counted UTF-16 units (--offset-unit utf16).",
        ),
        "V102": (
            "stored span text differs from the text at its offsets",
            "The label sits on other characters than the annotator saw: the model learns wrong entities. Re-export, or "
            "find the offset shift (often one per emoji or CRLF before the span).",
        ),
        "V103": (
            "stored span text differs only in edge whitespace",
            "Harmless for the offsets, but tools that trust the text column get a different span. --fix sets the stored "
            "text to the covered text.",
        ),
        "V104": (
            "offsets are UTF-16 code units (browser tools), not code points",
            "Every span after an emoji or other astral character is shifted by one per such character. Read with "
            "--offset-unit utf16 (--fix converts them).",
        ),
        "V105": (
            "offsets are grapheme clusters, not code points",
            "Spans after emoji sequences or combining marks are shifted. Read with --offset-unit grapheme.",
        ),
        "V111": (
            "same characters labelled with two different types",
            "A flat tagger can only learn one; decide which is right, or keep both only in a nested-NER format.",
        ),
        "V120": (
            "nested span (inside another span)",
            "Flat BIO keeps one of the two (align: S204 under --overlaps); use a nested format or choose the policy.",
        ),
        "V121": (
            "crossing spans (partial overlap)",
            "Neither flat nor nested tagging can hold both; usually an annotation slip. Fix one boundary.",
        ),
        "V122": (
            "spans share characters and one of them is discontinuous (crossing through a shared word)",
            "Typical of discontinuous annotation ('severe shoulder ... pain' and 'knee pain' share 'pain'); no flat or "
            "nested tagging holds both. Keep them in brat/W2NER/JSONL, or pick --discontinuous for flat targets.",
        ),
        "V130": (
            "discontinuous span (several fragments)",
            "Flat tags cannot hold a gap; convert follows --discontinuous split|hull|drop|error and reports each span.",
        ),
        "V140": (
            "label not in the label list",
            "A typo or stale label becomes its own class with a handful of examples. Fix the label or extend --labels.",
        ),
        "V150": (
            "span cuts a word",
            "Under strict alignment the span is lost; contract/expand (shown in the message) decide which characters "
            "count. Fix the span boundary in the annotation tool.",
        ),
        "V160": (
            "token indices do not match the char offsets",
            "Tools that read token_start/token_end (inclusive) get a different span than tools that read start/end. "
            "Re-derive one from the other.",
        ),
        "V165": (
            "tag cell no scheme can read (e.g. comma-joined tags 'B-corporation,B-person')",
            "A tagger needs one tag per token; readers either crash or invent a type named after the whole cell. "
            "Choose one tag per token (validate reads the cell as O for its other checks).",
        ),
        "V171": ("file starts with a UTF-8 BOM", "Some readers make it part of the first token or key. Save without BOM."),
        "V172": (
            "Windows line ends (CRLF)",
            "A stray \\r ends up in the last token of a line, or offsets count two characters per line break. Convert to LF.",
        ),
        "V174": (
            "invisible or non-breaking characters (NBSP, zero-width, soft hyphen)",
            "Tokenizers split (or drop) them unlike a space; tokens look equal but differ. Normalize them before annotating.",
        ),
        "V175": (
            "text not in Unicode NFC",
            "Normalizing later shifts every offset after a combining sequence. Normalize before annotating.",
        ),
        "V180": ("document id appears twice", "The same document is counted twice (and may leak across splits). Deduplicate."),
        "V181": (
            "row document ids differ from the document header (CoNLL-2012)",
            "Tools that split by the row id and tools that split by the header disagree on document boundaries, so "
            "train/test splits by document can leak. Make the ids agree.",
        ),
        "F101": (
            "non-entity lines kept aside (relations, events, attributes, notes)",
            "Not spans, so not training data for a tagger; kept and written back when the target is the same format.",
        ),
        "F102": ("relations kept aside", "A tagger does not learn relations; they are kept for the way back."),
        "F103": (
            "non-span results kept aside (Label Studio relations, choices)",
            "Not spans; kept and written back to Label Studio.",
        ),
        "F104": (
            "tasks skipped by their answer (ignore/reject)",
            "Prodigy tasks answered ignore or reject are not annotations; training on them teaches 'no entity'.",
        ),
        "F105": (
            "event trigger T lines kept aside",
            "brat event triggers are T lines but not entities; reading them as entities adds classes like INCREASES.",
        ),
        "F201": ("span cuts a token of a token-index format", "Token-index formats cannot hold it; fix the span or use expand."),
        "F202": (
            "discontinuous span written as separate spans (discontinuous=split)",
            "The target has no fragments; each fragment becomes an entity of its own.",
        ),
        "F203": (
            "discontinuous span widened over its gap (discontinuous=hull)",
            "The words in the gap are labelled too.",
        ),
        "F204": ("discontinuous span dropped (discontinuous=drop)", "The entity is not in the output."),
    }
)
