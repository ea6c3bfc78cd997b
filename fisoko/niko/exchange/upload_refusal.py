"""A refused upload, answered in place: the НИКО tab again with why, beside the upload form.

The upload view raises `UploadRefused`; the tab (fisoko/niko/tab/views.py, a part above this
one) registers the handler that renders the tab with it, through the same function as
GET /cabinet/niko. So a school keeps its page, its chosen step and a message next to the control
it is about, instead of a bare error page.
"""

from __future__ import annotations

from dataclasses import dataclass

STEP, FILE = "step", "file"  # the control of the upload form a message belongs to


@dataclass(frozen=True)
class UploadRefusal:
    """Why an upload was refused: the HTTP status, the Russian message, the step the form had
    chosen (kept selected), the control it is about, and a results form's problems, if any."""

    status: int
    message: str
    step: str = ""
    field: str = FILE
    problems: tuple[str, ...] = ()


class UploadRefused(Exception):
    """Raised by the upload view; the tab's handler answers it with the tab and `refusal.status`."""

    def __init__(self, refusal: UploadRefusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal
