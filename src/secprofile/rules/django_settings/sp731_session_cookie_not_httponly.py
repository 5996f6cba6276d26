from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    confidence, firm, has_sessions, judged, setting_hit, shown, truthy, unique, where,
)


@rule(
    code="SP731",
    slug="session-cookie-not-httponly",
    title="Session cookie readable by JavaScript",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=1004,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Remove `SESSION_COOKIE_HTTPONLY = False` (Django's default is True).",
)
def session_cookie_not_httponly(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings that use Django sessions and set `SESSION_COOKIE_HTTPONLY` to a
    false value (Django's default is `True`, so only an explicit opt-out is reported; deploy
    checks `security.W013`-`W015`). `CSRF_COOKIE_HTTPONLY = False` is *not* reported: it is
    Django's default, and reading the CSRF token from JavaScript is by design.

    ## Why is this bad?
    Any cross-site scripting bug, or any compromised third-party script, can then read
    `document.cookie` and send the session cookie away: a full account takeover that outlives
    the XSS.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
    SESSION_COOKIE_HTTPONLY = False
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
    ```

    ## Known problems
    A single-page app that reads the session id in JavaScript needs a different design (a
    token endpoint), not a readable session cookie.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/settings/#session-cookie-httponly
    - https://owasp.org/www-community/HttpOnly
    - https://cwe.mitre.org/data/definitions/1004.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        if not has_sessions(project, module):
            continue
        setting = module.get("SESSION_COOKIE_HTTPONLY")
        if firm(setting) and not truthy(setting.effective):
            hits.append(setting_hit(module, setting, f"SESSION_COOKIE_HTTPONLY {shown(setting)} in {where(module)}: "
                                    "scripts can read the session cookie", confidence=confidence(module)))
    yield from unique(hits)
