"""Dataset writers (token classification; CTC)."""
