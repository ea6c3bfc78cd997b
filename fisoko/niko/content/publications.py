"""Publications: the federal organizer's dated announcements in the content file.

Each has a date from which it is shown, a title, a text of paragraphs and optional roles and
regions. A text links to a material by its file name, written `[what to show](file name)`; only
files listed under `materials:` may be named, so a typo is reported at start-up with its line.
Which publications an account has already seen is kept in the database (see news.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from dataclasses import dataclass

import yaml

from fisoko.files.yaml_source import Problem, line_of
from fisoko.niko.content.reader import Reader
from fisoko.niko.content.text import paragraphs

# [label](file): the label may run over a line break, the file name may not.
LINK_RE = re.compile(r"\[([^\[\]]+)\]\(([^()\n]+)\)")


@dataclass(frozen=True)
class Segment:
    """A piece of a paragraph: plain text, or text that links to the material `file`."""

    text: str
    file: str | None = None


@dataclass(frozen=True)
class Publication:
    """An announcement shown from its date on to its roles (and regions)."""

    date: dt.date
    title: str
    text: tuple[tuple[Segment, ...], ...]
    roles: frozenset[str]
    regions: frozenset[str]

    @functools.cached_property
    def files(self) -> frozenset[str]:
        """The materials its text links to."""
        return frozenset(s.file for paragraph in self.text for s in paragraph if s.file)

    @property
    def key(self) -> str:
        """A stable name for the "seen" marks: the date and the title, not the editable text."""
        digest = hashlib.sha256(f"{self.date.isoformat()}|{self.title}".encode())
        return digest.hexdigest()[:20]

    def shown_to(self, role: str, region: str, today: dt.date) -> bool:
        """Whether an account of this role and region sees it on this date."""
        if role not in self.roles or (self.regions and region not in self.regions):
            return False
        return self.date <= today


def segments(paragraph: str) -> tuple[Segment, ...]:
    """A paragraph cut into plain text and links to materials."""
    found: list[Segment] = []
    last = 0
    for match in LINK_RE.finditer(paragraph):
        if match.start() > last:
            found.append(Segment(paragraph[last : match.start()]))
        label = " ".join(match.group(1).split())
        found.append(Segment(label, match.group(2).strip()))
        last = match.end()
    if last < len(paragraph):
        found.append(Segment(paragraph[last:]))
    return tuple(found)


def _link_line(node: yaml.Node, offset: int) -> int:
    """The line of a position in a scalar's text; exact for a `|` block, else the value's line."""
    if isinstance(node, yaml.ScalarNode) and node.style == "|":
        return line_of(node) + 1 + node.value.count("\n", 0, offset)
    return line_of(node)


def _check_links(r: Reader, node: yaml.Node, text: str, files: frozenset[str]) -> bool:
    """Report every link to a file that `materials:` does not list; True when all are fine."""
    raw = node.value if isinstance(node, yaml.ScalarNode) else text
    good = True
    for match in LINK_RE.finditer(raw):
        file = match.group(2).strip()
        if file not in files:
            good = False
            message = f"text: ссылка ведёт на «{file}», а этого файла нет в materials"
            r.problems.append(Problem(r.path, _link_line(node, match.start()), message))
    return good


def read_one(
    r: Reader, node: yaml.Node, files: frozenset[str], all_roles: frozenset[str]
) -> Publication | None:
    """One item of `publications:`, or None after reporting its problems."""
    f = r.fields(node, "publication", ("date", "title", "text"), ("roles", "regions"))
    if f is None or not {"date", "title", "text"} <= f.keys():
        return None
    date, title = r.date(f["date"], "date"), r.text(f["title"], "title")
    text = r.text(f["text"], "text")
    roles = r.roles(f["roles"]) if "roles" in f else all_roles
    regions = r.regions(f["regions"]) if "regions" in f else frozenset()
    links_ok = text is not None and _check_links(r, f["text"], text, files)
    if None in (date, title, text, roles, regions) or not links_ok:
        return None
    body = tuple(segments(p) for p in paragraphs(text))  # type: ignore[arg-type]
    return Publication(date, title, body, roles, regions)  # type: ignore[arg-type]


def read_all(
    r: Reader, node: yaml.Node, files: frozenset[str], all_roles: frozenset[str]
) -> tuple[Publication, ...]:
    """The `publications:` list, newest first (the file's order within a day)."""
    if isinstance(node, yaml.SequenceNode) and not node.value:
        return ()
    found = [read_one(r, n, files, all_roles) for n in r.items(node, "publications")]
    kept = [p for p in found if p is not None]
    return tuple(sorted(kept, key=lambda p: p.date, reverse=True))
