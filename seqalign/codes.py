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
}
