"""Help for people who use the cabinet: the public «Не удаётся войти?» page and the «Поддержка» tab.

The text lives in `content/support.yaml` (or `FISOKO_SUPPORT`), not in templates, so a deployment
can put its own contacts and wording there; it is validated at start-up like the НИКО content, and
every problem is reported as `PATH:LINE: message`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from flask import current_app

from fisoko.files.yaml_source import Invalid, Problem, document, unreadable
from fisoko.niko.content.model import ROLE_KEYS, ContentReader
from fisoko.niko.content.text import paragraphs

TOP_KEYS = ("address", "login_help", "roles", "upload_errors")
ADDRESS_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-_+@")


@dataclass(frozen=True)
class Section:
    """A titled piece of help, in paragraphs."""

    title: str
    text: tuple[str, ...]


@dataclass(frozen=True)
class UploadError:
    """What the upload form may answer, and what it means for the person who sent the file."""

    message: str
    means: tuple[str, ...]


@dataclass(frozen=True)
class SupportContent:
    """The whole help text: the login page's help, each role's tasks, the upload errors."""

    address: str
    login_help: tuple[Section, ...]
    tasks: dict[str, tuple[Section, ...]]
    upload_errors: tuple[UploadError, ...]


class _SupportReader(ContentReader):
    """The НИКО content's checks (fields, lists, text), plus this file's own items."""

    def section(self, node: yaml.Node, where: str) -> Section | None:
        f = self.fields(node, where, ("title", "text"))
        if f is None or len(f) < 2:
            return None
        title, text = self.text(f["title"], "title"), self.text(f["text"], "text")
        return None if title is None or text is None else Section(title, paragraphs(text))

    def sections(self, node: yaml.Node, where: str) -> tuple[Section, ...]:
        found = [self.section(n, where) for n in self.items(node, where)]
        return tuple(s for s in found if s is not None)

    def upload_error(self, node: yaml.Node) -> UploadError | None:
        f = self.fields(node, "upload_errors", ("message", "means"))
        if f is None or len(f) < 2:
            return None
        message, means = self.text(f["message"], "message"), self.text(f["means"], "means")
        return None if message is None or means is None else UploadError(message, paragraphs(means))

    def address(self, node: yaml.Node) -> str | None:
        address = self.text(node, "address")
        if address is not None and (
            address.count("@") != 1 or not set(address.lower()) <= ADDRESS_CHARS
        ):
            self.problem(node, f"address: «{address}» — не адрес почты")
            return None
        return address


def parse_support(data: bytes, path: str) -> SupportContent:
    """Validate the bytes of a support file; raise Invalid listing every problem."""
    root = document(data, path)
    r = _SupportReader(path)
    top = r.fields(root, "support", TOP_KEYS)
    if top is None or len(top) < len(TOP_KEYS):
        raise Invalid(r.problems)
    address = r.address(top["address"])
    login_help = r.sections(top["login_help"], "login_help")
    roles = r.fields(top["roles"], "roles", tuple(ROLE_KEYS)) or {}
    tasks = {ROLE_KEYS[key]: r.sections(node, f"roles.{key}") for key, node in roles.items()}
    errors = [r.upload_error(n) for n in r.items(top["upload_errors"], "upload_errors")]
    if r.problems:
        raise Invalid(r.problems)
    return SupportContent(
        address,  # type: ignore[arg-type]
        login_help,
        tasks,
        tuple(e for e in errors if e is not None),
    )


def load_support(path: str | Path) -> SupportContent:
    """Read and validate a support file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise Invalid([Problem(str(path), 1, unreadable(exc))]) from None
    return parse_support(data, str(path))


def current_support() -> SupportContent:
    """The help text of the app handling the current request."""
    return current_app.extensions["fisoko.support"]
