"""The security profile: one row per control, with a status, a summary and the evidence.

Each framework contributes an *assessor* per control (``profile/fastapi.py``,
``profile/django.py``): a function of the project and of that control's
findings returning an :class:`Assessment`, or ``None`` where it has nothing to
say. Rows combine the assessments of every framework present (worst status
first) and fall back to the findings alone.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

from secprofile.findings import ControlRow, Finding, Profile
from secprofile.model.project import Project
from secprofile.profile._assess import Assessment, worst
from secprofile.profile import django as django_profile
from secprofile.profile import django_settings as django_settings_profile
from secprofile.profile import fastapi as fastapi_profile
from secprofile.profile import injection as injection_profile
from secprofile.rules.base import CONTROLS

__all__ = ["Assessment", "build_profile"]

_SOURCES = (fastapi_profile, django_profile, django_settings_profile, injection_profile)
_ASSESSORS = tuple(source.ASSESSORS for source in _SOURCES)


def build_profile(project: Project, findings: Sequence[Finding]) -> Profile:
    by_control: dict[str, list[Finding]] = {control: [] for control in CONTROLS}
    for finding in findings:
        if finding.rule.control in by_control:
            by_control[finding.rule.control].append(finding)
    rows = []
    for control in CONTROLS:
        related = by_control[control]
        assessments = [
            assessment
            for table in _ASSESSORS
            if control in table
            for assessment in [table[control](project, related)]
            if assessment is not None
        ]
        rows.append(_row(control, related, assessments))
    return Profile(
        frameworks=project.frameworks,
        versions=tuple(sorted((k, v) for k, v in project.pinned_versions().items() if k in _PINNED_OF_INTEREST)),
        facts=_facts(project),
        controls=tuple(rows),
    )


_PINNED_OF_INTEREST = frozenset(
    {"fastapi", "starlette", "django", "djangorestframework", "pydantic", "sqlalchemy", "uvicorn",
     "django-cors-headers", "python-jose", "pyjwt", "passlib", "bcrypt", "argon2-cffi", "fastapi-users",
     "django-environ", "python-decouple", "sqlmodel", "django-ninja", "itsdangerous", "jinja2"}
)


def _row(control: str, findings: list[Finding], assessments: list[Assessment]) -> ControlRow:
    fingerprints = tuple(f.fingerprint for f in findings)
    if assessments:
        status = worst(a.status for a in assessments)
        summary = "; ".join(a.summary for a in assessments if a.summary)
        evidence = tuple(e for a in assessments for e in a.evidence)
        if findings and status in ("protected", "not-applicable", "unknown"):
            status = "partial"
        return ControlRow(control, status, summary or _count_summary(findings), fingerprints, evidence)
    if findings:
        return ControlRow(control, "unprotected", _count_summary(findings), fingerprints)
    return ControlRow(control, "unknown", "no evidence either way in the scanned code")


def _count_summary(findings: list[Finding]) -> str:
    counts = Counter(f.rule.title for f in findings)
    parts = [f"{n} × {title}" if n > 1 else title for title, n in sorted(counts.items())]
    return f"{len(findings)} finding{'s' if len(findings) != 1 else ''}: " + ", ".join(parts)


def _facts(project: Project) -> tuple[tuple[str, str], ...]:
    facts: list[tuple[str, str]] = []
    for source in _SOURCES:
        facts.extend(source.facts(project))
    return tuple(facts)
