from __future__ import annotations

from typing import Iterator

from secprofile.model.django_project import Action, View
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._views import (
    action_unauthenticated, considered, public_by_design, short, signature_checked, unauthenticated_methods,
)

_MODIFYING = frozenset({"PUT", "PATCH", "DELETE"})


@rule(
    code="SP121",
    slug="drf-allowany-write-endpoint",
    title="DRF AllowAny on an endpoint that modifies data",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=862,
    control="authentication",
    kind="project",
    frameworks=("django",),
    hint="Use `permission_classes = [IsAuthenticatedOrReadOnly, IsOwnerOrReadOnly]` (or return `AllowAny` from "
    "`get_permissions()` only for the safe actions that must be public).",
)
def drf_allowany_write_endpoint(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags DRF views and viewsets whose permission classes are explicitly `AllowAny` (set on the
    class, on a project base class in another module, or with `@permission_classes([AllowAny])`)
    while they update or delete data: a `ModelViewSet`, an `UpdateAPIView`/`DestroyAPIView`
    family view, or `put`/`patch`/`delete`/`update`/`destroy` handlers and `@action`s that write.
    A POST-only endpoint is reported when it modifies existing rows looked up from request data;
    one that only creates (a registration or contact form) is not. A single viewset action
    opened with `@action(..., permission_classes=[AllowAny])` is reported at its decorator when it
    writes (a detail action's POST changes the object the URL names).

    Endpoints that authenticate nobody (`authentication_classes = []`, `get_authenticators()`
    returning `[]`, also on the action) are SP122's; endpoints that only bump counters (a view
    count, a like on public content) are not reported; permissions computed in
    `get_permissions()` that return something other than `AllowAny` for some actions are
    not reported.

    ## Why is this bad?
    `AllowAny` is often added to make one public action work (guests may comment, anyone may
    list posts) and then covers every action of the viewset: anyone can edit or delete any row
    with a single anonymous request.

    ## Example
    ```python
    from rest_framework import viewsets
    from rest_framework.permissions import AllowAny
    from shop.models import Review
    from shop.serializers import ReviewSerializer

    class ReviewViewSet(viewsets.ModelViewSet):
        queryset = Review.objects.all()
        serializer_class = ReviewSerializer
        permission_classes = [AllowAny]
    ```

    ## Use instead
    ```python
    from rest_framework import viewsets
    from rest_framework.permissions import IsAuthenticatedOrReadOnly
    from shop.models import Review
    from shop.permissions import IsAuthorOrReadOnly
    from shop.serializers import ReviewSerializer

    class ReviewViewSet(viewsets.ModelViewSet):
        queryset = Review.objects.all()
        serializer_class = ReviewSerializer
        permission_classes = [IsAuthenticatedOrReadOnly, IsAuthorOrReadOnly]
    ```

    ## Known problems
    An endpoint deliberately writable by anonymous users (a public wiki) is reported; suppress
    with a reason. Protection done by a custom authentication class that rejects requests is
    not recognised.

    ## References
    - https://www.django-rest-framework.org/api-guide/permissions/#allowany
    - https://cwe.mitre.org/data/definitions/862.html
    - https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/
    """
    model = project.django
    if not model:
        return
    for view in model.views:
        if view.framework != "drf" or view.permissions is None or not considered(project, view):
            continue
        for action in view.actions:
            hit = _action_hit(view, action)
            if hit is not None:
                yield hit
        if view.public is None or view.permission_kind != "public":
            continue
        if view.permissions.source not in ("class", "base", "decorator"):
            continue
        writing = [c for c in view.code if c.writes]
        if writing and all(c.counter_writes_only for c in writing):
            continue  # only bumps counters (views, likes) on public content
        unauthenticated = unauthenticated_methods(view)
        modifying = view.write_methods & _MODIFYING
        if unauthenticated and (modifying or view.write_methods) <= unauthenticated:
            continue  # authenticates nobody: SP122's
        confidence = None
        if not modifying:
            if "POST" not in view.write_methods or public_by_design(view) or signature_checked(view):
                continue
            if not any(q.written and q.from_request and not q.user_scoped for code in view.code for q in code.queries):
                continue
            confidence = Confidence.MEDIUM
        where = "" if view.permissions.source != "base" else \
            f" (inherited from {short(view.permissions.defined_in)})"
        verbs = "/".join(sorted(modifying or view.write_methods))
        here = view.permissions.location if view.permissions.source in ("class", "decorator") else None
        here = here or view.location
        yield Hit(
            here,
            f"{short(view.target)} allows {verbs} to anyone: permission_classes is AllowAny{where}",
            confidence=confidence,
            symbol=view.target,
        )


def _action_hit(view: View, action: Action) -> Hit | None:
    """``@action(detail=True, methods=["post"], permission_classes=[AllowAny])`` that writes."""
    if action.permissions is None or action.permission_kind != "public" or not action.writes:
        return None
    if action_unauthenticated(view, action):
        return None  # SP122's
    code = action.code
    if code is not None and (code.verifies_signature or (code.writes and code.counter_writes_only)):
        return None
    verbs = action.methods & _MODIFYING
    confidence = None
    if not verbs and "POST" in action.methods:
        if action.detail:
            verbs = frozenset({"POST"})  # changes the object the URL names
        elif code is not None and any(q.written and q.from_request and not q.user_scoped for q in code.queries):
            verbs = frozenset({"POST"})
            confidence = Confidence.MEDIUM
    if not verbs:
        return None
    return Hit(
        action.location,
        f"{short(view.target)}.{action.name} (@action) allows {'/'.join(sorted(verbs))} to anyone: its "
        "permission_classes is AllowAny",
        confidence=confidence if view.routed else Confidence.MEDIUM,
        symbol=f"{view.target}.{action.name}",
    )
