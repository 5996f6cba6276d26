from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    confidence, firm, follows_debug, judged, lower, missing_hit, not_set, security_middleware_active, set_elsewhere,
    setting_hit, shown, truthy, unique, where,
)


@rule(
    code="SP722",
    slug="ssl-redirect-disabled",
    title="HTTP not redirected to HTTPS",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    cwe=319,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Set `SECURE_SSL_REDIRECT = True` in production settings (behind a TLS-terminating proxy also set "
    "`SECURE_PROXY_SSL_HEADER = (\"HTTP_X_FORWARDED_PROTO\", \"https\")`).",
)
def ssl_redirect_disabled(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings where `SECURE_SSL_REDIRECT` is not `True`: not set (Django's
    default is `False`), `False`, or read from the environment with a false default. Django's
    deploy check `security.W008`. Quiet when SecurityMiddleware is missing (SP720) and when the
    value follows a `DEBUG` that is itself reported (`SECURE_SSL_REDIRECT = not DEBUG`).

    ## Why is this bad?
    Without the redirect Django serves every page over plain HTTP as well: logins, session
    cookies without the Secure flag and CSRF tokens cross the network readable and changeable
    by anyone on the path (public Wi-Fi, a compromised router).

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    SECURE_SSL_REDIRECT = False
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    SECURE_SSL_REDIRECT = True
    ```

    ## Known problems
    A load balancer or reverse proxy that redirects HTTP to HTTPS itself makes the setting
    unnecessary; that is invisible to a static scan. When `SECURE_PROXY_SSL_HEADER` is set (a
    TLS-terminating proxy is in front) the finding has low confidence. Suppress with a reason
    (`# secprofile: ignore[SP722] the load balancer redirects`).

    ## References
    - https://docs.djangoproject.com/en/stable/ref/settings/#secure-ssl-redirect
    - https://docs.djangoproject.com/en/stable/topics/security/#ssl-https
    - https://cwe.mitre.org/data/definitions/319.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        if not security_middleware_active(project, module):
            continue
        behind_proxy = module.get("SECURE_PROXY_SSL_HEADER") is not None
        level = lower(Confidence.MEDIUM) if behind_proxy else Confidence.MEDIUM
        note = " (a proxy is declared by SECURE_PROXY_SSL_HEADER; if it redirects, suppress this)" if behind_proxy \
            else ""
        setting = module.get("SECURE_SSL_REDIRECT")
        if setting is None:
            if set_elsewhere(module, "SECURE_SSL_REDIRECT", truthy):
                continue
            hits.append(missing_hit(module, "SECURE_SSL_REDIRECT",
                                    f"{not_set(module, 'SECURE_SSL_REDIRECT')} in {where(module)}: plain HTTP is "
                                    f"served{note}", confidence=confidence(module, level, missing=True)))
        elif firm(setting) and not truthy(setting.effective) and not follows_debug(module, setting):
            hits.append(setting_hit(module, setting, f"SECURE_SSL_REDIRECT {shown(setting)} in {where(module)}: "
                                    f"plain HTTP is served{note}", confidence=confidence(module, level)))
    yield from unique(hits)
