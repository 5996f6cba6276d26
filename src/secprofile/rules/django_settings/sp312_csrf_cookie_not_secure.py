from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    CSRF_MIDDLEWARE, confidence, firm, follows_debug, judged, listed, middleware, missing_hit, not_set, set_elsewhere,
    setting_hit, shown, truthy, unique, where,
)


@rule(
    code="SP312",
    slug="csrf-cookie-not-secure",
    title="CSRF cookie sent without the Secure flag",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    cwe=614,
    control="csrf",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Set `CSRF_COOKIE_SECURE = True` in production settings.",
)
def csrf_cookie_not_secure(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings with CsrfViewMiddleware where `CSRF_COOKIE_SECURE` is not true:
    not set (Django's default is `False`), `False`, or read from the environment with a false
    default (Django's deploy check `security.W016`). Not reported when the token lives in the
    session (`CSRF_USE_SESSIONS = True`), when the middleware is missing (SP311 covers it), or
    when the value follows a `DEBUG` that is itself reported.

    ## Why is this bad?
    A CSRF cookie that travels over plain HTTP can be read by a network attacker, and, worse,
    *set*: a man in the middle plants a token of their choosing and then forges requests that
    match it.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
    CSRF_COOKIE_SECURE = False
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
    CSRF_COOKIE_SECURE = True
    ```

    ## Known problems
    `CSRF_COOKIE_HTTPONLY` is not checked: it adds no protection (the token is in the page
    anyway) and single-page apps read the cookie by design.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/settings/#csrf-cookie-secure
    - https://cwe.mitre.org/data/definitions/614.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        items, _ = middleware(module)
        if listed(project, items, CSRF_MIDDLEWARE) is False:
            continue
        in_session = module.get("CSRF_USE_SESSIONS")
        if in_session is not None and (not firm(in_session) or truthy(in_session.effective)):
            continue
        setting = module.get("CSRF_COOKIE_SECURE")
        if setting is None:
            if set_elsewhere(module, "CSRF_COOKIE_SECURE", truthy):
                continue
            hits.append(missing_hit(module, "CSRF_COOKIE_SECURE",
                                    f"{not_set(module, 'CSRF_COOKIE_SECURE')} in {where(module)}: the CSRF cookie is "
                                    "also sent over plain HTTP", confidence=confidence(module, missing=True)))
        elif firm(setting) and not truthy(setting.effective) and not follows_debug(module, setting):
            hits.append(setting_hit(module, setting, f"CSRF_COOKIE_SECURE {shown(setting)} in {where(module)}: the "
                                    "CSRF cookie is also sent over plain HTTP", confidence=confidence(module)))
    yield from unique(hits)
