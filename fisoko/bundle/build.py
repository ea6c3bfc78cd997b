"""Build the offline bundle: `python -m fisoko.bundle [--cache DIR] [--out DIR]`.

The zip holds the app as git tracks it (without tests, benchmarks, CI and developer files),
`wheels/` with every locked package for Windows x64 and Linux x86_64 and CPython 3.10–3.13,
and start.cmd and start.sh. The wheels come from the package index through pip, using a local
wheel cache first (`--cache`, default `FISOKO_WHEEL_CACHE`); with FISOKO_OFFLINE=1 the index is
not asked at all and the cache alone must hold them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
LOCK = "requirements-lock.txt"
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
# pip widens a manylinux tag to every older manylinux, so one tag covers glibc 2.17 and newer.
PLATFORMS = ("win_amd64", "manylinux_2_28_x86_64")
LEFT_OUT = ("tests/", "bench/", ".ci/", ".git", ".editorconfig", "docs/screenshots/")
SCRIPTS = {"start.cmd": b"\r\n", "start.sh": b"\n"}


class BuildError(Exception):
    """A bundle that could not be built, with the reason in Russian."""


def version(root: Path = ROOT) -> str:
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    return re.search(r'^version = "([^"]+)"', text, re.M).group(1)


def app_files(root: Path = ROOT) -> list[str]:
    """The files git tracks, minus what a school does not need."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=root, capture_output=True, check=True
    ).stdout.decode("utf-8")
    names = [n for n in listed.split("\0") if n and not n.startswith(LEFT_OUT)]
    return [n for n in names if (root / n).is_file()]


def target_environment(python: str, platform: str) -> dict[str, str]:
    """The marker values of CPython `python` on `platform`, as pip would see them there."""
    windows = platform.startswith("win")
    return {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "sys_platform": "win32" if windows else "linux",
        "platform_system": "Windows" if windows else "Linux",
        "os_name": "nt" if windows else "posix",
        "platform_machine": "AMD64" if windows else "x86_64",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }


def lock_for(python: str, platform: str, lock: Path) -> str:
    """The lock's entries whose markers hold on that Python and platform, hashes kept.

    pip evaluates a requirement's markers for the Python it runs on, not for `--python-version`,
    so a lock that forks by version is narrowed for each target here.
    """
    from packaging.markers import Marker

    env = target_environment(python, platform)
    entries = re.sub(r"\\\n\s*", " ", lock.read_text(encoding="utf-8")).splitlines()
    kept = []
    for entry in entries:
        entry = entry.split("#", 1)[0].strip()
        if not entry:
            continue
        spec, _, rest = entry.partition(" --hash")
        requirement, _, marker = spec.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate(env):
            continue
        kept.append(f"{requirement.strip()} --hash{rest}" if rest else requirement.strip())
    return "\n".join(kept) + "\n"


def _download(python: str, platform: str, dest: Path, cache: Path | None) -> None:
    narrowed = dest.parent / f"lock-{python}-{platform}.txt"
    narrowed.write_text(lock_for(python, platform, ROOT / LOCK), encoding="utf-8")
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check"]
    command += ["--only-binary=:all:", "--platform", platform, "--python-version", python]
    command += ["--implementation", "cp", "--require-hashes", "-r", str(narrowed)]
    command += ["-d", str(dest), "--retries", "1", "--timeout", "10"]
    if cache is not None and cache.is_dir():
        command += ["--find-links", str(cache)]
        if os.environ.get("FISOKO_OFFLINE") == "1":
            command += ["--no-index"]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise BuildError(
            f"Не удалось получить пакеты для Python {python} ({platform}):\n{done.stderr.strip()}"
        )


def wheels(dest: Path, cache: Path | None) -> None:
    """Every locked wheel for each Python and platform, in `dest` (and copied to the cache)."""
    dest.mkdir(parents=True, exist_ok=True)
    jobs = [(py, plat) for py in PYTHONS for plat in PLATFORMS]
    with ThreadPoolExecutor(4) as pool:
        for done in [pool.submit(_download, py, plat, dest, cache) for py, plat in jobs]:
            done.result()
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        for wheel in dest.glob("*.whl"):
            if not (cache / wheel.name).exists():
                shutil.copy2(wheel, cache / wheel.name)


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    archive.writestr(info, data)


def build(out: Path, cache: Path | None = None, root: Path = ROOT) -> Path:
    """Write dist/fisoko-local-<version>.zip and return its path."""
    top = f"fisoko-local-{version(root)}"
    target = out / f"{top}.zip"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        wheel_dir = Path(work) / "wheels"
        wheels(wheel_dir, cache)
        partial = out / f".{top}.zip.part"
        with zipfile.ZipFile(partial, "w") as archive:
            for name in app_files(root):
                _add(archive, f"{top}/{name}", (root / name).read_bytes())
            for wheel in sorted(wheel_dir.glob("*.whl")):
                archive.write(wheel, f"{top}/wheels/{wheel.name}", zipfile.ZIP_STORED)
            for script, newline in SCRIPTS.items():
                text = (HERE / script).read_bytes().replace(b"\r\n", b"\n")
                _add(archive, f"{top}/{script}", text.replace(b"\n", newline), executable=True)
        os.replace(partial, target)
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m fisoko.bundle",
        description="Собрать архив для компьютера без интернета: dist/fisoko-local-ВЕРСИЯ.zip.",
    )
    parser.add_argument("--out", default=str(ROOT / "dist"), help="папка для архива (dist/)")
    parser.add_argument(
        "--cache",
        default=os.environ.get("FISOKO_WHEEL_CACHE"),
        help="папка-кэш пакетов (FISOKO_WHEEL_CACHE); без доступа к индексу пакеты берутся из неё",
    )
    args = parser.parse_args(argv)
    try:
        target = build(Path(args.out), Path(args.cache) if args.cache else None)
    except BuildError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(1) from None
    size = target.stat().st_size / 1024 / 1024
    print(f"Готово: {target} ({size:.1f} МБ)")
