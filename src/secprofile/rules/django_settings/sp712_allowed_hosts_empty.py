from __future__ import annotations

from typing import Iterator

from secprofile.model.values import FromEnv
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    confidence, debug_enabled, firm, judged, missing_hit, not_set, set_elsewhere, setting_hit, unique, where,
)


@rule(
    code="SP712",
    slug="allowed-hosts-empty",
    title="ALLOWED_HOSTS empty with DEBUG off",
    severity=Severity.INFO,
    confidence=Confidence.MEDIUM,
    cwe=665,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="List the production host names: `ALLOWED_HOSTS = [\"www.example.com\"]`, or read them from the "
    "environment: `ALLOWED_HOSTS = env.list(\"ALLOWED_HOSTS\")`.",
)
def allowed_hosts_empty(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings where `DEBUG` is off and `ALLOWED_HOSTS` is an empty literal or
    not set at all (Django's default is `[]`). This is Django's deploy check `security.W020`.
    A list read from the environment (even with an empty default) is the intended pattern and
    is not reported.

    ## Why is this bad?
    It fails closed: Django answers every request with 400 Bad Request. The risk is the fix
    that follows under pressure, `ALLOWED_HOSTS = ["*"]`, which opens Host-header poisoning
    (see SP711). Configure the real host names before the first deployment.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    DEBUG = False
    ALLOWED_HOSTS = []
    ```

    ## Use instead
    ```python
    import environ

    env = environ.Env()
    ROOT_URLCONF = "mysite.urls"
    DEBUG = False
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
    ```

    ## Known problems
    Informational: an empty list is safe, only unusable. Hosts added at runtime (a
    `settings.ALLOWED_HOSTS.append(...)` in an AppConfig) are not seen.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/settings/#allowed-hosts
    - https://docs.djangoproject.com/en/stable/ref/checks/#security
    """
    hits = []
    for module in judged(project, deploy_only=True):
        debug = module.get("DEBUG")
        if debug is not None and not firm(debug):
            continue  # DEBUG unknown or conditional: cannot say it is off
        if debug_enabled(module):
            continue
        setting = module.get("ALLOWED_HOSTS")
        if setting is None:
            if set_elsewhere(module, "ALLOWED_HOSTS", bool):
                continue
            hits.append(missing_hit(module, "ALLOWED_HOSTS",
                                    f"{not_set(module, 'ALLOWED_HOSTS')} in {where(module)} while DEBUG is off: "
                                    "Django rejects every request until hosts are listed",
                                    confidence=confidence(module, Confidence.MEDIUM, missing=True)))
        elif firm(setting) and not isinstance(setting.value, FromEnv) and setting.effective in ([], (), ""):
            hits.append(setting_hit(module, setting,
                                    f"ALLOWED_HOSTS is empty in {where(module)} while DEBUG is off: "
                                    "Django rejects every request until hosts are listed",
                                    confidence=confidence(module, Confidence.MEDIUM)))
    yield from unique(hits)
