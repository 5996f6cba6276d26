from __future__ import annotations

import re
from typing import Iterator

from secprofile.model.django_settings import Setting, SettingsModule
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    CORS_MIDDLEWARE, confidence, firm, judged, listed, middleware, setting_hit, shown, truthy, unique, where,
)

ALLOW_ALL = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")
REGEXES = ("CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST")
ORIGINS = ("CORS_ALLOWED_ORIGINS", "CORS_ORIGIN_WHITELIST")
# Origins no sane allow-list admits: if a pattern matches them all, it matches any origin.
_PROBES = ("https://evil.test", "http://x.invalid", "https://a.b.example")  # short: bounded backtracking


def matches_any_origin(pattern: object) -> bool:
    if not isinstance(pattern, str):
        return False
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return all(compiled.match(probe) for probe in _PROBES)  # django-cors-headers uses re.match


def _open_setting(module: SettingsModule) -> tuple[Setting, str] | None:
    """The setting that opens CORS to any origin, with what it admits."""
    for name in ALLOW_ALL:
        setting = module.get(name)
        if firm(setting) and truthy(setting.effective):
            return setting, f"{name} {shown(setting)}: any origin"
    for name in REGEXES:
        setting = module.get(name)
        if firm(setting) and isinstance(setting.effective, (list, tuple)):
            for pattern in setting.effective:
                if matches_any_origin(pattern):
                    return setting, f"{name} contains {pattern!r}, which matches any origin"
    for name in ORIGINS:
        setting = module.get(name)
        if firm(setting) and isinstance(setting.effective, (list, tuple)) and any(
                isinstance(o, str) and o.strip().lower() == "null" for o in setting.effective):
            return setting, f"{name} admits the 'null' origin (any sandboxed iframe or file: page)"
    return None


@rule(
    code="SP832",
    slug="cors-allow-all-origins",
    title="django-cors-headers allows any origin",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=942,
    control="cors",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="List the front-end origins: `CORS_ALLOWED_ORIGINS = [\"https://app.example.com\"]` (anchored regexes "
    "in CORS_ALLOWED_ORIGIN_REGEXES for preview domains), and keep CORS_ALLOW_CREDENTIALS only if needed.",
)
def cors_allow_all_origins(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags django-cors-headers configured, in production settings, to accept any origin:
    `CORS_ALLOW_ALL_ORIGINS = True` (or the old `CORS_ORIGIN_ALLOW_ALL`), a pattern in
    `CORS_ALLOWED_ORIGIN_REGEXES` that matches any origin (`r"^.*$"`, `r"^https?://.+$"`), or
    the `null` origin in the allow-list. High severity with `CORS_ALLOW_CREDENTIALS = True`
    (the browser then sends cookies and lets the other site read the response); low without.
    Not reported when CorsMiddleware is absent from MIDDLEWARE (the settings then do nothing)
    or in development settings.

    ## Why is this bad?
    With credentials allowed, any web page a logged-in user visits can call the API as that
    user and read the answer: profile data, tokens, anything the session can see (a
    cross-origin read of the whole account). Without credentials the exposure is limited to
    what is public anyway, or reachable from the user's network (intranet APIs).

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["corsheaders"]
    MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", "django.middleware.common.CommonMiddleware"]
    CORS_ALLOW_ALL_ORIGINS = True
    CORS_ALLOW_CREDENTIALS = True
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["corsheaders"]
    MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", "django.middleware.common.CommonMiddleware"]
    CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://[a-z0-9-]+\\.preview\\.example\\.com$"]
    CORS_ALLOW_CREDENTIALS = True
    ```

    ## Known problems
    A public, read-only API without credentials may allow every origin on purpose (reported as
    low); suppress with a reason. Regexes that are too loose without matching *every* origin
    (an unanchored `r"https://.*example\\.com"`) are SP833's finding.

    ## References
    - https://github.com/adamchainz/django-cors-headers#configuration
    - https://portswigger.net/web-security/cors
    - https://cwe.mitre.org/data/definitions/942.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        items, _ = middleware(module)
        if listed(project, items, CORS_MIDDLEWARE) is False:
            continue
        found = _open_setting(module)
        if found is None:
            continue
        setting, what = found
        credentials = module.get("CORS_ALLOW_CREDENTIALS")
        with_cookies = firm(credentials) and truthy(credentials.effective)
        if with_cookies:
            message = (f"{what} in {where(module)}, with CORS_ALLOW_CREDENTIALS: any site can make logged-in "
                       "requests and read the responses")
        else:
            message = (f"{what} in {where(module)}; without credentials, only responses to anonymous requests "
                       "are exposed")
        hits.append(setting_hit(module, setting, message, severity=None if with_cookies else Severity.LOW,
                                confidence=confidence(module)))
    yield from unique(hits)
