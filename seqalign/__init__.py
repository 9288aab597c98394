"""seqalign: sequence-labeling data, correct before it reaches a model.

The pure core (schemes, alignment, decoding) does no I/O; formats, export and the CLI sit at the edge.
"""

from __future__ import annotations

from .align import AlignConfig, Aligned, Row, align_example
from .api import align_file, convert_file, decode_dataset
from .decode import decode_labels
from .errors import DataProblem, InputError, SeqalignError, UsageError
from .model import IGNORE, Counts, Diagnostic, Example, Location, Outcome, Report, Severity, Span
from .schemes import SCHEMES, convert_tags, detect_scheme, get_scheme, parse_tag, spans_to_tags, tags_to_spans
from .tokenization import TokenizerAdapter, load_tokenizer

__all__ = [
    "IGNORE",
    "SCHEMES",
    "AlignConfig",
    "Aligned",
    "Counts",
    "DataProblem",
    "Diagnostic",
    "Example",
    "InputError",
    "Location",
    "Outcome",
    "Report",
    "Row",
    "SeqalignError",
    "Severity",
    "Span",
    "TokenizerAdapter",
    "UsageError",
    "align_example",
    "align_file",
    "convert_file",
    "convert_tags",
    "decode_dataset",
    "decode_labels",
    "detect_scheme",
    "get_scheme",
    "load_tokenizer",
    "parse_tag",
    "spans_to_tags",
    "tags_to_spans",
]
__version__ = "0.1.0"
