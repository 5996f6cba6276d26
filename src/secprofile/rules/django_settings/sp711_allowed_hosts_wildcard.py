from __future__ import annotations

from typing import Iterator

from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import confidence, firm, judged, setting_hit, shown, unique, where


def wildcard_hosts(value: object) -> list[str]:
    """Patterns of ALLOWED_HOSTS that accept any host (``*``) or a whole top-level domain (``.com``)."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)):
        return []
    found = []
    for item in value:
        if not isinstance(item, str):
            continue
        pattern = item.strip().lower()
        if pattern == "*":
            found.append(item.strip())
        elif pattern.startswith(".") and len(pattern) > 1 and "." not in pattern[1:] and pattern != ".*":
            found.append(item.strip())  # ".com": every host under the TLD
    return found


@rule(
    code="SP711",
    slug="allowed-hosts-wildcard",
    title="ALLOWED_HOSTS accepts any host",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=183,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="List the site's host names: `ALLOWED_HOSTS = [\"blog.example.com\"]` (or read them from the "
    "environment with no wildcard default); let the load balancer's health check send a real Host header.",
)
def allowed_hosts_wildcard(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags `ALLOWED_HOSTS` in production settings that contains `"*"` (any host), or a pattern
    such as `".com"` that matches every host of a top-level domain, including wildcards that
    come from an environment default (`env.list("ALLOWED_HOSTS", default=["*"])`,
    `os.environ.get("ALLOWED_HOSTS", "*").split(",")`). Django's own deploy check only
    complains when the list is empty.

    ## Why is this bad?
    `ALLOWED_HOSTS` is Django's defence against Host-header attacks. With a wildcard,
    `request.get_host()` and `build_absolute_uri()` trust whatever Host the client sends:
    password-reset e-mails then carry links to the attacker's domain (the victim clicks, the
    attacker receives the token), and shared caches can be poisoned with the attacker's host.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    DEBUG = False
    ALLOWED_HOSTS = ["*"]
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    DEBUG = False
    ALLOWED_HOSTS = ["www.example.com", ".api.example.com"]
    ```

    ## Known problems
    A proxy that rewrites or validates the Host header before it reaches Django makes the
    wildcard harmless; the setting still defeats Django's own check, so fix it there too.
    `".*"` is not reported: Django treats it as a literal domain suffix, not as a regex, so it
    matches no real host.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/settings/#allowed-hosts
    - https://docs.djangoproject.com/en/stable/topics/security/#host-header-validation
    - https://cwe.mitre.org/data/definitions/183.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        setting = module.get("ALLOWED_HOSTS")
        if not firm(setting):
            continue
        patterns = wildcard_hosts(setting.effective)
        if not patterns:
            continue
        what = "any Host header" if "*" in patterns else f"every host under {', '.join(patterns)}"
        hits.append(setting_hit(module, setting, f"ALLOWED_HOSTS {shown(setting)} in {where(module)} accepts {what} "
                                "(Host-header poisoning of password-reset links and caches)",
                                confidence=confidence(module)))
    yield from unique(hits)
