from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._views import short

SESSION_AUTHENTICATION = "rest_framework.authentication.SessionAuthentication"


@rule(
    code="SP322",
    slug="drf-session-auth-csrf-disabled",
    title="DRF SessionAuthentication subclass that skips the CSRF check",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=352,
    control="csrf",
    kind="project",
    frameworks=("django",),
    hint="Delete the override and send the CSRF token from the client (`X-CSRFToken` header read from the "
    "csrftoken cookie), or authenticate the API with tokens instead of the session.",
)
def drf_session_auth_csrf_disabled(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags project subclasses of DRF's `SessionAuthentication` whose `enforce_csrf()` does nothing
    (a body of `pass`, `return` or `return None`, without calling the parent) — the
    "CsrfExemptSessionAuthentication" recipe. High confidence when the class is used by a view
    or by `DEFAULT_AUTHENTICATION_CLASSES`, medium when no use was found.

    ## Why is this bad?
    `SessionAuthentication` authenticates with the browser's session cookie, which any
    third-party page can make the browser send. Its CSRF check is the only thing stopping a
    forged request; with it disabled every session-authenticated API call is forgeable.

    ## Example
    ```python
    from rest_framework.authentication import SessionAuthentication

    class CsrfExemptSessionAuthentication(SessionAuthentication):
        def enforce_csrf(self, request):
            return
    ```

    ## Use instead
    ```python
    from rest_framework.authentication import SessionAuthentication

    class AuditedSessionAuthentication(SessionAuthentication):
        def enforce_csrf(self, request):
            super().enforce_csrf(request)
    ```

    ## Known problems
    An override that performs its own token check by other means (a custom header compared with
    `constant_time_compare`) is recognised only when it calls something; a body that only returns
    is always reported.

    ## References
    - https://www.django-rest-framework.org/api-guide/authentication/#sessionauthentication
    - https://www.django-rest-framework.org/topics/ajax-csrf-cors/
    - https://cwe.mitre.org/data/definitions/352.html
    """
    model = project.django
    used: set[str] = set()
    if model:
        for view in model.views:
            if view.authentication is not None:
                used.update(view.authentication.names)
        if model.drf_authentication is not None:
            used.update(model.drf_authentication.names)
    for qualname, cls in sorted(project.classes.items()):
        if "enforce_csrf" not in cls.methods or not _is_session_authentication(project, qualname):
            continue
        method = project.functions.get(f"{qualname}.enforce_csrf")
        if method is None or method.calls or method.raised_statuses:
            continue
        node = project.function_node(method)
        if node is None or not _does_nothing(node):
            continue
        yield Hit(
            method.header,
            f"{short(qualname)}.enforce_csrf() does nothing: every request it authenticates by session cookie "
            "skips the CSRF check",
            confidence=None if qualname in used else Confidence.MEDIUM,
            symbol=qualname,
        )


def _is_session_authentication(project: Project, qualname: str, depth: int = 0) -> bool:
    cls = project.classes.get(qualname)
    if cls is None or depth > 8:
        return False
    for base in cls.bases:
        canonical = project.names.canonical(base) or base
        if canonical == SESSION_AUTHENTICATION or canonical.endswith(".SessionAuthentication") or \
                _is_session_authentication(project, canonical, depth + 1):
            return True
    return False


def _does_nothing(node) -> bool:
    import ast

    body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not body:
        return True
    return all(isinstance(s, ast.Pass) or (isinstance(s, ast.Return) and (
        s.value is None or (isinstance(s.value, ast.Constant) and s.value.value in (None, True)))) for s in body)
