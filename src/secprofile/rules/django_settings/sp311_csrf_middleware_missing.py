from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    CSRF_MIDDLEWARE, confidence, has_sessions, judged, listed, middleware, missing_hit, setting_hit, unique, where,
)


@rule(
    code="SP311",
    slug="csrf-middleware-missing",
    title="CsrfViewMiddleware missing from MIDDLEWARE",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=352,
    control="csrf",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Add `\"django.middleware.csrf.CsrfViewMiddleware\"` to MIDDLEWARE (after SessionMiddleware) and exempt "
    "only the views that need it with `@csrf_exempt`.",
)
def csrf_middleware_missing(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings whose `MIDDLEWARE` (after every `+=`, `.append()` or `.remove()`
    of split settings) lacks `django.middleware.csrf.CsrfViewMiddleware` or a project subclass
    of it (Django's deploy check `security.W003`). High severity when the settings use
    sessions (cookie logins a forged request would carry); low when they do not.

    ## Why is this bad?
    Without the middleware no view checks the CSRF token: any page on the internet can make a
    logged-in visitor's browser POST to the site (change the e-mail address, transfer money,
    delete data) with the visitor's session cookie attached. `{% csrf_token %}` in the forms
    does nothing on its own.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ]
    ```

    ## Known problems
    Projects that protect every view with `@csrf_protect` individually, or that authenticate
    only with tokens in headers, are reported anyway (low severity without sessions); suppress
    with a reason. Per-view `@csrf_exempt` is a different rule (SP32x).

    ## References
    - https://docs.djangoproject.com/en/stable/howto/csrf/
    - https://docs.djangoproject.com/en/stable/ref/csrf/
    - https://cwe.mitre.org/data/definitions/352.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        items, setting = middleware(module)
        if listed(project, items, CSRF_MIDDLEWARE) is not False:
            continue
        sessions = has_sessions(project, module)
        severity = None if sessions else Severity.LOW
        tail = ("every state-changing view accepts cross-site requests carrying the session cookie" if sessions
                else "no view checks CSRF tokens (no sessions are configured, so cookie logins are unlikely)")
        if setting is None:
            hits.append(missing_hit(module, "MIDDLEWARE", f"MIDDLEWARE is not set in {where(module)}: {tail}",
                                    severity=severity, confidence=confidence(module, missing=True)))
        else:
            at = setting.removed_at(CSRF_MIDDLEWARE)
            message = f"{setting.name} of {where(module)} lacks CsrfViewMiddleware: {tail}"
            hits.append(setting_hit(module, setting, message, at=at, severity=severity, confidence=confidence(module)))
    yield from unique(hits)
