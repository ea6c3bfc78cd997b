"""Text of the content files: paragraphs split at blank lines."""

from __future__ import annotations

import re


def paragraphs(text: str) -> tuple[str, ...]:
    """Split text into paragraphs at blank lines, joining the lines inside each."""
    blocks = re.split(r"\n\s*\n", text.strip())
    return tuple(" ".join(line.strip() for line in b.splitlines()) for b in blocks if b.strip())
