from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    XFRAME_MIDDLEWARE, confidence, firm, judged, listed, middleware, setting_hit, shown, unique, where,
)


@rule(
    code="SP841",
    slug="xframe-options-not-deny",
    title="X_FRAME_OPTIONS weaker than DENY",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=1021,
    control="clickjacking",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Use `X_FRAME_OPTIONS = \"DENY\"` (Django's default), or \"SAMEORIGIN\" only if the site frames "
    "its own pages; to allow specific sites use CSP frame-ancestors.",
)
def xframe_options_not_deny(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags production settings with XFrameOptionsMiddleware whose `X_FRAME_OPTIONS` is neither
    `DENY` nor `SAMEORIGIN` (`"ALLOWALL"`, `"ALLOW-FROM https://..."`, an empty string): browsers
    ignore such values, so pages can be framed by anyone (medium). `SAMEORIGIN` is reported as
    information, like Django's deploy check `security.W019`: it lets any page of the site frame
    any other, which matters when some page hosts user content.

    ## Why is this bad?
    An `X-Frame-Options` value that browsers do not understand is the same as no header:
    clickjacking is possible while the settings look protected. `ALLOW-FROM` was never
    supported by Chrome or Safari and is gone from Firefox.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.clickjacking.XFrameOptionsMiddleware"]
    X_FRAME_OPTIONS = "ALLOW-FROM https://partner.example.com"
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    MIDDLEWARE = ["django.middleware.clickjacking.XFrameOptionsMiddleware"]
    X_FRAME_OPTIONS = "DENY"
    ```

    ## Known problems
    Sites that embed their own pages (CMS previews, the Wagtail admin) need `SAMEORIGIN`; the
    informational finding can be suppressed with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/clickjacking/#setting-x-frame-options-for-all-responses
    - https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Frame-Options
    - https://cwe.mitre.org/data/definitions/1021.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        items, _ = middleware(module)
        if listed(project, items, XFRAME_MIDDLEWARE) is not True:
            continue  # missing middleware: SP840; unreadable list: no claim
        setting = module.get("X_FRAME_OPTIONS")
        if not firm(setting) or not isinstance(setting.effective, str):
            continue
        value = setting.effective.strip().upper()
        if value == "DENY":
            continue
        if value == "SAMEORIGIN":
            hits.append(setting_hit(module, setting, f"X_FRAME_OPTIONS {shown(setting)} in {where(module)}: any page "
                                    "of the site may frame the others", severity=Severity.INFO,
                                    confidence=confidence(module)))
        else:
            hits.append(setting_hit(module, setting, f"X_FRAME_OPTIONS {shown(setting)} in {where(module)}: browsers "
                                    "ignore this value, so any site can frame the pages",
                                    confidence=confidence(module)))
    yield from unique(hits)
