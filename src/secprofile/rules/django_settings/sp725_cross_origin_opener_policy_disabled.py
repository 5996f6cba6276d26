from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    confidence, firm, judged, security_middleware_active, setting_hit, shown, unique, where,
)


@rule(
    code="SP725",
    slug="cross-origin-opener-policy-disabled",
    title="Cross-Origin-Opener-Policy turned off",
    severity=Severity.INFO,
    confidence=Confidence.HIGH,
    cwe=693,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Remove the override (Django's default is \"same-origin\"), or use \"same-origin-allow-popups\" "
    "where OAuth or payment pop-ups need it.",
)
def cross_origin_opener_policy_disabled(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings that set `SECURE_CROSS_ORIGIN_OPENER_POLICY` to `None` (no
    header) or `"unsafe-none"`. Django sends `same-origin` by default since 4.0, so only an
    explicit opt-out is reported. Quiet when SecurityMiddleware is missing (SP720).

    ## Why is this bad?
    Without COOP, a page the site opens in a pop-up, or a page that opened the site, shares a
    browsing context group with it: the other window keeps a handle it can navigate and use
    for cross-site leaks (XS-Leaks, tabnabbing), and the site cannot use process isolation.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    SECURE_CROSS_ORIGIN_OPENER_POLICY = None
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin-allow-popups"
    ```

    ## Known problems
    Sign-in and payment flows that rely on `window.opener` across origins need
    `same-origin-allow-popups` (or a per-view override); turning COOP off entirely is rarely
    needed.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/middleware/#cross-origin-opener-policy
    - https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Cross-Origin-Opener-Policy
    """
    hits = []
    for module in judged(project, deploy_only=True):
        if not security_middleware_active(project, module):
            continue
        setting = module.get("SECURE_CROSS_ORIGIN_OPENER_POLICY")
        if setting is None or not firm(setting):
            continue
        value = setting.effective
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "unsafe-none")):
            hits.append(setting_hit(module, setting, f"SECURE_CROSS_ORIGIN_OPENER_POLICY {shown(setting)} in "
                                    f"{where(module)}: no cross-origin window isolation",
                                    confidence=confidence(module)))
    yield from unique(hits)
