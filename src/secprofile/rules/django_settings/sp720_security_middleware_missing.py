from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    SECURITY_MIDDLEWARE, confidence, judged, listed, middleware, missing_hit, setting_hit, unique, where,
)


@rule(
    code="SP720",
    slug="security-middleware-missing",
    title="SecurityMiddleware missing from MIDDLEWARE",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=693,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Put `\"django.middleware.security.SecurityMiddleware\"` first in MIDDLEWARE.",
)
def security_middleware_missing(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings whose `MIDDLEWARE` (after every `+=`, `.append()`, `.insert()`
    and `.remove()` of split settings) does not contain
    `django.middleware.security.SecurityMiddleware` or a project subclass of it, and
    production settings that set no `MIDDLEWARE` at all. Django's deploy check `security.W001`.
    A list with parts that cannot be read statically (`[*get_middleware()]`) is not reported.

    ## Why is this bad?
    SecurityMiddleware is what turns `SECURE_HSTS_SECONDS`, `SECURE_SSL_REDIRECT`,
    `SECURE_CONTENT_TYPE_NOSNIFF`, `SECURE_REFERRER_POLICY` and
    `SECURE_CROSS_ORIGIN_OPENER_POLICY` into behaviour. Without it none of those settings has
    any effect, whatever they say: no HTTPS redirect, no HSTS, no nosniff header. (The rules
    for those settings stay quiet while this one fires: one root cause, one finding.)

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    SECURE_SSL_REDIRECT = True
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
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    SECURE_SSL_REDIRECT = True
    ```

    ## Known problems
    Security headers added by a proxy or by a third-party middleware that is not a subclass of
    SecurityMiddleware are not recognised; suppress with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/middleware/#module-django.middleware.security
    - https://docs.djangoproject.com/en/stable/ref/checks/#security
    """
    hits = []
    for module in judged(project, deploy_only=True):
        items, setting = middleware(module)
        if listed(project, items, SECURITY_MIDDLEWARE) is not False:
            continue
        if setting is None:
            hits.append(missing_hit(module, "MIDDLEWARE", f"MIDDLEWARE is not set in {where(module)}: no "
                                    "SecurityMiddleware, so HSTS, HTTPS redirect and nosniff settings do nothing",
                                    confidence=confidence(module, missing=True)))
        else:
            at = setting.removed_at(SECURITY_MIDDLEWARE)
            message = (f"{setting.name} of {where(module)} lacks SecurityMiddleware: HSTS, HTTPS redirect, nosniff "
                       "and referrer-policy settings have no effect")
            hits.append(setting_hit(module, setting, message, at=at, confidence=confidence(module)))
    yield from unique(hits)
