"""Find the files of a project: Python modules, templates and dependency pins.

Discovery never raises for what it finds on disk: unreadable directories,
symlink loops and oversized files become :class:`Skipped` entries with a reason.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

# Directory names never worth scanning: tooling state, dependencies, build output.
DEFAULT_EXCLUDED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", ".eggs",
        "__pycache__", "node_modules", "site-packages", "dist-packages",
        ".mypy_cache", ".pytest_cache", ".ruff_cache", ".secprofile_cache",
        "build", "dist", "migrations", "htmlcov",
    }
)
TEMPLATE_SUFFIXES = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".djhtml")
REQUIREMENT_NAMES = ("requirements.txt", "requirements.in", "pyproject.toml", "Pipfile", "setup.cfg")


@dataclass(frozen=True)
class Skipped:
    """A file or directory that was not analysed, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class FoundFile:
    """A file selected for analysis, by kind: ``python``, ``template`` or ``requirements``."""

    path: Path
    relpath: str
    kind: str


def _is_template(relpath: str) -> bool:
    if not relpath.endswith(TEMPLATE_SUFFIXES):
        return False
    parts = relpath.split("/")
    return "templates" in parts[:-1] or "jinja2" in parts[:-1]


def _kind_of(relpath: str) -> str | None:
    name = relpath.rsplit("/", 1)[-1]
    if name.endswith((".py", ".pyw")):
        return "python"
    if _is_template(relpath):
        return "template"
    if name in REQUIREMENT_NAMES or (name.startswith("requirements") and name.endswith(".txt")):
        return "requirements"
    return None


def _excluded(relpath: str, patterns: Sequence[str]) -> bool:
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(relpath, pattern) or fnmatch.fnmatch(relpath, pattern + "/*"):
            return True
        if "/" not in pattern and any(fnmatch.fnmatch(part, pattern) for part in relpath.split("/")):
            return True
    return False


def discover(root: Path, exclude: Sequence[str] = ()) -> tuple[list[FoundFile], list[Skipped]]:
    """Walk ``root`` and return the files to analyse plus the entries skipped.

    ``root`` may also be a single file. Results are sorted by relative path so
    that everything downstream is deterministic.
    """
    found: list[FoundFile] = []
    skipped: list[Skipped] = []
    if root.is_file():
        kind = _kind_of(root.name) or "python"
        return [FoundFile(root, root.name, kind)], []

    for path, relpath in _files(root, visited=set(), skipped=skipped, exclude=exclude):
        kind = _kind_of(relpath)
        if kind is not None:
            found.append(FoundFile(path, relpath, kind))
    found.sort(key=lambda f: f.relpath)
    skipped.sort(key=lambda s: (s.path, s.reason))
    return found, _dedupe(skipped)


def _dedupe(skipped: list[Skipped]) -> list[Skipped]:
    seen: set[Skipped] = set()
    unique = []
    for entry in skipped:
        if entry not in seen:
            seen.add(entry)
            unique.append(entry)
    return unique


def _files(
    root: Path, visited: set[tuple[int, int]], skipped: list[Skipped], exclude: Sequence[str]
) -> Iterable[tuple[Path, str]]:
    """Depth-first walk that follows directory symlinks once and reports loops.

    Works on strings (``os.scandir``) rather than ``pathlib``: on a warm scan,
    discovery is a large share of the run.
    """
    stack: list[tuple[str, str]] = [(os.fspath(root), "")]
    while stack:
        directory, rel = stack.pop()
        try:
            stat = os.stat(directory)
        except OSError as error:
            skipped.append(Skipped(rel or ".", f"cannot read directory: {error.strerror or error}"))
            continue
        key = (stat.st_dev, stat.st_ino)
        if key in visited:
            skipped.append(Skipped(rel, "symlink loop or duplicate directory link; not followed again"))
            continue
        visited.add(key)
        try:
            with os.scandir(directory) as iterator:
                entries = sorted(iterator, key=lambda e: e.name)
        except OSError as error:
            skipped.append(Skipped(rel or ".", f"cannot list directory: {error.strerror or error}"))
            continue
        subdirs = []
        for entry in entries:
            relpath = f"{rel}/{entry.name}" if rel else entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                if not _skip_directory(entry, relpath, exclude):
                    subdirs.append((entry.path, relpath))
                continue
            if _kind_of(relpath) is None or (exclude and _excluded(relpath, exclude)):
                continue
            try:
                if entry.is_symlink() and not os.path.exists(entry.path):
                    skipped.append(Skipped(relpath, "broken symlink"))
                    continue
            except OSError:
                continue
            yield Path(entry.path), relpath
        stack.extend(reversed(subdirs))


def _skip_directory(entry: os.DirEntry, relpath: str, exclude: Sequence[str]) -> bool:
    name = entry.name
    if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info"):
        return True
    if name.startswith(".") and name not in (".", ".."):
        return True
    if os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
        return True  # a virtualenv under any name
    return _excluded(relpath, exclude)
