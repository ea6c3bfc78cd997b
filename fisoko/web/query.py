"""Query parameters of paged lists: one page-number parser, and links that keep the other choices.

The НИКО tab pages two lists (`page` for the uploads, `region_page` for the region table) and
sorts and filters the table (`sort`, `show`); a link that changes one keeps the others.
"""

from __future__ import annotations

from collections.abc import Mapping

MAX_DIGITS = 6


def page_number(raw: str | None) -> int:
    """The page asked for; anything but a positive number of at most MAX_DIGITS digits is 1."""
    text = (raw or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS and int(text) > 0:
        return int(text)
    return 1


def link(chosen: Mapping[str, object], defaults: Mapping[str, object], **changes: object) -> dict:
    """Query parameters for a link that changes some choices; a default choice is left out."""
    merged = {**chosen, **changes}
    return {key: value for key, value in merged.items() if defaults.get(key) != value}
