"""Profile assessors; filled in by the issue that owns this area."""

from __future__ import annotations

ASSESSORS: dict = {}


def facts(project) -> list[tuple[str, str]]:
    return []
