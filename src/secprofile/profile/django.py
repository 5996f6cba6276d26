"""Django/DRF assessors for the profile. Filled in by the Django work (issue #3)."""

from __future__ import annotations

ASSESSORS: dict = {}


def facts(project) -> list[tuple[str, str]]:
    return []
