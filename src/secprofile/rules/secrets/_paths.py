"""Where a file sits: test code and development-only settings are judged differently.

Shared by the secrets, debug and password rules. Pure functions of the relative path
(and, for classes, of the class name); no state.
"""

from __future__ import annotations

import re

_TEST_DIRS = frozenset({"tests", "test", "testing", "__tests__", "test_utils", "testutils"})
_DEV_NAMES = frozenset({"dev", "development", "local", "test", "tests", "testing", "ci", "debug"})
_SETTINGS_DIRS = frozenset({"settings", "config", "configs", "conf", "envs", "environments", "configuration"})
_DEV_SETTINGS_FILE = re.compile(
    r"^(?:(?:settings|config|conf)[_.-]?(?:dev|development|local|test|testing|ci)"
    r"|(?:dev|development|local|test|testing|ci)[_.-]?(?:settings|config|conf)"
    r"|local_settings)$"
)
_DEV_CLASS = re.compile(
    r"(?:^|(?<=[a-z0-9_]))(?:Dev|Development|Local|Test|Testing|CI)(?=[A-Z_]|$)|^(?:dev|test|local)_"
)


def is_test_path(relpath: str) -> bool:
    """``tests/…``, ``test_*.py``, ``*_test.py``, ``tests.py`` and ``conftest.py``."""
    parts = relpath.split("/")
    name = parts[-1]
    stem = name[:-3] if name.endswith(".py") else name
    if any(part in _TEST_DIRS for part in parts[:-1]):
        return True
    return (stem.startswith("test_") or stem.endswith(("_test", "_tests")) or stem in ("tests", "conftest"))


def is_dev_settings_path(relpath: str) -> bool:
    """Settings used only in development or CI: ``settings/dev.py``, ``config/local.py``,
    ``settings_dev.py``, ``local_settings.py``."""
    parts = relpath.split("/")
    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    stem = stem.lower()
    if stem in _DEV_NAMES and len(parts) > 1 and parts[-2].lower() in _SETTINGS_DIRS:
        return True
    return bool(_DEV_SETTINGS_FILE.match(stem))


def is_dev_class(name: str) -> bool:
    """Configuration classes for development or tests: ``DevelopmentConfig``, ``TestSettings``."""
    return bool(_DEV_CLASS.search(name))


def is_non_production_path(relpath: str) -> bool:
    return is_test_path(relpath) or is_dev_settings_path(relpath)
