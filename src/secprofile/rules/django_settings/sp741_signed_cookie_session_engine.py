from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import confidence, firm, judged, setting_hit, unique, where

SIGNED_COOKIES = "django.contrib.sessions.backends.signed_cookies"


@rule(
    code="SP741",
    slug="signed-cookie-session-engine",
    title="Sessions stored in signed cookies",
    severity=Severity.INFO,
    confidence=Confidence.HIGH,
    cwe=613,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    hint="Keep sessions on the server: `SESSION_ENGINE = \"django.contrib.sessions.backends.cached_db\"` "
    "(or `db`/`cache`).",
)
def signed_cookie_session_engine(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags `SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"` in settings that
    are not development-only.

    ## Why is this bad?
    The whole session travels to the client, signed but not encrypted: anything stored in it
    is readable by the user. Nothing is kept on the server, so a session cannot be revoked:
    logging out, changing the password or deactivating the account leaves every copied cookie
    valid until it expires (replay). A leaked `SECRET_KEY` lets anyone mint sessions for any
    user.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    ```

    ## Known problems
    Stateless sessions can be a deliberate trade-off (no session store to run); keep the
    session small, `SESSION_COOKIE_AGE` short and suppress with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/topics/http/sessions/#using-cookie-based-sessions
    - https://cwe.mitre.org/data/definitions/613.html
    """
    hits = []
    for module in judged(project, deploy_only=False):
        setting = module.get("SESSION_ENGINE")
        if firm(setting) and setting.effective == SIGNED_COOKIES:
            hits.append(setting_hit(module, setting, f"SESSION_ENGINE is signed_cookies in {where(module)}: session "
                                    "data is readable by the client and sessions cannot be revoked on logout",
                                    confidence=confidence(module, deploy=False)))
    yield from unique(hits)
