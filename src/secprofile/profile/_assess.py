"""The value an assessor returns, and how statuses combine."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

# Worst first: a row shows the worst status any framework reports for it.
_ORDER = ("disabled", "unprotected", "partial", "unknown", "protected", "not-applicable")


@dataclass(frozen=True)
class Assessment:
    status: str
    summary: str
    evidence: tuple[str, ...] = ()


def worst(statuses: Iterable[str]) -> str:
    return min(statuses, key=_ORDER.index, default="unknown")


def plural(count: int, noun: str, suffix: str = "s") -> str:
    return f"{count} {noun}{'' if count == 1 else suffix}"
