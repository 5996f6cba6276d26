from __future__ import annotations

from typing import Iterator

from secprofile.model.values import FromEnv
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import confidence, firm, judged, setting_hit, shown, truthy, unique, where


@rule(
    code="SP710",
    slug="debug-enabled-in-production",
    title="DEBUG enabled in production settings",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=489,
    control="settings-and-secrets",
    kind="project",
    frameworks=("django",),
    deploy_only=True,
    hint="Set `DEBUG = False` in production settings, or read it with a safe default: "
    "`DEBUG = env.bool(\"DJANGO_DEBUG\", default=False)`.",
)
def debug_enabled_in_production(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags `DEBUG` that is on in the settings a deployment runs: `DEBUG = True`, or `DEBUG`
    read from the environment with a default that turns it on when the variable is unset
    (`os.environ.get("DEBUG", "True") == "True"`, `env.bool("DEBUG", default=True)`,
    `config("DEBUG", default=True, cast=bool)`, or a django-environ scheme
    `environ.Env(DEBUG=(bool, True))`). Split settings are followed: the value in force at the
    end of the production module counts, wherever it was assigned.

    Deploy-only: judged in production settings modules (by name: `production`, `prod`, `live`;
    the module `wsgi.py`/`asgi.py` select; or the only settings module there is), never in
    `dev`, `local` or `test` settings. `if DEBUG:`-style conditional values are not reported.

    ## Why is this bad?
    With `DEBUG = True` Django answers every error with a page that lists the settings (with
    most secrets masked, but not all), the installed apps, the SQL queries, local variables of
    every stack frame and the URL patterns; it also keeps every SQL query in memory. An
    environment default of `True` means one forgotten variable turns all of that on in
    production.

    ## Example
    ```python
    import os

    ROOT_URLCONF = "mysite.urls"
    DEBUG = os.environ.get("DJANGO_DEBUG", "True") == "True"
    ```

    ## Use instead
    ```python
    import os

    ROOT_URLCONF = "mysite.urls"
    DEBUG = os.environ.get("DJANGO_DEBUG", "False") == "True"
    ```

    ## Known problems
    A lone `settings.py` is assumed to be what is deployed (with medium confidence); if your
    deployment sets `DJANGO_SETTINGS_MODULE` to a module outside the scanned tree, list the real
    modules in `settings-modules` under `[tool.secprofile]`. Settings classes of
    django-configurations are not read.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/settings/#debug
    - https://docs.djangoproject.com/en/stable/howto/deployment/checklist/#debug
    - https://cwe.mitre.org/data/definitions/489.html
    """
    hits = []
    for module in judged(project, deploy_only=True):
        setting = module.get("DEBUG")
        if not firm(setting) or not truthy(setting.effective):
            continue
        if isinstance(setting.value, FromEnv):
            message = (f"DEBUG {shown(setting)} in {where(module)}: a deployment that forgets the variable "
                       "runs with debug pages on")
        else:
            message = f"DEBUG {shown(setting)} in {where(module)}"
        # DEBUG with the admin mounted is the same root cause; say what it exposes, once.
        mounts = [m for m in project.django.admin_mounts if not m.debug_only] if project.django else []
        if mounts:
            mount = mounts[0]
            message += (f"; the admin site at /{(mount.path or '').lstrip('/')} ({mount.location.path}:"
                        f"{mount.location.line}) then serves debug pages with settings and tracebacks")
        hits.append(setting_hit(module, setting, message, confidence=confidence(module)))
    yield from unique(hits)
