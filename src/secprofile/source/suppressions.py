"""Inline suppression comments: ``# secprofile: ignore[SP101] reason`` and Bandit's ``# nosec``."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SECPROFILE = re.compile(r"#\s*secprofile\s*:\s*ignore(?:\[([^\]]*)\])?(.*)$", re.I)
_NOSEC = re.compile(r"#\s*nosec\b(?::?\s*([A-Za-z0-9_,\s]*))?", re.I)
# Ruff's flake8-bandit port names Bandit's checks S###: ``# noqa: S308`` is ``# nosec B308``.
_NOQA = re.compile(r"#\s*noqa\s*:\s*([A-Za-z0-9_,\s]*)", re.I)
_TEMPLATE = re.compile(r"\{#\s*secprofile\s*:\s*ignore\[([^\]]*)\](.*?)#\}", re.I)


@dataclass(frozen=True)
class Suppression:
    line: int
    codes: tuple[str, ...]  # empty: every code (only Bandit's bare ``# nosec``)
    reason: str
    kind: str  # "secprofile", "nosec" or "malformed"


def find_suppressions(lines: list[str], template: bool = False) -> tuple[Suppression, ...]:
    found = []
    for number, text in enumerate(lines, start=1):
        if "secprofile" not in text and "nosec" not in text and "noqa" not in text:
            continue
        match = (_TEMPLATE if template else _SECPROFILE).search(text)
        if match:
            codes = tuple(c.strip().upper() for c in (match.group(1) or "").split(",") if c.strip())
            reason = match.group(2).strip(" -:#}").strip()
            found.append(Suppression(number, codes, reason, "secprofile" if codes else "malformed"))
            continue
        match = _NOSEC.search(text) if not template else None
        if match:
            codes = tuple(c.upper() for c in re.findall(r"\b[Bb]\d{3}\b", match.group(1) or ""))
            found.append(Suppression(number, codes, "", "nosec"))
            continue
        match = _NOQA.search(text) if not template else None
        if match:
            codes = tuple("B" + c[1:] for c in re.findall(r"\bS\d{3}\b", (match.group(1) or "").upper()))
            if codes:  # a bare ``# noqa`` or other linters' codes say nothing about security findings
                found.append(Suppression(number, codes, "", "nosec"))
    return tuple(found)
