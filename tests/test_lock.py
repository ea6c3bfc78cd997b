"""requirements-lock.txt stays the exact, hashed form of requirements.txt."""

from __future__ import annotations

import re

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from fisoko.settings import BASE_DIR


def _direct() -> list[Requirement]:
    lines = (BASE_DIR / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def _locked() -> dict[str, list[tuple[str, str]]]:
    text = re.sub(r"\\\n\s*", " ", (BASE_DIR / "requirements-lock.txt").read_text("utf-8"))
    locked: dict[str, list[tuple[str, str]]] = {}
    for line in text.splitlines():
        found = re.match(r"([\w.-]+)==(\S+)(.*)", line)
        if found:
            name, pinned, rest = found.groups()
            locked.setdefault(canonicalize_name(name), []).append((pinned, rest))
    return locked


def test_every_direct_requirement_is_locked_within_its_pin():
    locked = _locked()
    for requirement in _direct():
        versions = locked.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is not in requirements-lock.txt"
        for pinned, _ in versions:
            assert requirement.specifier.contains(pinned), f"{requirement.name}=={pinned}"


def test_every_locked_package_carries_hashes():
    for name, versions in _locked().items():
        for pinned, rest in versions:
            assert "--hash=sha256:" in rest, f"{name}=={pinned} has no hash"
