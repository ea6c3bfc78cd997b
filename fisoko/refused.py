"""The one refusal: a request the app will not carry out, with why (in Russian) and its status.

Domain code raises it without knowing about HTTP beyond the status to answer with; a view turns
it into the error page (or its own page with the message), never a 500.
"""

from __future__ import annotations


class Refused(ValueError):
    """`message` says why in Russian; `status` is the HTTP answer (400, or 413 for a large file)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
