from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    confidence, firm, follows_debug, judged, missing_hit, not_set, security_middleware_active, set_elsewhere,
    setting_hit, shown, unique, where,
)


def hsts_seconds(value: object) -> int | None:
    """The max-age the setting produces (numeric strings count as numbers); None when unknowable."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip() or "0")
        except ValueError:
            return None
    if value is None:
        return 0
    return None


@rule(
    code="SP721",
    slug="hsts-not-enabled",
    title="HTTP Strict Transport Security not enabled",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    cwe=319,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Once the whole site is served over HTTPS: `SECURE_HSTS_SECONDS = 31536000`, "
    "`SECURE_HSTS_INCLUDE_SUBDOMAINS = True`, `SECURE_HSTS_PRELOAD = True` (start with a short max-age).",
)
def hsts_not_enabled(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings that do not send a `Strict-Transport-Security` header:
    `SECURE_HSTS_SECONDS` not set, `0`, or read from the environment with a default of 0.
    When HSTS is on but `SECURE_HSTS_INCLUDE_SUBDOMAINS` or `SECURE_HSTS_PRELOAD` is not
    `True`, it reports that once, as information. One finding per settings module covers
    Django's deploy checks `security.W004`, `W005` and `W021`.

    Quiet when SecurityMiddleware is missing (SP720 reports that root cause) and when the
    value follows a `DEBUG` that is itself reported (`SECURE_HSTS_SECONDS = 0 if DEBUG else ...`).

    ## Why is this bad?
    Without HSTS a browser that is sent to `http://` (a typed address, an old link, an attacker
    on the network downgrading the first request) talks plain HTTP before any redirect, which
    is enough to strip TLS and steal cookies that lack the Secure flag. With HSTS the browser
    refuses plain HTTP for the site for `max-age` seconds.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 0
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    ```

    ## Known problems
    A proxy or CDN that adds the header itself is not visible here; suppress with a reason.
    Enable HSTS only once every page (and, with includeSubDomains, every subdomain) is served
    over HTTPS: browsers remember it.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/middleware/#http-strict-transport-security
    - https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Strict-Transport-Security
    - https://cwe.mitre.org/data/definitions/319.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        if not security_middleware_active(project, module):
            continue
        seconds = module.get("SECURE_HSTS_SECONDS")
        if seconds is None:
            if set_elsewhere(module, "SECURE_HSTS_SECONDS", lambda v: bool(hsts_seconds(v))):
                continue
            hits.append(missing_hit(module, "SECURE_HSTS_SECONDS",
                                    f"{not_set(module, 'SECURE_HSTS_SECONDS')} in {where(module)}: HSTS is off",
                                    confidence=confidence(module, missing=True)))
            continue
        if not firm(seconds) or follows_debug(module, seconds):
            continue
        max_age = hsts_seconds(seconds.effective)
        if max_age is None:
            continue
        if max_age <= 0:
            hits.append(setting_hit(module, seconds, f"SECURE_HSTS_SECONDS {shown(seconds)} in {where(module)}: "
                                    "HSTS is off", confidence=confidence(module)))
            continue
        lacking = []
        for name, directive in (("SECURE_HSTS_INCLUDE_SUBDOMAINS", "includeSubDomains"),
                                ("SECURE_HSTS_PRELOAD", "preload")):
            flag = module.get(name)
            if flag is None or (firm(flag) and flag.effective is not True):
                lacking.append(directive)
        if lacking:
            why = ("subdomains can still be reached over plain HTTP" if "includeSubDomains" in lacking
                   else "the site cannot join the browsers' preload list, so a first visit is unprotected")
            hits.append(setting_hit(module, seconds, f"HSTS is on in {where(module)} but without "
                                    f"{' and '.join(lacking)} (SECURE_HSTS_INCLUDE_SUBDOMAINS / SECURE_HSTS_PRELOAD): "
                                    f"{why}", severity=Severity.INFO, confidence=confidence(module)))
    yield from unique(hits)
