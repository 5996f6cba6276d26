from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.model.values import FromEnv, effective
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP861",
    slug="admin-with-debug",
    title="Django admin mounted while DEBUG is on in deployed settings",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    cwe=489,
    control="admin-panel",
    kind="project",
    frameworks=("django",),
    hint="Turn DEBUG off in production (`DEBUG = env.bool(\"DEBUG\", default=False)`), or do not mount the admin "
    "in that configuration.",
)
def admin_with_debug(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Reports the mount of the Django admin site when a deployed settings module (production by
    name, the one `wsgi.py`/`asgi.py` uses, or the only one) has `DEBUG` on, or reads it from the
    environment with `True` as the default. One finding at the admin mount per such settings module.
    DEBUG itself is reported by the settings rules (SP710); this low-severity finding records what
    it exposes here, at the admin mount, and does not duplicate the DEBUG finding's severity.

    ## Why is this bad?
    With DEBUG on, any error page (a bad lookup in the admin, a 404 listing every URL pattern)
    shows the settings, the URLconf and stack traces with local variables: the admin's path,
    the database name, and often credentials. An exposed admin login is the first target; DEBUG
    turns every mistake behind it into an information leak.

    ## Example
    ```python
    # file: mysite/settings.py
    DEBUG = True
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes"]
    # file: mysite/urls.py
    from django.contrib import admin
    from django.urls import path

    urlpatterns = [path("backoffice/", admin.site.urls)]
    ```

    ## Use instead
    ```python
    # file: mysite/settings.py
    import os

    DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes"]
    # file: mysite/urls.py
    from django.contrib import admin
    from django.urls import path

    urlpatterns = [path("backoffice/", admin.site.urls)]
    ```

    ## Known problems
    When the deployed settings module cannot be told from the development one, the only
    non-development settings module is judged, with medium confidence.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/settings/#debug
    - https://docs.djangoproject.com/en/stable/howto/deployment/checklist/#debug
    - https://cwe.mitre.org/data/definitions/489.html
    """
    model = project.django
    settings = project.django_settings
    if not model or not settings:
        return
    mounts = [m for m in model.admin_mounts if not m.debug_only]
    if not mounts:
        return
    for module in settings.production:
        debug = module.get("DEBUG")
        if debug is None or debug.conditional:
            continue
        if effective(debug.value) is not True:
            continue
        how = f"reads {debug.value.variable} with default True" if isinstance(debug.value, FromEnv) else "sets it True"
        for mount in mounts:
            yield Hit(
                mount.location,
                f"the admin site is mounted at {mount.path or '<dynamic path>'} and settings {module.name} {how} "
                f"(DEBUG at {debug.location.path}:{debug.location.line})",
                confidence=None if module.certain else Confidence.MEDIUM,
                symbol=f"{mount.root}:{module.name}",
            )
