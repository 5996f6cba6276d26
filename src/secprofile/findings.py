"""The scan's output values: findings, the security profile, and the result reporters receive."""

from __future__ import annotations

from dataclasses import dataclass, field

from secprofile.rules.base import Confidence, FlowStep, Rule, Severity
from secprofile.source.discovery import Skipped
from secprofile.source.location import Location

STATUSES = ("protected", "partial", "unprotected", "disabled", "not-applicable", "unknown")


@dataclass(frozen=True)
class Finding:
    rule: Rule
    location: Location
    message: str
    hint: str
    severity: Severity
    confidence: Confidence
    fingerprint: str
    symbol: str = ""
    flow: tuple[FlowStep, ...] = ()
    snippet: str = ""  # the source line at ``location.line``, for reporters
    cwe: int = 0  # the rule's CWE, or a more specific one for this finding

    def __post_init__(self) -> None:
        if not self.cwe:
            object.__setattr__(self, "cwe", self.rule.cwe)

    @property
    def code(self) -> str:
        return self.rule.code

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule.code, self.message)


@dataclass(frozen=True)
class ControlRow:
    id: str
    status: str
    summary: str
    findings: tuple[str, ...] = ()  # fingerprints
    evidence: tuple[str, ...] = ()  # short human-readable facts behind the status


@dataclass(frozen=True)
class Profile:
    frameworks: tuple[str, ...] = ()
    versions: tuple[tuple[str, str], ...] = ()  # pinned in requirements
    facts: tuple[tuple[str, str], ...] = ()  # routes, async share, ORMs, auth mechanisms ...
    controls: tuple[ControlRow, ...] = ()

    def control(self, control_id: str) -> ControlRow | None:
        for row in self.controls:
            if row.id == control_id:
                return row
        return None


@dataclass(frozen=True)
class ScanResult:
    root: str
    findings: tuple[Finding, ...]
    profile: Profile
    skipped: tuple[Skipped, ...] = ()
    files_scanned: int = 0
    lines_scanned: int = 0
    suppressed: int = 0
    rules: tuple[Rule, ...] = field(default=(), repr=False)

    def at_or_above(self, severity: str) -> tuple[Finding, ...]:
        if severity == "never":
            return ()
        floor = Severity(severity).rank
        return tuple(f for f in self.findings if f.severity.rank >= floor)
