"""Injection assessors: what the data-flow engine saw of raw SQL, HTML built in code and other sinks.

Counts come from every sink *site* the flow summaries recorded (tainted or not) and from the
findings of the flow rules; framework-neutral, so they apply to FastAPI and Django alike.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from secprofile.findings import Finding
from secprofile.flow import sink_sites
from secprofile.model.project import Project
from secprofile.profile._assess import Assessment, plural

# Sink classes of the other-injection control, with the words the summary uses.
_OTHER = {
    "command": "shell command", "code": "eval/exec", "template": "template source", "path": "file path",
    "archive": "archive extraction", "ssrf": "outgoing request", "redirect": "redirect",
    "deserialization": "deserialization",
}
_RULE_KIND = {"SP601": "command", "SP602": "code", "SP603": "path", "SP604": "ssrf", "SP605": "redirect",
              "SP606": "deserialization", "SP607": "template"}
_ORMS = ("sqlalchemy", "sqlmodel", "tortoise", "peewee", "pony", "mongoengine")


def _sites(project: Project, kinds) -> list[tuple[str, str, str, int]]:
    return [site for site in project.derived("flow-sites", sink_sites) if site[1] in kinds]


def _uses_orm(project: Project) -> str | None:
    for facts in project.python_files():
        if facts.imports_any("django.db") or facts.imports_any("rest_framework"):
            return "the Django ORM"
        for orm in _ORMS:
            if facts.imports_any(orm):
                return "SQLAlchemy" if orm in ("sqlalchemy", "sqlmodel") else orm
    return None


def sql_injection(project: Project, findings: list[Finding]) -> Assessment | None:
    sites = _sites(project, ("sql",))
    reached = [f for f in findings if f.rule.code == "SP501"]
    shapes = Counter(shape for _, _, shape, _ in sites)
    safe = shapes["parameterised"] + shapes["constant"]
    evidence = tuple(f"{path}:{line} ({shape})" for path, _, shape, line in sites[:5])
    if not sites and not reached:
        orm = _uses_orm(project)
        if orm is None:
            return None
        return Assessment("protected", f"no raw SQL: queries go through {orm}")
    summary = f"{safe} of {len(sites)} raw SQL quer{'y' if len(sites) == 1 else 'ies'} parameterised or constant"
    built = shapes["built"] + shapes["dynamic"]
    if reached:
        return Assessment("unprotected", f"{plural(len(reached), 'raw SQL sink')} reached by request data; {summary}",
                          evidence)
    if built:
        summary += f"; {built} built from values not traced to a request"
    return Assessment("protected", summary + "; none reached by request data", evidence)


def xss(project: Project, findings: list[Finding]) -> Assessment | None:
    sites = _sites(project, ("xss",))
    reached = [f for f in findings if f.rule.code == "SP420"]
    if not sites and not reached:
        return None
    if reached:
        return Assessment("unprotected", f"{plural(len(reached), 'HTML response')} built in code from unescaped "
                          f"request data (of {len(sites)} built in code)")
    return Assessment("protected", f"{plural(len(sites), 'HTML response')} built in code (HTMLResponse, "
                      "HttpResponse, Markup), none from unescaped request data")


def other_injection(project: Project, findings: list[Finding]) -> Assessment | None:
    if not any(True for _ in project.python_files()):
        return None
    sites = _sites(project, _OTHER)
    reached = Counter(_RULE_KIND.get(f.rule.code, "") for f in findings if f.rule.code in _RULE_KIND)
    kinds = Counter(kind for _, kind, _, _ in sites)
    if not sites and not reached:
        return Assessment("not-applicable", "no shell, eval, file, outgoing-request, redirect or deserialization "
                          "sinks in the code")
    present = ", ".join(f"{n} {_OTHER[k]}" for k, n in sorted(kinds.items()))
    total = sum(reached.values())
    if total:
        which = ", ".join(f"{n} {_OTHER.get(k, k)}" for k, n in sorted(reached.items()))
        return Assessment("unprotected", f"{total} of {plural(len(sites), 'dangerous sink')} reached by request "
                          f"data ({which}); sinks: {present}")
    return Assessment("protected", f"{plural(len(sites), 'dangerous sink')} ({present}), none reached by request "
                      "data")


ASSESSORS: dict[str, Callable[[Project, list[Finding]], Assessment | None]] = {
    "sql-injection": sql_injection,
    "xss": xss,
    "other-injection": other_injection,
}


def facts(project: Project) -> list[tuple[str, str]]:
    sites = project.derived("flow-sites", sink_sites)
    sql = [s for s in sites if s[1] == "sql"]
    if not sql:
        return []
    safe = sum(1 for s in sql if s[2] in ("parameterised", "constant"))
    return [("raw SQL queries", f"{len(sql)} ({safe} parameterised or constant)")]
