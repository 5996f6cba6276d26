"""The fixture harness (DESIGN §10): fixtures annotate their own expectations.

- ``# expect: SP101`` — a finding of SP101 must cover this line;
- ``# ok: SP101`` — a near miss: no SP101 finding may cover this line;
- ``# known-fn: SP101`` — a documented false negative: fails once the rule starts finding it;
- ``# known-fp: SP101`` — a documented false positive: fails once the rule stops reporting it.

In templates the same annotations go in comments: ``{# expect: SP401 #}``.
A finding "covers" a line when the line lies in the finding's span (for a route:
the decorators through the ``def`` line). Every finding must be expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from secprofile import Config, scan

FIXTURES = Path(__file__).parent / "fixtures"
_ANNOTATION = re.compile(r"(?:#|\{#)\s*(expect|ok|known-fn|known-fp)\s*:\s*([A-Z]{2}\d{3}(?:\s*,\s*[A-Z]{2}\d{3})*)")
_SUFFIXES = (".py", ".html", ".htm", ".txt", ".jinja", ".jinja2", ".j2", ".toml", ".cfg")


@dataclass(frozen=True)
class Annotation:
    path: str
    line: int
    kind: str
    code: str


def annotations(root: Path, code: str) -> list[Annotation]:
    found = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix not in _SUFFIXES:
            continue
        rel = path.relative_to(root).as_posix()
        for number, text in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
            for match in _ANNOTATION.finditer(text):
                codes = [c.strip() for c in match.group(2).split(",")]
                if code in codes:
                    found.append(Annotation(rel, number, match.group(1), code))
    return found


def check_fixture(code: str, root: Path) -> list[str]:
    """Scan ``root`` with only ``code`` selected; return the list of problems (empty = pass)."""
    result = scan(root, Config(select=(code,), cache=False, jobs=1, preview=True))
    findings = [f for f in result.findings if f.rule.code == code]
    notes = annotations(root, code)
    problems = []

    def covering(note: Annotation):
        return [f for f in findings if f.location.path == note.path and f.location.line <= note.line <= f.location.last_line]

    explained = set()
    for note in notes:
        hits = covering(note)
        if note.kind == "expect":
            if not hits:
                problems.append(f"{note.path}:{note.line}: expected {code}, got nothing")
            explained.update(id(f) for f in hits)
        elif note.kind == "ok" and hits:
            problems.append(f"{note.path}:{note.line}: near miss reported: {hits[0].message}")
        elif note.kind == "known-fn" and hits:
            problems.append(f"{note.path}:{note.line}: known false negative now found; promote to expect")
        elif note.kind == "known-fp":
            if not hits:
                problems.append(f"{note.path}:{note.line}: known false positive gone; promote to ok")
            explained.update(id(f) for f in hits)
    for finding in findings:
        if id(finding) not in explained:
            loc = finding.location
            problems.append(f"{loc.path}:{loc.line}: unexpected {code}: {finding.message}")
    for skipped in result.skipped:
        problems.append(f"fixture file skipped: {skipped.path}: {skipped.reason}")
    return problems
