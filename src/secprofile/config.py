"""Configuration: ``[tool.secprofile]`` in ``pyproject.toml``, then command-line overrides."""

from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SEVERITIES = ("info", "low", "medium", "high", "critical")
PRODUCTION_NAMES = ("production", "prod", "live", "deploy", "release")
DEVELOPMENT_NAMES = ("local", "dev", "development", "test", "tests", "testing", "ci", "debug")


class ConfigError(Exception):
    """A configuration problem the user must fix; the message says what and where."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ()  # codes or prefixes; empty means every stable rule
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    fail_on: str = "low"
    preview: bool = False
    cache: bool = True
    cache_dir: Path | None = None
    jobs: int = 0  # 0: one worker per core
    max_file_bytes: int = 2 * 1024 * 1024
    settings_modules: tuple[str, ...] = ()  # Django settings modules, dotted
    production_names: tuple[str, ...] = PRODUCTION_NAMES
    development_names: tuple[str, ...] = DEVELOPMENT_NAMES
    source: str = ""  # where the [tool.secprofile] table came from, for messages

    def selects(self, code: str, status: str = "stable") -> bool:
        if status == "preview" and not self.preview and not any(code == s for s in self.select):
            return False
        selected = not self.select or any(code.startswith(prefix) for prefix in self.select)
        ignored = any(code.startswith(prefix) for prefix in self.ignore)
        return selected and not ignored

    def ignored_in(self, path: str, code: str) -> bool:
        for pattern, codes in self.per_file_ignores:
            if fnmatch.fnmatch(path, pattern) and any(code.startswith(c) for c in codes):
                return True
        return False

    def with_overrides(self, **overrides) -> "Config":
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _strings(table: dict, key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return tuple(v.strip() for v in value)


def _codes(table: dict, key: str, where: str) -> tuple[str, ...]:
    return tuple(code.upper() for code in _strings(table, key, where))


def find_pyproject(root: Path) -> Path | None:
    start = root if root.is_dir() else root.parent
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(root: Path) -> Config:
    """Read ``[tool.secprofile]`` from the nearest ``pyproject.toml`` at or above ``root``."""
    pyproject = find_pyproject(root)
    if pyproject is None:
        return Config()
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{pyproject}: cannot read: {error}") from None
    table = data.get("tool", {}).get("secprofile")
    if table is None:
        return Config()
    where = f"{pyproject} [tool.secprofile]"
    known = {
        "select", "ignore", "exclude", "per-file-ignores", "fail-on", "preview", "settings-modules",
        "production-names", "development-names", "max-file-size",
    }
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    fail_on = table.get("fail-on", "low")
    if fail_on not in SEVERITIES + ("never",):
        raise ConfigError(f"{where}: 'fail-on' must be one of {', '.join(SEVERITIES)} or never")
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{where}: 'per-file-ignores' must be a table of glob = [codes]")
    config = Config(
        select=_codes(table, "select", where),
        ignore=_codes(table, "ignore", where),
        exclude=_strings(table, "exclude", where),
        per_file_ignores=tuple(
            (pattern, _codes(per_file, pattern, where)) for pattern in sorted(per_file)
        ),
        fail_on=fail_on,
        preview=bool(table.get("preview", False)),
        settings_modules=_strings(table, "settings-modules", where),
        production_names=_strings(table, "production-names", where) or PRODUCTION_NAMES,
        development_names=_strings(table, "development-names", where) or DEVELOPMENT_NAMES,
        source=str(pyproject),
    )
    if "max-file-size" in table:
        size = table["max-file-size"]
        if not isinstance(size, int) or size <= 0:
            raise ConfigError(f"{where}: 'max-file-size' must be a positive number of bytes")
        config = replace(config, max_file_bytes=size)
    return config


