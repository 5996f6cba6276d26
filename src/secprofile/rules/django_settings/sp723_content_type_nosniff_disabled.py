from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    confidence, firm, judged, security_middleware_active, setting_hit, shown, truthy, unique, where,
)


@rule(
    code="SP723",
    slug="content-type-nosniff-disabled",
    title="X-Content-Type-Options: nosniff turned off",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    cwe=693,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Remove `SECURE_CONTENT_TYPE_NOSNIFF = False` (Django's default is True).",
)
def content_type_nosniff_disabled(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings that set `SECURE_CONTENT_TYPE_NOSNIFF` to a false value (or read
    it from the environment with a false default). Django has sent
    `X-Content-Type-Options: nosniff` by default since 3.0, so only an explicit opt-out is
    reported (Django's deploy check `security.W006`). Quiet when SecurityMiddleware is missing
    (SP720).

    ## Why is this bad?
    Without `nosniff` browsers guess the type of a response from its content. A user upload
    served as `text/plain` or `image/png` that contains HTML or JavaScript can then run as a
    page or a script in the site's origin (stored XSS through uploads).

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    SECURE_CONTENT_TYPE_NOSNIFF = False
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    ```

    ## Known problems
    A proxy that adds the header itself is not visible here.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/middleware/#x-content-type-options-nosniff
    - https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Content-Type-Options
    """
    hits = []
    for module in judged(project, deploy_only=True):
        if not security_middleware_active(project, module):
            continue
        setting = module.get("SECURE_CONTENT_TYPE_NOSNIFF")
        if firm(setting) and not truthy(setting.effective):
            hits.append(setting_hit(module, setting, f"SECURE_CONTENT_TYPE_NOSNIFF {shown(setting)} in "
                                    f"{where(module)}: browsers may sniff uploads into HTML or scripts",
                                    confidence=confidence(module)))
    yield from unique(hits)
