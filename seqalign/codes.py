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
    "C901": (
        "round trip failed",
        "The transcript or target does not parse back to the spans it was built from; a bug, please report it.",
    ),
}
