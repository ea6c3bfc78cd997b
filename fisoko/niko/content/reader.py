"""What the content modules may ask of the content file's reader (`model.ContentReader`).

The parts of niko.yaml that live in their own modules (publications, results forms) take the
reader as a parameter; naming it here, not in model.py, keeps them from importing model.py,
which imports them.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import yaml

from fisoko.files.yaml_source import Problem


class Reader(Protocol):
    path: str
    problems: list[Problem]

    def problem(self, node: yaml.Node, message: str) -> None: ...
    def fields(
        self, node: yaml.Node, where: str, required: tuple[str, ...], optional: tuple[str, ...]
    ) -> dict[str, yaml.Node] | None: ...
    def items(self, node: yaml.Node, where: str) -> list[yaml.Node]: ...
    def text(self, node: yaml.Node, field: str) -> str | None: ...
    def date(self, node: yaml.Node, field: str) -> dt.date | None: ...
    def roles(self, node: yaml.Node) -> frozenset[str] | None: ...
    def regions(self, node: yaml.Node) -> frozenset[str] | None: ...
