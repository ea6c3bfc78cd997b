"""Private responses of the НИКО tab: attachments that keep Cyrillic names, and no caching.

Werkzeug writes `filename*` only for non-ASCII names; we always write both forms, so every client
gets the exact name from `filename*=UTF-8''...` (RFC 5987/6266) and old ones an ASCII fallback.

A whole file goes to waitress as a `wsgi.file_wrapper`, which its event loop sends while the worker
thread is already free. A `Range` answer (206) is a plain iterator in werkzeug, which waitress
copies into its output buffer in the worker thread; once a client that never reads has 16 MB
waiting there, that thread blocks, and eight such clients took every thread. So a 206 is handed
over as a file wrapper too: the file opened at the range's start, sent for the range's length.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from flask import Response, request, send_file

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


def csv_attachment(text: str, name: str) -> Response:
    """A CSV made by the app (Excel's UTF-8 with BOM, `;`), sent for download under `name`."""
    response = Response(text, content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition(name)
    return response


def zip_attachment(chunks: Iterable[bytes], name: str) -> Response:
    """A ZIP made on the fly (archive.stream), sent for download under `name` as it is built."""
    response = Response(chunks, content_type="application/zip")
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def attachment(path: Path, name: str, content_type: str):
    """Send a file for download under `name`, with exactly this Content-Type."""
    response = send_file(path, mimetype=content_type, conditional=True, etag=True, max_age=0)
    response.headers["Content-Type"] = content_type
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return no_store(_range_as_file(response, path))


def _range_as_file(response, path: Path):
    """A 206 answer whose body the server sends from the file itself (see the module docstring)."""
    wrapper = request.environ.get("wsgi.file_wrapper")
    span = response.content_range
    if response.status_code != 206 or wrapper is None or span is None or span.start is None:
        return response
    handle = open(path, "rb")  # noqa: SIM115 - the server closes it after sending
    try:
        handle.seek(span.start)
        body = wrapper(handle, 64 * 1024)
    except BaseException:
        handle.close()
        raise
    response.close()
    response.response = body
    response.direct_passthrough = True
    return response
