from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    confidence, firm, follows_debug, has_sessions, judged, missing_hit, not_set, set_elsewhere, setting_hit, shown,
    truthy, unique, where,
)


@rule(
    code="SP730",
    slug="session-cookie-not-secure",
    title="Session cookie sent without the Secure flag",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=614,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Set `SESSION_COOKIE_SECURE = True` in production settings.",
)
def session_cookie_not_secure(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings that use Django sessions (`django.contrib.sessions` installed or
    SessionMiddleware in MIDDLEWARE) while `SESSION_COOKIE_SECURE` is not `True`: not set
    (Django's default is `False`), `False`, or read from the environment with a false default.
    Django's deploy checks `security.W010`-`W012`. When the value follows a `DEBUG` that is
    itself reported (`SESSION_COOKIE_SECURE = not DEBUG`), the DEBUG finding covers it.

    ## Why is this bad?
    The session cookie *is* the login. Without the Secure flag the browser also sends it over
    plain HTTP: one request to `http://` (a link, a downgrade by someone on the network) and
    the session can be read off the wire and replayed.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
    SESSION_COOKIE_SECURE = False
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
    SESSION_COOKIE_SECURE = True
    ```

    ## Known problems
    A site served only over HTTPS with HSTS preloaded is less exposed, but the flag is still
    the reliable defence.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/settings/#session-cookie-secure
    - https://owasp.org/www-community/controls/SecureCookieAttribute
    - https://cwe.mitre.org/data/definitions/614.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        if not has_sessions(project, module):
            continue
        setting = module.get("SESSION_COOKIE_SECURE")
        if setting is None:
            if set_elsewhere(module, "SESSION_COOKIE_SECURE", truthy):
                continue
            hits.append(missing_hit(module, "SESSION_COOKIE_SECURE",
                                    f"{not_set(module, 'SESSION_COOKIE_SECURE')} in {where(module)}: the session "
                                    "cookie is also sent over plain HTTP",
                                    confidence=confidence(module, missing=True)))
        elif firm(setting) and not truthy(setting.effective) and not follows_debug(module, setting):
            hits.append(setting_hit(module, setting, f"SESSION_COOKIE_SECURE {shown(setting)} in {where(module)}: "
                                    "the session cookie is also sent over plain HTTP",
                                    confidence=confidence(module)))
    yield from unique(hits)
