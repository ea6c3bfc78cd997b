"""The project's imports: no cycle anywhere, and НИКО's parts import only downwards.

Imports are read with `ast` from every module of the project (those inside functions too), so a
cycle that Python would tolerate at run time by a late import still fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NIKO_PARTS = ("content", "exchange", "region", "tab")  # each may import only those before it


def module_files() -> dict[str, Path]:
    files = {p.stem: p for p in ROOT.glob("*.py")}
    for path in (ROOT / "fisoko").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        files[name] = path
    return files


def imported(path: Path, known: set[str]) -> set[str]:
    """The project modules a file imports, `from package import module` counted as the module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in known:
                    found.add(full)
                elif node.module in known:
                    found.add(node.module)
    return found


def graph() -> dict[str, set[str]]:
    files = module_files()
    return {name: imported(path, set(files)) for name, path in files.items()}


def cycle_in(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that ends where it starts, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(name: str) -> list[str] | None:
        if name in path:
            return path[path.index(name) :] + [name]
        if name in done:
            return None
        path.append(name)
        for target in sorted(edges.get(name, ())):
            if found := visit(target):
                return found
        path.pop()
        done.add(name)
        return None

    for start in sorted(edges):
        if found := visit(start):
            return found
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_in({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_graph_sees_the_project():
    edges = graph()
    assert "fisoko.niko.exchange.upload_store" in edges["fisoko.niko.exchange.upload_views"]
    assert "fisoko.niko" in edges["app"]


def test_no_import_cycle():
    assert cycle_in(graph()) is None


def test_niko_parts_import_only_downwards():
    wrong = []
    for name, targets in graph().items():
        if not name.startswith("fisoko.niko."):
            continue
        part = NIKO_PARTS.index(name.split(".")[2])
        for target in targets:
            if target.startswith("fisoko.niko.") and NIKO_PARTS.index(target.split(".")[2]) > part:
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_niko_is_its_parts_only():
    niko = ROOT / "fisoko" / "niko"
    assert sorted(p.name for p in niko.glob("*.py")) == ["__init__.py"]
    assert sorted(p.name for p in niko.iterdir() if (p / "__init__.py").is_file()) == sorted(
        NIKO_PARTS
    )


def test_niko_domain_modules_take_no_request():
    """Only the *views.py modules see the request; the rest is testable without HTTP."""
    taking = []
    for name, path in module_files().items():
        if not name.startswith("fisoko.niko.") or name.endswith("views"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
                used = {a.name for a in node.names} & {"request", "current_user", "Blueprint"}
                taking += [f"{name}: {u}" for u in sorted(used)]
    assert taking == []


def _type_checking_only(path: Path) -> set[str]:
    """Modules a file imports only under `if TYPE_CHECKING:` (for annotations, never run)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(test):
            for inner in node.body:
                if isinstance(inner, ast.ImportFrom) and inner.module:
                    found |= {inner.module, *(f"{inner.module}.{a.name}" for a in inner.names)}
    return found


def test_login_and_web_do_not_import_niko():
    """The login guard and the request plumbing sit below НИКО: the clock is `fisoko.clock`.

    An import under `if TYPE_CHECKING:` (a type in an annotation) does not count.
    """
    files = module_files()
    wrong = [
        f"{name} -> {target}"
        for name, targets in graph().items()
        if name.startswith(("fisoko.login", "fisoko.web"))
        for target in targets - _type_checking_only(files[name])
        if target.startswith("fisoko.niko")
    ]
    assert wrong == []


def test_type_checking_imports_are_told_apart(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from a.b import C\n"
        "from d import e\n",
        encoding="utf-8",
    )
    assert _type_checking_only(module) == {"a.b", "a.b.C"}
