from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP860",
    slug="admin-default-url",
    title="Django admin mounted at the default admin/ path",
    severity=Severity.INFO,
    confidence=Confidence.HIGH,
    cwe=1188,
    control="admin-panel",
    kind="project",
    frameworks=("django",),
    hint="Mount the admin at a path of your own (`path(settings.ADMIN_URL, admin.site.urls)`), and protect it "
    "with 2FA or an IP allow-list.",
)
def admin_default_url(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Reports the Django admin site (`admin.site.urls`, or a project `AdminSite`) mounted at exactly
    `admin/` from the root URLconf. Informational: it is hardening, not a vulnerability. A path
    that is computed (from settings or the environment) is not reported, and neither is an admin
    mounted only under `if settings.DEBUG:`.

    ## Why is this bad?
    Every scanner and credential-stuffing bot tries `/admin/` first. A different path does not
    replace strong passwords, 2FA or rate limiting, but it removes the site from the cheapest
    automated attacks and from noise in the logs.

    ## Example
    ```python
    from django.contrib import admin
    from django.urls import path

    urlpatterns = [
        path("admin/", admin.site.urls),
    ]
    ```

    ## Use instead
    ```python
    from django.conf import settings
    from django.contrib import admin
    from django.urls import path

    urlpatterns = [
        path(settings.ADMIN_URL, admin.site.urls),
    ]
    ```

    ## Known problems
    An admin behind a VPN or an IP allow-list at the proxy is still reported; ignore the rule then.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/contrib/admin/#hooking-adminsite-instances-into-your-urlconf
    - https://cwe.mitre.org/data/definitions/1188.html
    """
    model = project.django
    if not model:
        return
    for mount in model.admin_mounts:
        if mount.debug_only or mount.path is None:
            continue
        if mount.path.strip("/").lower() == "admin":
            yield Hit(mount.location, f"the admin site ({mount.site.rsplit('.', 1)[-1]}) is served at {mount.path}",
                      symbol=mount.root)
