"""The НИКО tab's content: the study, its schedule and each role's steps, from a hand-edited file.

The text lives in `content/niko.yaml` (or `FISOKO_CONTENT`) so that a deployment can describe its
own round of the study without touching templates; it is validated at start-up like the accounts.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask import current_app

from fisoko.accounts.store import COORDINATOR, SCHOOL
from fisoko.clock import zone_of
from fisoko.files.device_names import device_name_problem
from fisoko.files.yaml_source import (
    Invalid,
    Problem,
    as_date,
    as_moment,
    as_text,
    describe,
    document,
    line_of,
    mapping_items,
    read_source,
)
from fisoko.niko.content import forms, publications
from fisoko.niko.content.forms import FormSpec
from fisoko.niko.content.publications import Publication
from fisoko.niko.content.text import paragraphs

STEP_KEYS = ("id", "title", "deadline", "what")
STEP_OPTIONAL = ("uploads_until", "opens", "results_form", "collects")
STUDY_KEYS = ("title", "round", "about")
STUDY_OPTIONAL = ("timezone", "opens", "ends")
DEFAULT_ZONE = "Europe/Moscow"
DAY_END = dt.time(23, 59)
STEP_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
ROLE_KEYS = {"coordinator": COORDINATOR, "school": SCHOOL}
REGION_RE = re.compile(r"[0-9]{2}")
# A material is a plain file name in the materials folder: no folder part, nothing hidden, and
# nothing Windows would silently change (a trailing dot or space) or refuse (:*?"<>|), and no
# device name (CON, NUL, COM1, ... with any extension: see files/device_names.py).
MATERIAL_FILE_RE = re.compile(r'[^./\\:*?"<>|\x00-\x1f\x7f][^/\\:*?"<>|\x00-\x1f\x7f]{0,199}')


@dataclass(frozen=True)
class ScheduleItem:
    """A row of the schedule table: an event, its date or date range, who is responsible."""

    event: str
    start: dt.date
    end: dt.date | None
    responsible: str


def end_of(day: dt.date, at: dt.time | None) -> dt.datetime:
    """The last moment (a wall time of the study's zone) of a deadline: its minute included,
    23:59 when no time is given."""
    return dt.datetime.combine(day, at or DAY_END).replace(second=59, microsecond=999999)


@dataclass(frozen=True)
class Step:
    """One numbered step of a role, with its deadline and what to do.

    Times are wall times of the study's zone; `deadline_time` and `uploads_until_time` are None
    when the content gives a day only, which then ends at 23:59. `collects` (a coordinator's
    step) names the school step whose files every school of the region must have in.
    """

    id: str
    title: str
    deadline: dt.date
    what: tuple[str, ...]
    uploads_until: dt.date | None = None
    opens: dt.date | None = None
    deadline_time: dt.time | None = None
    uploads_until_time: dt.time | None = None
    results_form: str | None = None  # the name of a form of `results_forms:` (forms.py)
    collects: str | None = None

    @functools.cached_property
    def due(self) -> dt.datetime:
        """The deadline's last moment."""
        return end_of(self.deadline, self.deadline_time)

    @functools.cached_property
    def files_close(self) -> dt.datetime:
        """The last moment files are taken: `uploads_until`, or without one the deadline."""
        if self.uploads_until is None:
            return self.due
        return end_of(self.uploads_until, self.uploads_until_time)

    @property
    def files_until(self) -> tuple[dt.date, dt.time | None]:
        """The day (and time, if given) files are taken until, as the content gives it."""
        if self.uploads_until is None:
            return self.deadline, self.deadline_time
        return self.uploads_until, self.uploads_until_time

    def is_open(self, wall: dt.datetime) -> bool:
        """Whether the step's `opens` day has come (a step without one is open)."""
        return self.opens is None or wall.date() >= self.opens

    def accepts_uploads(self, wall: dt.datetime) -> bool:
        """Files are taken from the step's `opens` day up to its `files_close` moment."""
        return self.is_open(wall) and wall <= self.files_close


@dataclass(frozen=True)
class RoleGuide:
    """What one role must do: a summary and the steps."""

    summary: tuple[str, ...]
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step | None:
        return next((s for s in self.steps if s.id == step_id), None)


@dataclass(frozen=True)
class Material:
    """A file of the materials folder, for some roles (and regions) from a date on."""

    title: str
    file: str
    roles: frozenset[str]
    regions: frozenset[str]
    opens: dt.date | None
    line: int
    closes: dt.date | None = None

    def open_to(self, role: str, region: str, today: dt.date) -> bool:
        """Whether an account of this role and region may see it on this date.

        `opens` is the first day it is shown, `closes` the first day it is not any more.
        """
        if role not in self.roles or (self.regions and region not in self.regions):
            return False
        if self.closes is not None and self.closes <= today:
            return False
        return self.opens is None or self.opens <= today


@dataclass(frozen=True)
class Results:
    """The results the federal organizer returns (files of the results folder), from a day on."""

    opens: dt.date
    title: str

    def open_on(self, today: dt.date) -> bool:
        return today >= self.opens


@dataclass(frozen=True)
class NikoContent:
    """The whole НИКО tab content."""

    title: str
    round: str
    about: tuple[str, ...]
    schedule: tuple[ScheduleItem, ...]
    guides: dict[str, RoleGuide]
    materials: tuple[Material, ...] = ()
    publications: tuple[Publication, ...] = ()
    sample_step: str | None = None
    timezone: str = DEFAULT_ZONE
    opens: dt.date | None = None
    ends: dt.date | None = None
    results_forms: dict[str, FormSpec] = field(default_factory=dict)
    results: Results | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zone_of(self.timezone)

    def sample_deadline(self) -> dt.date | None:
        """The last day the coordinator may change the region's sample (its step's deadline)."""
        step = self.sample_deadline_step()
        return step.deadline if step else None

    def sample_deadline_step(self) -> Step | None:
        """The coordinator's step whose deadline closes the region's sample."""
        if self.sample_step is None:
            return None
        return self.guide(COORDINATOR).step(self.sample_step)

    def guide(self, role: str) -> RoleGuide:
        return self.guides[role]

    def material(self, file: str) -> Material | None:
        return next((m for m in self.materials if m.file == file), None)

    def form_of(self, step: Step) -> FormSpec | None:
        """The results form a step takes, or None (parse_content checked that it exists)."""
        return self.results_forms.get(step.results_form) if step.results_form else None


class ContentReader:
    """Collects problems while walking the node tree of one content file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.results_forms: dict[str, FormSpec] = {}  # read before the steps that name them
        self.collects: dict[str, yaml.Node] = {}  # step id -> its `collects:` node

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.path, line_of(node), message))

    def fields(
        self, node: yaml.Node, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, yaml.Node] | None:
        """The named fields of a mapping node; report unknown and missing ones."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{where}: нужен набор полей, а указано: {describe(node)}")
            return None
        found: dict[str, yaml.Node] = {}
        for key, key_node, value in mapping_items(node, self.path, self.problems):
            if key in required or key in optional:
                found[key] = value
            else:
                allowed = ", ".join(required + optional)
                self.problem(key_node, f"{where}: неизвестный ключ «{key}»: допустимы {allowed}")
        for key in required:
            if key not in found:
                self.problem(node, f"{where}: нет обязательного ключа «{key}»")
        return found

    def items(self, node: yaml.Node, where: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self.problem(node, f"{where}: нужен список, каждый пункт с новой строки и с «- »")
            return []
        return node.value

    def text(self, node: yaml.Node, field: str) -> str | None:
        return as_text(node, self.path, self.problems, field)

    def date(self, node: yaml.Node, field: str) -> dt.date | None:
        return as_date(node, self.path, self.problems, field)

    def moment(self, node: yaml.Node, field: str) -> tuple[dt.date, dt.time | None] | None:
        return as_moment(node, self.path, self.problems, field)

    def timezone(self, node: yaml.Node) -> str | None:
        name = self.text(node, "timezone")
        if name is None:
            return None
        try:
            zone_of(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            self.problem(
                node, f"timezone: неизвестный часовой пояс «{name}» (пишите так: Europe/Moscow)"
            )
            return None
        return name

    def schedule_item(self, node: yaml.Node) -> ScheduleItem | None:
        f = self.fields(node, "schedule", ("event", "date", "responsible"), ("until",))
        if f is None or len(f) < 3:
            return None
        event, start = self.text(f["event"], "event"), self.date(f["date"], "date")
        responsible = self.text(f["responsible"], "responsible")
        end = self.date(f["until"], "until") if "until" in f else None
        if start and end and end < start:
            self.problem(f["until"], "until: дата окончания раньше даты начала")
        if None in (event, start, responsible) or ("until" in f and end is None):
            return None
        return ScheduleItem(event, start, end, responsible)  # type: ignore[arg-type]

    def step(self, node: yaml.Node, seen: dict[str, int], role: str = SCHOOL) -> Step | None:
        f = self.fields(node, "step", STEP_KEYS, STEP_OPTIONAL)
        if f is None or not set(STEP_KEYS) <= f.keys():
            return None
        step_id = self.text(f["id"], "id")
        if step_id is not None:
            if STEP_ID_RE.fullmatch(step_id) is None:
                self.problem(
                    f["id"], f"id «{step_id}»: допустимы a-z, 0-9 и «-», не больше 40 символов"
                )
                step_id = None
            elif step_id in seen:
                self.problem(
                    f["id"], f"id шага «{step_id}» повторяется (впервые — в строке {seen[step_id]})"
                )
                step_id = None
            else:
                seen[step_id] = line_of(f["id"])
        title, due = self.text(f["title"], "title"), self.moment(f["deadline"], "deadline")
        what = self.text(f["what"], "what")
        until = self.moment(f["uploads_until"], "uploads_until") if "uploads_until" in f else None
        opens = self.date(f["opens"], "opens") if "opens" in f else None
        collects = self.text(f["collects"], "collects") if "collects" in f else None
        form_ok, form = True, None
        if "results_form" in f:
            form_ok, form = forms.step_form(
                self, f["results_form"], self.results_forms, role == SCHOOL
            )
        optional = (("uploads_until", until), ("opens", opens), ("collects", collects))
        if (
            None in (step_id, title, due, what)
            or not form_ok
            or any(key in f and value is None for key, value in optional)
        ):
            return None
        step = Step(
            step_id,  # type: ignore[arg-type]
            title,  # type: ignore[arg-type]
            due[0],  # type: ignore[index]
            paragraphs(what),  # type: ignore[arg-type]
            until[0] if until else None,
            opens,
            due[1],  # type: ignore[index]
            until[1] if until else None,
            form,
            collects,
        )
        if collects is not None:
            self.collects[step.id] = f["collects"]
        if opens is not None and opens > step.deadline:
            self.problem(f["opens"], "opens: шаг открывается позже своего срока (deadline)")
            return None
        if opens is not None and until is not None and opens > until[0]:
            self.problem(f["opens"], "opens: шаг открывается позже дня uploads_until")
            return None
        return step

    def guide(self, node: yaml.Node, role: str, seen: dict[str, int]) -> RoleGuide | None:
        f = self.fields(node, f"roles.{role}", ("summary", "steps"))
        if f is None or len(f) < 2:
            return None
        summary = self.text(f["summary"], "summary")
        steps = [
            self.step(n, seen, ROLE_KEYS[role])
            for n in self.items(f["steps"], f"roles.{role}.steps")
        ]
        if summary is None or not steps or None in steps:
            return None
        return RoleGuide(paragraphs(summary), tuple(steps))  # type: ignore[arg-type]

    def scalars(self, node: yaml.Node, field: str, example: str) -> list[yaml.ScalarNode] | None:
        """The items of a list of plain values, e.g. `[school, coordinator]`."""
        if (
            not isinstance(node, yaml.SequenceNode)
            or not node.value
            or not all(isinstance(n, yaml.ScalarNode) for n in node.value)
        ):
            self.problem(node, f"{field}: нужен список, например {example}")
            return None
        return node.value

    def roles(self, node: yaml.Node) -> frozenset[str] | None:
        items = self.scalars(node, "roles", "[school, coordinator]")
        if items is None:
            return None
        unknown = [n for n in items if n.value not in ROLE_KEYS]
        for item in unknown:
            self.problem(
                item, f"roles: неизвестная роль «{item.value}»: допустимы school и coordinator"
            )
        return None if unknown else frozenset(ROLE_KEYS[n.value] for n in items)

    def regions(self, node: yaml.Node) -> frozenset[str] | None:
        items = self.scalars(node, "regions", "['77', '78']")
        if items is None:
            return None
        bad = [n for n in items if REGION_RE.fullmatch(n.value) is None]
        for item in bad:
            self.problem(
                item, f"regions: «{item.value}» — не код региона из двух цифр, например '07'"
            )
        return None if bad else frozenset(n.value for n in items)

    def material_file(self, node: yaml.Node, seen: dict[str, int]) -> str | None:
        file = self.text(node, "file")
        if file is None:
            return None
        if MATERIAL_FILE_RE.fullmatch(file) is None or file.endswith((".", " ")):
            self.problem(
                node,
                f"file «{file}»: укажите только имя файла из папки материалов, без папок",
            )
            return None
        device = device_name_problem(file, "файл")
        if device is not None:
            self.problem(node, device)
            return None
        if file in seen:
            self.problem(node, f"файл «{file}» повторяется (впервые — в строке {seen[file]})")
            return None
        seen[file] = line_of(node)
        return file

    def material(self, node: yaml.Node, seen: dict[str, int]) -> Material | None:
        f = self.fields(
            node, "material", ("title", "file", "roles"), ("regions", "opens", "closes")
        )
        if f is None:
            return None
        title = self.text(f["title"], "title") if "title" in f else None
        file = self.material_file(f["file"], seen) if "file" in f else None
        roles = self.roles(f["roles"]) if "roles" in f else None
        regions = self.regions(f["regions"]) if "regions" in f else frozenset()
        opens = self.date(f["opens"], "opens") if "opens" in f else None
        closes = self.date(f["closes"], "closes") if "closes" in f else None
        if opens and closes and closes <= opens:
            self.problem(f["closes"], "closes: день закрытия должен быть позже дня открытия")
            return None
        if None in (title, file, roles, regions) or any(
            key in f and value is None for key, value in (("opens", opens), ("closes", closes))
        ):
            return None
        return Material(title, file, roles, regions, opens, line_of(node), closes)  # type: ignore[arg-type]

    def materials(self, node: yaml.Node) -> tuple[Material, ...]:
        if isinstance(node, yaml.SequenceNode) and not node.value:
            return ()
        seen: dict[str, int] = {}
        found = [self.material(n, seen) for n in self.items(node, "materials")]
        return tuple(m for m in found if m is not None)


def _sample_step(r: ContentReader, node: yaml.Node, guides: dict) -> str | None:
    """`sample_step:` must name a step of the coordinator (whose deadline closes the sample)."""
    step_id = r.text(node, "sample_step")
    coordinator = guides.get(COORDINATOR)
    if step_id is None or coordinator is None:
        return None
    if coordinator.step(step_id) is None:
        ids = ", ".join(s.id for s in coordinator.steps)
        r.problem(node, f"sample_step «{step_id}»: это не id шага координатора (допустимы: {ids})")
        return None
    return step_id


def _check_collects(r: ContentReader, guides: dict) -> None:
    """`collects:` belongs to a coordinator's step and names a step of the school."""
    coordinator, school = guides.get(COORDINATOR), guides.get(SCHOOL)
    if coordinator is None or school is None:
        return
    own = {s.id for s in coordinator.steps}
    for step_id, node in r.collects.items():
        if step_id not in own:
            r.problem(node, f"collects: ключ только для шагов координатора (шаг «{step_id}»)")
        elif school.step(node.value) is None:
            ids = ", ".join(s.id for s in school.steps)
            r.problem(node, f"collects «{node.value}»: это не id шага школы (допустимы: {ids})")


def _results(r: ContentReader, node: yaml.Node, study_opens: dt.date | None) -> Results | None:
    """`results: {opens, title}`: when the results come back and what they are called."""
    f = r.fields(node, "results", ("opens", "title"))
    if f is None or len(f) < 2:
        return None
    opens, title = r.date(f["opens"], "opens"), r.text(f["title"], "title")
    if opens is None or title is None:
        return None
    if study_opens is not None and opens < study_opens:
        r.problem(f["opens"], "opens: результаты не могут открыться раньше начала исследования")
        return None
    return Results(opens, title)


def parse_content(data: bytes, path: str) -> NikoContent:
    """Validate the bytes of a content file; raise Invalid listing every problem."""
    root = document(data, path)
    r = ContentReader(path)
    top = r.fields(
        root,
        "content",
        ("study", "schedule", "roles"),
        ("materials", "publications", "sample_step", "results_forms", "results"),
    )
    if top is None or not {"study", "schedule", "roles"} <= top.keys():
        raise Invalid(r.problems)
    study = r.fields(top["study"], "study", STUDY_KEYS, STUDY_OPTIONAL) or {}
    title = r.text(study["title"], "title") if "title" in study else None
    round_ = r.text(study["round"], "round") if "round" in study else None
    about = r.text(study["about"], "about") if "about" in study else None
    zone = r.timezone(study["timezone"]) if "timezone" in study else DEFAULT_ZONE
    opens = r.date(study["opens"], "opens") if "opens" in study else None
    ends = r.date(study["ends"], "ends") if "ends" in study else None
    if opens and ends and ends <= opens:
        r.problem(study["ends"], "ends: исследование должно заканчиваться позже дня начала")
    schedule = [r.schedule_item(n) for n in r.items(top["schedule"], "schedule")]
    if "results_forms" in top:
        r.results_forms = forms.read_all(r, top["results_forms"])
    guides: dict[str, RoleGuide | None] = {}
    roles = r.fields(top["roles"], "roles", tuple(ROLE_KEYS)) or {}
    seen: dict[str, int] = {}
    for key, node in roles.items():
        guides[ROLE_KEYS[key]] = r.guide(node, key, seen)
    materials = r.materials(top["materials"]) if "materials" in top else ()
    news = (
        publications.read_all(
            r,
            top["publications"],
            frozenset(m.file for m in materials),
            frozenset(ROLE_KEYS.values()),
        )
        if "publications" in top
        else ()
    )
    sample_step = _sample_step(r, top["sample_step"], guides) if "sample_step" in top else None
    _check_collects(r, guides)
    results = _results(r, top["results"], opens) if "results" in top else None
    if r.problems:
        raise Invalid(r.problems)
    return NikoContent(
        title=title,  # type: ignore[arg-type]
        round=round_,  # type: ignore[arg-type]
        about=paragraphs(about),  # type: ignore[arg-type]
        schedule=tuple(schedule),  # type: ignore[arg-type]
        guides=guides,  # type: ignore[arg-type]
        materials=materials,
        publications=news,
        sample_step=sample_step,
        timezone=zone,  # type: ignore[arg-type]
        opens=opens,
        ends=ends,
        results_forms=r.results_forms,
        results=results,
    )


def load_content(path: str | Path) -> NikoContent:
    """Read and validate a content file."""
    return parse_content(read_source(path), str(path))


def current_content() -> NikoContent:
    """The НИКО content of the app handling the current request."""
    return current_app.extensions["fisoko.content"]
