"""Django/DRF/ninja assessors for the view-level side of the profile rows.

Settings-level evidence (middleware, cookie flags, TEMPLATES autoescape) comes from
``profile/django_settings.py``; rows take the worst status of both.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

from secprofile.findings import Finding
from secprofile.model.project import Project
from secprofile.profile._assess import Assessment, plural

_ACCESS_RULES = ("SP120", "SP121", "SP122")


def _views(project: Project):
    model = project.django
    if not model:
        return []
    return [v for v in model.views if v.routed or not model.has_urlconf]


def authentication(project: Project, findings: list[Finding]) -> Assessment | None:
    views = _views(project)
    if not views:
        return None
    model = project.django
    changing = [v for v in views if v.state_changing]
    flagged = {f.symbol for f in findings if f.rule.code in _ACCESS_RULES}
    missing = [v for v in changing if v.target in flagged]
    protected = [v for v in views if v.evidence]
    mechanisms = Counter(name.strip().rsplit(".", 1)[-1] for v in protected for e in v.evidence[:1]
                         for name in e.symbol.split(","))
    shown = ", ".join(name for name, _ in mechanisms.most_common(4))
    summary = f"{len(missing)} of {plural(len(changing), 'state-changing view')} have no login or permission check"
    summary += f"; {len(protected)} of {plural(len(views), 'view')} check access" + (f" ({shown})" if shown else "")
    if model.login_middleware:
        summary += "; LoginRequiredMiddleware on"
    evidence = tuple(f"{v.display} → {v.evidence[0].symbol.rsplit('.', 1)[-1]} ({v.evidence[0].level})"
                     for v in protected[:5])
    if findings:
        return Assessment("unprotected" if not protected else "partial", summary, evidence)
    if not protected:
        return Assessment("unknown", f"{plural(len(views), 'view')}, none checks who is asking; no state-changing "
                          "or private-data view needs it", evidence)
    return Assessment("protected", summary, evidence)


def authorization(project: Project, findings: list[Finding]) -> Assessment | None:
    views = _views(project)
    if not views:
        return None
    model = project.django
    owned = [v for v in views if v.evidence and any(
        (info := model.model(q.model)) is not None and info.user_owned for q in v.models if q.model)]
    if findings:
        status = "unprotected" if len(findings) >= max(1, len(owned)) else "partial"
        return Assessment(status, f"{plural(len(findings), 'object access', 'es')} not scoped to the requesting user "
                          f"(IDOR) across {plural(len(owned), 'authenticated view')} reading user-owned models")
    if not owned:
        return None
    return Assessment("protected", f"{plural(len(owned), 'authenticated view')} reading user-owned models scope "
                      "lookups to the user or check ownership")


def csrf(project: Project, findings: list[Finding]) -> Assessment | None:
    views = _views(project)
    forms = [form for facts in project.templates() if facts.template for form in facts.template.forms if form.posts]
    if not views and not forms:
        return None
    exempt = [v for v in project.django.views if v.decorator("csrf_exempt")] if project.django else []
    without = sum(1 for f in findings if f.rule.code == "SP321")
    parts = [f"{plural(len(exempt), 'csrf_exempt view')}"]
    if forms:
        parts.append(f"{without} of {plural(len(forms), 'POST form')} without {{% csrf_token %}}")
    summary = "; ".join(parts)
    if findings:
        high = any(f.severity.rank >= 3 for f in findings)
        return Assessment("unprotected" if high and not forms else "partial", summary)
    return Assessment("protected", summary)


def xss(project: Project, findings: list[Finding]) -> Assessment | None:
    templates = [f for f in project.templates() if f.template is not None]
    if not templates and not project.django:
        return None
    counts = Counter(f.rule.code for f in findings)
    parts = []
    if counts.get("SP401"):
        parts.append(f"{plural(counts['SP401'], '|safe output')}")
    if counts.get("SP402"):
        parts.append(f"{plural(counts['SP402'], 'autoescape-off block')}")
    if counts.get("SP403") or counts.get("SP404"):
        parts.append(f"{plural(counts.get('SP403', 0) + counts.get('SP404', 0), 'mark_safe/format_html misuse')}")
    scope = f"{plural(len(templates), 'template')}"
    if findings:
        ours = sum(counts.get(c, 0) for c in ("SP401", "SP402", "SP403", "SP404"))
        summary = (", ".join(parts) + f" in {scope}") if parts else f"{plural(len(findings), 'finding')}"
        return Assessment("partial" if ours < 4 else "unprotected", summary) if ours else None
    if not templates:
        return None
    return Assessment("protected", f"auto-escaping is not bypassed in {scope}")


def clickjacking(project: Project, findings: list[Finding]) -> Assessment | None:
    views = _views(project)
    if not views:
        return None
    exempt = [v for v in project.django.views if v.decorator("xframe_options_exempt")]
    if findings:
        verb = "opts" if len(findings) == 1 else "opt"
        return Assessment("partial", f"{plural(len(findings), 'view')} {verb} out of X-Frame-Options "
                          f"({', '.join(sorted({v.name for v in exempt})[:4])})")
    html = any("html" in code.responses for v in views for code in v.code) or any(
        v.kind == "class" and v.framework == "django" for v in views)
    if not html:
        return None
    return Assessment("protected", "no view opts out of X-Frame-Options")


def input_validation(project: Project, findings: list[Finding]) -> Assessment | None:
    model = project.django
    if not model:
        return None
    ours = [f for f in findings if f.rule.code in ("SP810", "SP811")]
    forms = sum(1 for cls in project.classes.values()
                if any(b.rsplit(".", 1)[-1] in ("ModelForm", "ModelSerializer", "HyperlinkedModelSerializer")
                       for b in cls.bases))
    if ours:
        return Assessment("partial" if forms > len(ours) else "unprotected",
                          f"{len(ours)} of {plural(forms, 'model form/serializer')} let requests write privileged "
                          "fields")
    if findings or not forms:
        return None
    return Assessment("protected", f"{plural(forms, 'model form/serializer')} list their fields")


def admin_panel(project: Project, findings: list[Finding]) -> Assessment | None:
    model = project.django
    if not model or not model.views and not model.admin_mounts:
        return None
    mounts = [m for m in model.admin_mounts if not m.debug_only]
    if not mounts:
        return Assessment("not-applicable", "the Django admin is not mounted")
    paths = ", ".join(sorted({m.path or "<dynamic>" for m in mounts}))
    if any(f.rule.code == "SP860" for f in findings):
        return Assessment("partial", f"admin at the default path {paths}")
    return Assessment("protected", f"admin at a non-default path ({paths})")


ASSESSORS: dict[str, Callable[[Project, list[Finding]], Assessment | None]] = {
    "authentication": authentication,
    "authorization": authorization,
    "csrf": csrf,
    "xss": xss,
    "clickjacking": clickjacking,
    "input-validation": input_validation,
    "admin-panel": admin_panel,
}


def facts(project: Project) -> list[tuple[str, str]]:
    model = project.django
    if not model:
        return []
    views = _views(project)
    result = []
    if views:
        drf = sum(1 for v in views if v.framework == "drf")
        ninja = sum(1 for v in views if v.framework == "ninja")
        extra = ", ".join(p for p in (f"{drf} DRF" if drf else "", f"{ninja} ninja" if ninja else "") if p)
        result.append(("django views", f"{len(views)}" + (f" ({extra})" if extra else "")))
    if model.root_urlconfs:
        result.append(("django urls", f"{plural(model.url_patterns, 'pattern')} from "
                       f"{', '.join(model.root_urlconfs[:3])}"))
    templates = sum(1 for f in project.templates() if f.template is not None)
    if templates:
        result.append(("templates", str(templates)))
    if model.drf_permissions is not None and any(v.framework == "drf" for v in views):
        names = ", ".join(n.rsplit(".", 1)[-1] for n in model.drf_permissions.names) or "(none)"
        result.append(("drf default permissions", f"{names} ({model.drf_permissions.source})"))
    return result
