"""One self-contained HTML page: the profile table, then findings grouped by file.

Every piece of scanned text (paths, messages, code lines) goes through
``html.escape`` via :class:`_Builder`; no markup is built from user data by
string formatting, and the page loads nothing from the network.
"""

from __future__ import annotations

import html
from collections import Counter
from itertools import groupby

from secprofile import __version__
from secprofile.findings import ScanResult

_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:72rem;color:#1d232a;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dee4;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa}.muted{color:#57606a}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12.5px}
pre{background:#f6f8fa;padding:.4rem .6rem;margin:.3rem 0;overflow-x:auto;border-radius:4px}
.badge{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:12px;font-weight:600;white-space:nowrap}
.protected{background:#dafbe1;color:#116329}.partial{background:#fff8c5;color:#7d4e00}.unprotected{background:#ffebe9;color:#a40e26}
.disabled{background:#a40e26;color:#fff}.not-applicable,.unknown{background:#eaeef2;color:#57606a}
.critical{background:#a40e26;color:#fff}.high{background:#ffebe9;color:#a40e26}.medium{background:#fff8c5;color:#7d4e00}
.low{background:#ddf4ff;color:#0969da}.info{background:#eaeef2;color:#57606a}
.finding{border-left:3px solid #d8dee4;padding:.2rem .8rem;margin:.6rem 0}.file{margin-top:1.2rem;font-weight:600}
"""


class _Builder:
    """Appends escaped text and fixed markup; the only way this module produces HTML."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def raw(self, markup: str) -> None:
        self.parts.append(markup)  # only ever called with literals from this module

    def text(self, value: object) -> None:
        self.parts.append(html.escape(str(value), quote=True))

    def element(self, tag: str, value: object, css: str = "") -> None:
        self.raw(f'<{tag} class="{html.escape(css, quote=True)}">' if css else f"<{tag}>")
        self.text(value)
        self.raw(f"</{tag}>")

    def __str__(self) -> str:
        return "".join(self.parts)


def render_html(result: ScanResult) -> str:
    out = _Builder()
    out.raw('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    out.raw('<meta name="viewport" content="width=device-width, initial-scale=1">')
    out.raw("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">")
    out.raw("<title>")
    out.text(f"secprofile: {result.root}")
    out.raw(f"</title><style>{_STYLE}</style></head><body>")
    out.element("h1", f"secprofile report: {result.root}")
    counts = Counter(f.severity.value for f in result.findings)
    summary = ", ".join(f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low", "info") if counts[s])
    out.element("p", f"{len(result.findings)} findings ({summary or 'none'}) in {result.files_scanned} Python files, "
                     f"{result.lines_scanned} lines. secprofile {__version__}.", "muted")
    _profile(out, result)
    _findings(out, result)
    if result.skipped:
        out.element("h2", "Skipped")
        out.raw("<ul>")
        for entry in result.skipped:
            out.element("li", f"{entry.path}: {entry.reason}")
        out.raw("</ul>")
    out.raw("</body></html>\n")
    return str(out)


def _profile(out: _Builder, result: ScanResult) -> None:
    profile = result.profile
    out.element("h2", "Security profile")
    versions = dict(profile.versions)
    frameworks = ", ".join(f"{f} {versions.get(f, '')}".strip() for f in profile.frameworks) or "none detected"
    out.element("p", f"Frameworks: {frameworks}")
    if profile.facts:
        out.raw("<p class=\"muted\">")
        out.text("; ".join(f"{name}: {value}" for name, value in profile.facts))
        out.raw("</p>")
    out.raw("<table><thead><tr><th>Control</th><th>Status</th><th>Findings</th><th>Summary</th></tr></thead><tbody>")
    for row in profile.controls:
        out.raw("<tr>")
        out.element("td", row.id)
        out.raw("<td>")
        out.element("span", row.status, f"badge {row.status}")
        out.raw("</td>")
        out.element("td", len(row.findings))
        out.element("td", row.summary)
        out.raw("</tr>")
    out.raw("</tbody></table>")


def _findings(out: _Builder, result: ScanResult) -> None:
    out.element("h2", "Findings")
    if not result.findings:
        out.element("p", "No findings.", "muted")
        return
    for path, group in groupby(result.findings, key=lambda f: f.location.path):
        out.element("div", path, "file")
        for finding in group:
            loc = finding.location
            out.raw('<div class="finding">')
            out.element("span", finding.severity.value, f"badge {finding.severity.value}")
            out.raw(" ")
            out.element("code", f"{finding.rule.code} {finding.rule.slug}")
            out.raw(" ")
            out.element("span", f"line {loc.line} · CWE-{finding.cwe} · confidence {finding.confidence.value}",
                        "muted")
            out.element("div", finding.message)
            if finding.snippet.strip():
                out.element("pre", f"{loc.line:>4} | {finding.snippet.rstrip()}")
            for step in finding.flow:
                out.element("div", f"→ {step.location.path}:{step.location.line} {step.message}", "muted")
            if finding.hint:
                out.element("div", f"Fix: {finding.hint}", "muted")
            out.raw("</div>")
