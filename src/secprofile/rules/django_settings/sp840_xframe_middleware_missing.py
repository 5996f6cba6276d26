from __future__ import annotations

from typing import Iterator

from secprofile.model.django_settings import SettingsModule
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    XFRAME_MIDDLEWARE, confidence, firm, judged, listed, lower, middleware, missing_hit, setting_hit, unique, where,
)

CSP_MIDDLEWARE = ("csp.middleware.CSPMiddleware", "django.middleware.csp.ContentSecurityPolicyMiddleware")


def csp_frame_ancestors(project, module: SettingsModule) -> bool:
    """A Content-Security-Policy with frame-ancestors (django-csp 3/4, Django 6) replaces X-Frame-Options."""
    items, _ = middleware(module)
    if not any(listed(project, items, m) for m in CSP_MIDDLEWARE):
        return False
    legacy = module.get("CSP_FRAME_ANCESTORS")
    if legacy is not None and not legacy.conditional:
        return True
    for name in ("CONTENT_SECURITY_POLICY", "SECURE_CSP"):
        policy = module.get(name)
        if firm(policy) and isinstance(policy.effective, dict):
            directives = policy.effective.get("DIRECTIVES", policy.effective)
            if isinstance(directives, dict) and "frame-ancestors" in directives:
                return True
    return False


def serves_html(module: SettingsModule) -> bool:
    apps = module.get("INSTALLED_APPS")
    templates = module.get("TEMPLATES")
    admin = apps is not None and isinstance(apps.effective, (list, tuple)) and any(
        isinstance(a, str) and a.startswith("django.contrib.admin") for a in apps.effective)
    return admin or (templates is not None and bool(templates.effective))


@rule(
    code="SP840",
    slug="xframe-middleware-missing",
    title="XFrameOptionsMiddleware missing from MIDDLEWARE",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=1021,
    control="clickjacking",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Add `\"django.middleware.clickjacking.XFrameOptionsMiddleware\"` to MIDDLEWARE "
    "(X_FRAME_OPTIONS defaults to \"DENY\").",
)
def xframe_middleware_missing(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings whose `MIDDLEWARE` lacks
    `django.middleware.clickjacking.XFrameOptionsMiddleware` (or a project subclass), unless a
    Content-Security-Policy with `frame-ancestors` is configured through django-csp or
    Django's CSP middleware. Django's deploy check `security.W002`. Lower confidence when the
    settings show no HTML at all (no admin, no TEMPLATES).

    ## Why is this bad?
    Without `X-Frame-Options` (or CSP `frame-ancestors`) any site can load the pages in an
    invisible iframe and trick a logged-in user into clicking real buttons: change settings,
    confirm a payment, delete an account (clickjacking).

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth"]
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ]
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth"]
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    ```

    ## Known problems
    Headers added by a proxy are not visible. A JSON-only API has nothing to frame; suppress
    with a reason. Per-view `@xframe_options_exempt` is SP85x.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/clickjacking/
    - https://cheatsheetseries.owasp.org/cheatsheets/Clickjacking_Defense_Cheat_Sheet.html
    - https://cwe.mitre.org/data/definitions/1021.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        items, setting = middleware(module)
        if listed(project, items, XFRAME_MIDDLEWARE) is not False or csp_frame_ancestors(project, module):
            continue
        html = serves_html(module)
        level = Confidence.HIGH if html else lower(lower(Confidence.HIGH))
        tail = "pages can be framed by any site (clickjacking)" + ("" if html else "; no HTML seen in the settings")
        if setting is None:
            hits.append(missing_hit(module, "MIDDLEWARE", f"MIDDLEWARE is not set in {where(module)}: no "
                                    f"X-Frame-Options header, {tail}",
                                    confidence=confidence(module, level, missing=True)))
        else:
            at = setting.removed_at(XFRAME_MIDDLEWARE)
            message = f"{setting.name} of {where(module)} lacks XFrameOptionsMiddleware: {tail}"
            hits.append(setting_hit(module, setting, message, at=at, confidence=confidence(module, level)))
    yield from unique(hits)
