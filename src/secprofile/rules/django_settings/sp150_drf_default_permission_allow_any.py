from __future__ import annotations

from typing import Iterator

from secprofile.model.django_settings import SettingsModule
from secprofile.model.values import MISSING
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import (
    confidence, firm, judged, missing_hit, not_set, setting_hit, unique, where,
)

ALLOW_ANY = "rest_framework.permissions.AllowAny"
_VIEW_MODULES = ("rest_framework.views.", "rest_framework.generics.", "rest_framework.viewsets.")
_API_VIEW = "rest_framework.decorators.api_view"
_PERMISSION_DECORATOR = "rest_framework.decorators.permission_classes"


def views_on_default(project) -> list[str]:
    """DRF views that set no permissions of their own, so DEFAULT_PERMISSION_CLASSES decides for them."""
    memo: dict[str, tuple[bool, bool]] = {}

    def inspect(qualname: str, depth: int = 0) -> tuple[bool, bool]:
        """(is a DRF view, sets permissions) for a project class."""
        if qualname in memo:
            return memo[qualname]
        memo[qualname] = (False, False)
        cls = project.classes.get(qualname)
        if cls is None or depth > 8:
            return memo[qualname]
        is_view = False
        sets = cls.attribute("permission_classes") is not None or "get_permissions" in cls.methods
        for base in cls.bases:
            resolved = project.names.canonical(base) or base
            if resolved.startswith(_VIEW_MODULES):
                is_view = True
            elif resolved in project.classes:
                base_view, base_sets = inspect(resolved, depth + 1)
                is_view = is_view or base_view
                sets = sets or base_sets
        memo[qualname] = (is_view, sets)
        return memo[qualname]

    found = []
    for qualname in sorted(project.classes):
        is_view, sets = inspect(qualname)
        if is_view and not sets and not project.classes[qualname].name.startswith(("Base", "Abstract")):
            found.append(qualname)
    for qualname in sorted(project.functions):
        decorators = project.functions[qualname].decorators
        if _API_VIEW in decorators and _PERMISSION_DECORATOR not in decorators:
            found.append(qualname)
    return found


def uses_drf(project, module: SettingsModule) -> bool:
    apps = module.get("INSTALLED_APPS")
    if apps is not None and isinstance(apps.effective, (list, tuple)) and "rest_framework" in apps.effective:
        return True
    return "djangorestframework" in project.frameworks


@rule(
    code="SP150",
    slug="drf-default-permission-allow-any",
    title="DRF default permission is AllowAny",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=306,
    control="authentication",
    kind="project",
    frameworks=("django",),
    hint="Deny by default: `REST_FRAMEWORK = {\"DEFAULT_PERMISSION_CLASSES\": "
    "[\"rest_framework.permissions.IsAuthenticated\"]}` and open public views with `permission_classes = [AllowAny]`.",
)
def drf_default_permission_allow_any(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags Django REST framework projects whose default permission lets everyone in:
    `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]` listing only `AllowAny`, an empty list, or
    not set at all (DRF's own default is `AllowAny`), in any settings that are not
    development-only. High severity when DRF views rely on the default (an `APIView` or viewset
    without `permission_classes`/`get_permissions`, an `@api_view` without
    `@permission_classes`); low when every view sets its own permissions.

    ## Why is this bad?
    The default decides for every view that says nothing, including the ones added next
    month. With `AllowAny` a forgotten `permission_classes` is a public, writable endpoint;
    deny-by-default turns the same mistake into a 403.

    ## Example
    ```python
    # file: mysite/settings.py
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["django.contrib.auth", "rest_framework"]
    REST_FRAMEWORK = {
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    }
    # file: api/views.py
    from rest_framework.decorators import api_view
    from rest_framework.response import Response


    @api_view(["POST"])
    def publish_all(request):
        return Response({"published": True})
    ```

    ## Use instead
    ```python
    # file: mysite/settings.py
    ROOT_URLCONF = "mysite.urls"
    INSTALLED_APPS = ["django.contrib.auth", "rest_framework"]
    REST_FRAMEWORK = {
        "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    }
    # file: api/views.py
    from rest_framework.decorators import api_view
    from rest_framework.response import Response


    @api_view(["POST"])
    def publish_all(request):
        return Response({"published": True})
    ```

    ## Known problems
    Permissions enforced by middleware or by an API gateway are not seen. Views that set
    `AllowAny` explicitly are the views rules' business (SP12x), not this one's.

    ## References
    - https://www.django-rest-framework.org/api-guide/permissions/#setting-the-permission-policy
    - https://cwe.mitre.org/data/definitions/306.html
    """
    hits = []
    relying: list[str] | None = None
    for module in judged(project, deploy_only=False):
        if not uses_drf(project, module):
            continue
        setting = module.get("REST_FRAMEWORK")
        location_setting = None
        if setting is None:
            problem = f"{not_set(module, 'REST_FRAMEWORK')} in {where(module)}, so DRF's default permission AllowAny " \
                      "applies"
        elif not firm(setting) or not isinstance(setting.effective, dict):
            continue
        else:
            classes = setting.effective.get("DEFAULT_PERMISSION_CLASSES", MISSING)
            location_setting = setting
            if classes is MISSING:
                problem = (f"REST_FRAMEWORK in {where(module)} sets no DEFAULT_PERMISSION_CLASSES, so DRF's default "
                           "AllowAny applies")
            elif isinstance(classes, (list, tuple)) and not classes:
                problem = f"REST_FRAMEWORK DEFAULT_PERMISSION_CLASSES is empty in {where(module)}: no permission checks"
            elif isinstance(classes, (list, tuple)) and all(isinstance(c, str) and c.rsplit(".", 1)[-1] == "AllowAny"
                                                            for c in classes):
                problem = f"REST_FRAMEWORK DEFAULT_PERMISSION_CLASSES is AllowAny in {where(module)}"
            else:
                continue
        if relying is None:
            relying = views_on_default(project)
        if relying:
            shown = ", ".join(relying[:3])
            more = f" and {len(relying) - 3} more" if len(relying) > 3 else ""
            problem += f": {len(relying)} view{'s rely' if len(relying) != 1 else ' relies'} on it ({shown}{more})"
            severity = None
        else:
            problem += ": every view sets its own permissions today, new ones will be public"
            severity = Severity.LOW
        if location_setting is None:
            hits.append(missing_hit(module, "REST_FRAMEWORK", problem, severity=severity,
                                    confidence=confidence(module, missing=True, deploy=False)))
        else:
            at = location_setting.last_update("DEFAULT_PERMISSION_CLASSES")
            hits.append(setting_hit(module, location_setting, problem, at=at, severity=severity,
                                    confidence=confidence(module, deploy=False)))
    yield from unique(hits)
