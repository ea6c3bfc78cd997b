"""Private responses of the НИКО tab: attachments that keep Cyrillic names, and no caching.

Werkzeug writes `filename*` only for non-ASCII names; we always write both forms, so every client
gets the exact name from `filename*=UTF-8''...` (RFC 5987/6266) and old ones an ASCII fallback.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import send_file

# RFC 5987 attr-char: letters and digits (which quote() keeps) plus these.
ATTR_CHARS = "!#$&+-.^_`|~"


def no_store(response):
    """Private pages and files must not stay in a shared computer's cache after logout."""
    response.headers["Cache-Control"] = "no-store"
    return response


def ascii_fallback(name: str) -> str:
    """The name in plain ASCII for old clients: accents dropped, quotes and controls removed."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    plain = "".join(ch for ch in plain if ch.isprintable() and ch not in '"\\%;').strip()
    stem, dot, ext = plain.rpartition(".")
    if not stem.strip(" ._-"):
        return f"file.{ext}" if dot and ext else "file"
    return plain


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII `filename` and the exact `filename*` in UTF-8."""
    return (
        f'attachment; filename="{ascii_fallback(name)}"; '
        f"filename*=UTF-8''{quote(name, safe=ATTR_CHARS)}"
    )


def attachment(path: Path, name: str, content_type: str):
    """Send a file for download under `name`, with exactly this Content-Type."""
    response = send_file(path, mimetype=content_type, conditional=True, etag=True, max_age=0)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return no_store(response)
