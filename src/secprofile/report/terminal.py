"""Human output: findings grouped by file with the code line and the fix, then the profile table."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from secprofile.findings import ScanResult

_COLOURS = {
    "critical": "\033[1;31m", "high": "\033[31m", "medium": "\033[33m", "low": "\033[36m", "info": "\033[2m",
    "protected": "\033[32m", "partial": "\033[33m", "unprotected": "\033[31m", "disabled": "\033[1;31m",
    "not-applicable": "\033[2m", "unknown": "\033[2m", "bold": "\033[1m", "dim": "\033[2m",
}
_RESET = "\033[0m"
_SEVERITIES = ("critical", "high", "medium", "low", "info")


def _sanitise(text: str) -> str:
    """Strip control characters so scanned code cannot drive the user's terminal."""
    return "".join(ch if ch.isprintable() or ch == "\t" else "?" for ch in text)


class _Painter:
    def __init__(self, colour: bool):
        self.colour = colour

    def __call__(self, text: str, style: str) -> str:
        return f"{_COLOURS[style]}{text}{_RESET}" if self.colour and style in _COLOURS else text


def render_terminal(result: ScanResult, colour: bool = False, show_profile: bool = True) -> str:
    paint = _Painter(colour)
    out: list[str] = []
    for path, group in groupby(result.findings, key=lambda f: f.location.path):
        out.append(paint(_sanitise(path), "bold"))
        for finding in group:
            loc = finding.location
            severity = finding.severity.value
            out.append(
                f"  {loc.line}:{loc.column}  {paint(finding.rule.code, severity)} "
                f"{paint(severity, severity)}/{finding.confidence.value}  {_sanitise(finding.message)}"
            )
            if finding.snippet.strip():
                out.append(paint(f"      {loc.line:>4} | {_sanitise(finding.snippet.strip())[:160]}", "dim"))
            if finding.hint:
                out.append(f"      fix: {_sanitise(finding.hint)}")
        out.append("")
    if show_profile:
        out.extend(_profile(result, paint))
    for skipped in result.skipped:
        out.append(paint(f"skipped {_sanitise(skipped.path)}: {_sanitise(skipped.reason)}", "dim"))
    out.append(_summary(result))
    return "\n".join(out) + "\n"


def _profile(result: ScanResult, paint: _Painter) -> list[str]:
    profile = result.profile
    lines = [paint(f"Security profile: {_sanitise(result.root)}", "bold")]
    frameworks = ", ".join(
        f"{name} {dict(profile.versions).get(name, '')}".strip() for name in profile.frameworks
    ) or "no FastAPI or Django code found"
    lines.append(f"  frameworks: {frameworks}")
    for name, value in profile.facts:
        lines.append(f"  {name}: {_sanitise(value)}")
    width = max((len(row.id) for row in profile.controls), default=10)
    lines.append("")
    lines.append(f"  {'control':<{width}}  {'status':<14}  findings  summary")
    lines.append(f"  {'-' * width}  {'-' * 14}  --------  {'-' * 40}")
    for row in profile.controls:
        status = paint(f"{row.status:<14}", row.status)
        lines.append(f"  {row.id:<{width}}  {status}  {len(row.findings):>8}  {_sanitise(row.summary)}")
    lines.append("")
    return lines


def _summary(result: ScanResult) -> str:
    counts = Counter(f.severity.value for f in result.findings)
    by_severity = ", ".join(f"{counts[s]} {s}" for s in _SEVERITIES if counts[s])
    total = len(result.findings)
    text = f"{total} finding{'s' if total != 1 else ''}"
    if by_severity:
        text += f" ({by_severity})"
    text += f" in {result.files_scanned} Python files, {result.lines_scanned} lines"
    if result.suppressed:
        text += f"; {result.suppressed} suppressed"
    if result.skipped:
        text += f"; {len(result.skipped)} skipped"
    return text
