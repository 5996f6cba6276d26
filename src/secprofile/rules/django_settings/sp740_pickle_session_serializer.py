from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import confidence, firm, judged, setting_hit, subclass_of, unique, where

PICKLE_SERIALIZERS = (
    "django.contrib.sessions.serializers.PickleSerializer",
    "django.core.signing.PickleSerializer",
)
SIGNED_COOKIES = "django.contrib.sessions.backends.signed_cookies"


def is_pickle_serializer(project, dotted: object) -> bool:
    if not isinstance(dotted, str):
        return False
    return dotted in PICKLE_SERIALIZERS or dotted.rsplit(".", 1)[-1] == "PickleSerializer" \
        or subclass_of(project, dotted, PICKLE_SERIALIZERS)


@rule(
    code="SP740",
    slug="pickle-session-serializer",
    title="Sessions serialized with pickle",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=502,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    hint="Use the default JSON serializer: remove SESSION_SERIALIZER or set "
    "`SESSION_SERIALIZER = \"django.contrib.sessions.serializers.JSONSerializer\"`.",
)
def pickle_session_serializer(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags `SESSION_SERIALIZER` set to Django's `PickleSerializer` (removed in Django 5.0,
    still common in 3.x/4.x code) or to a project class derived from it, in any settings that
    are not development-only. High severity together with
    `SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"`.

    ## Why is this bad?
    Unpickling runs code. Whoever can put bytes into the session store can execute code on the
    server: with signed-cookie sessions that is anyone who learns `SECRET_KEY` (a leaked
    `.env`, a default key, a debug page); with cache or database sessions, anyone who can write
    to the cache or the table.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    SESSION_SERIALIZER = "django.contrib.sessions.serializers.PickleSerializer"
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    SESSION_SERIALIZER = "django.contrib.sessions.serializers.JSONSerializer"
    ```

    ## Known problems
    A custom serializer that uses pickle without deriving from PickleSerializer is not
    recognised.

    ## References
    - https://docs.djangoproject.com/en/4.2/topics/http/sessions/#session-serialization
    - https://cwe.mitre.org/data/definitions/502.html
    """
    hits = []
    for module in judged(project, deploy_only=False):
        setting = module.get("SESSION_SERIALIZER")
        if not firm(setting) or not is_pickle_serializer(project, setting.effective):
            continue
        engine = module.get("SESSION_ENGINE")
        signed = firm(engine) and engine.effective == SIGNED_COOKIES
        if signed:
            message = (f"SESSION_SERIALIZER is PickleSerializer with signed-cookie sessions in {where(module)}: anyone "
                       "who learns SECRET_KEY can send a cookie that runs code on the server")
        else:
            message = (f"SESSION_SERIALIZER is PickleSerializer in {where(module)}: whoever can write to the session "
                       "store can run code on the server")
        hits.append(setting_hit(module, setting, message, severity=Severity.HIGH if signed else None,
                                confidence=confidence(module, deploy=False)))
    yield from unique(hits)
