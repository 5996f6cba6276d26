from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    confidence, firm, judged, security_middleware_active, setting_hit, shown, unique, where,
)

_LEAKY = frozenset({"unsafe-url"})


def policies(value: object) -> list[str]:
    if isinstance(value, str):
        return [v.strip().lower() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)):
        return [v.strip().lower() for v in value if isinstance(v, str)]
    return []


@rule(
    code="SP724",
    slug="referrer-policy-disabled",
    title="Referrer-Policy header turned off or leaky",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    cwe=200,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Remove the override (Django's default is \"same-origin\") or use "
    "`SECURE_REFERRER_POLICY = \"strict-origin-when-cross-origin\"`.",
)
def referrer_policy_disabled(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings that set `SECURE_REFERRER_POLICY = None` (no header; Django's
    deploy check `security.W022`) or a policy whose last (effective) value is `unsafe-url`,
    which sends the full URL, query string included, to every other site. Django's default
    `same-origin` is not reported. Quiet when SecurityMiddleware is missing (SP720).

    ## Why is this bad?
    URLs carry secrets more often than they should: password-reset and e-mail confirmation
    tokens, search terms, object ids. A leaky referrer policy hands them to every third-party
    script, image host and outbound link the page loads.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    SECURE_REFERRER_POLICY = None
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
    ```

    ## Known problems
    Without the header modern browsers fall back to `strict-origin-when-cross-origin`, which
    is reasonable; the finding is about not relying on that and about older browsers.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/middleware/#referrer-policy
    - https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Referrer-Policy
    """
    hits = []
    for module in judged(project, deploy_only=True):
        if not security_middleware_active(project, module):
            continue
        setting = module.get("SECURE_REFERRER_POLICY")
        if setting is None or not firm(setting):
            continue
        value = setting.effective
        if value is None or value == "" or value == []:
            hits.append(setting_hit(module, setting, f"SECURE_REFERRER_POLICY {shown(setting)} in {where(module)}: "
                                    "no Referrer-Policy header is sent", confidence=confidence(module)))
        elif (found := policies(value)) and found[-1] in _LEAKY:
            hits.append(setting_hit(module, setting, f"SECURE_REFERRER_POLICY {shown(setting)} in {where(module)}: "
                                    "full URLs, query strings included, are sent to other sites",
                                    confidence=confidence(module)))
    yield from unique(hits)
