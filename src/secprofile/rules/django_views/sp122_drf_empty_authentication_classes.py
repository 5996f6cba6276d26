from __future__ import annotations

from typing import Iterator

from secprofile.model.django import Query
from secprofile.model.django_project import UNSAFE_METHODS, Action, View
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._views import (
    action_unauthenticated, considered, content_model, private_data_reads, short, signature_checked,
    unauthenticated_methods,
)

_PERMISSIVE = ("public", "object")
# Calls through which an action reads the viewset's own queryset.
_CLASS_READS = frozenset({"self.get_object", "self.get_queryset", "self.filter_queryset"})


@rule(
    code="SP122",
    slug="drf-empty-authentication-classes",
    title="DRF endpoint with no authentication that writes or returns users' data",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=306,
    control="authentication",
    kind="project",
    frameworks=("django",),
    hint="Keep the default authentication classes (drop `authentication_classes = []`), or verify the caller "
    "another way (for a webhook, check the provider's HMAC signature with `hmac.compare_digest` before "
    "touching data).",
)
def drf_empty_authentication_classes(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags DRF endpoints that authenticate nobody and let anonymous requests through, when they
    change data or return users' private rows. "Authenticate nobody" is any of:
    `authentication_classes = []` or `()` on an `APIView`, generic view or viewset (also
    inherited from a project base class or mixin in another module),
    `@authentication_classes([])` on an `@api_view` function, `@action(...,
    authentication_classes=[])` on one viewset action, or a `get_authenticators()` override
    returning `[]` (for the HTTP methods whose `request.method` test leads to that return).
    "Let anonymous requests through" is `AllowAny` (on the class, a base, `@permission_classes`,
    the action's `permission_classes=`), an empty `permission_classes`, an object-level-only
    permission, or DRF's `AllowAny` default.

    The endpoint is reported when it writes (a POST, PUT, PATCH or DELETE handler, generic
    view or action that saves, updates or deletes) or when a GET returns rows of a user-owned
    model (a relation to the user model, or to a row that has one, such as `account__owner`)
    that are not limited to public content.

    This rule owns the combination: with an empty authentication list, SP120 (no permission
    check) and SP121 (`AllowAny` on a writable endpoint) stay quiet about the same endpoint, and
    so do the ownership rules SP210/SP211.

    Not reported: a view that verifies a signature itself (`hmac.compare_digest`,
    `stripe.Webhook.construct_event`, a project `verify_signature` helper), a custom permission
    class (it may check an API key), a permission that requires a login (with no authenticator
    nobody passes it), public content (`Article.objects.filter(published=True)`, a price list,
    rows only linked to their `author`), and writes that only bump counters on a row
    (`update(views=F("views") + 1)`).

    ## Why is this bad?
    An empty `authentication_classes` turns off every way DRF knows who is calling; with a
    permissive permission the endpoint is an anonymous API. It is the usual shape of a payment
    or CI webhook written without verifying the provider's signature (anyone who finds the URL
    can mark orders paid), and of a "quick look" endpoint that hands any visitor another
    customer's account.

    ## Example
    ```python
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response
    from rest_framework.views import APIView
    from shop.models import Order

    class PaymentWebhook(APIView):
        authentication_classes = []
        permission_classes = [AllowAny]

        def post(self, request):
            order = Order.objects.get(pk=request.data["order_id"])
            order.paid = True
            order.save()
            return Response(status=204)
    ```

    ## Use instead
    ```python
    import hashlib
    import hmac

    from django.conf import settings
    from rest_framework.exceptions import PermissionDenied
    from rest_framework.permissions import AllowAny
    from rest_framework.response import Response
    from rest_framework.views import APIView
    from shop.models import Order

    class PaymentWebhook(APIView):
        authentication_classes = []
        permission_classes = [AllowAny]

        def post(self, request):
            expected = hmac.new(settings.WEBHOOK_SECRET, request.body, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, request.headers.get("X-Signature", "")):
                raise PermissionDenied("bad signature")
            order = Order.objects.get(pk=request.data["order_id"])
            order.paid = True
            order.save()
            return Response(status=204)
    ```

    ## Known problems
    A signature checked by middleware or by a decorator from an installed package is not seen;
    suppress with a reason. Whether a GET returns private data is a heuristic: a model is
    user-owned when it relates to the user model (directly or through one or two parent rows),
    and it counts as public content when it has a publication flag (`published`, `is_public`,
    `status`) or only names an `author`; a directory of users' profiles that is public by design is
    reported, and a private model linked only through `author` is not. Conditions in
    `get_authenticators()` other than tests of `request.method` are taken as possibly true.

    ## References
    - https://www.django-rest-framework.org/api-guide/authentication/#setting-the-authentication-scheme
    - https://www.django-rest-framework.org/api-guide/viewsets/#marking-extra-actions-for-routing
    - https://cwe.mitre.org/data/definitions/306.html
    - https://cwe.mitre.org/data/definitions/345.html
    """
    model = project.django
    if not model:
        return
    for view in model.views:
        if view.framework != "drf" or not considered(project, view):
            continue
        if signature_checked(view) or any(e.level == "body" for e in view.evidence):
            continue
        unauthenticated = unauthenticated_methods(view)
        if unauthenticated and view.permission_kind in _PERMISSIVE:
            hit = _view_hit(project, view, unauthenticated)
            if hit is not None:
                yield hit
        for action in view.actions:
            hit = _action_hit(project, view, action, unauthenticated)
            if hit is not None:
                yield hit


def _overridden(view: View) -> set[str]:
    return {a.name for a in view.actions if a.permissions is not None or a.authentication is not None}


def _view_hit(project: Project, view: View, unauthenticated: frozenset[str]) -> Hit | None:
    overridden = _overridden(view)
    writing = [c for c in view.code if c.writes]
    verbs = view.write_methods & unauthenticated
    if writing and all(c.counter_writes_only for c in writing):
        verbs = frozenset()  # a view counter or a like on public content
    elif writing and all(c.name in overridden for c in writing) and not view.bases & _WRITING_TAILS:
        verbs = frozenset()  # the writes are in actions with their own settings: judged on their own
    reads: list = []
    if "GET" in unauthenticated and "GET" in view.methods:
        own = tuple(q for c in view.code if c.name not in overridden for q in c.queries)
        class_level = tuple(q for q in view.models if q not in {q for c in view.code for q in c.queries})
        reads = list(private_data_reads(project, view, indirect=True, queries=class_level + own))
        if not reads and not class_level and not own and view.model and (view.lists or view.detail):
            info = project.django.model(view.model)
            if info is not None and info.owned and not content_model(info):
                reads = [(None, info)]
    if not verbs and not reads:
        return None
    authentication = view.authentication
    where = _where(authentication)
    permissive = _permissive(view.permissions)
    here = authentication.location if authentication.source in ("class", "decorator", "get_authenticators") \
        else None
    here = here or view.location
    if verbs:
        message = (f"{short(view.target)} accepts {'/'.join(sorted(verbs))} from anyone: {where} and {permissive} "
                   "lets anonymous requests through, with no signature check")
        confidence = None
    else:
        message = (f"{short(view.target)} returns {short(reads[0][1].qualname)} rows of every user to anyone: "
                   f"{where} and {permissive} lets anonymous requests through")
        confidence = None if any(q is not None and q.private_filter for q, _ in reads) else Confidence.MEDIUM
    if not view.routed:
        confidence = Confidence.MEDIUM
    return Hit(here, message, confidence=confidence, symbol=view.target)


def _action_hit(project: Project, view: View, action: Action, unauthenticated: frozenset[str]) -> Hit | None:
    if action.permissions is None and action.authentication is None:
        return None  # nothing of its own: judged with its viewset
    if not action_unauthenticated(view, action) or action.permission_kind not in _PERMISSIVE:
        return None
    code = action.code
    verbs = action.methods & UNSAFE_METHODS if action.writes else frozenset()
    if verbs and code is not None and code.writes and code.counter_writes_only:
        verbs = frozenset()
    reads: list = []
    if "GET" in action.methods and code is not None:
        queries: tuple[Query, ...] = code.queries
        if any(d.kind in _CLASS_READS for d in code.delegated):
            queries += tuple(q for q in view.models if q not in {q for c in view.code for q in c.queries})
        reads = list(private_data_reads(project, view, indirect=True, queries=queries))
    if not verbs and not reads:
        return None
    name = f"{short(view.target)}.{action.name}"
    permissive = _permissive(action.permissions or view.permissions)
    where = "its authentication_classes is empty" if action.authentication is not None else \
        f"the viewset's {_where(view.authentication)}"
    if verbs:
        message = (f"{name} (@action) accepts {'/'.join(sorted(verbs))} from anyone: {where} and {permissive} "
                   "lets anonymous requests through, with no signature check")
        confidence = None
    else:
        message = (f"{name} (@action) returns {short(reads[0][1].qualname)} rows of every user to anyone: {where} "
                   f"and {permissive} lets anonymous requests through")
        confidence = Confidence.MEDIUM
    return Hit(action.location, message, confidence=confidence if view.routed else Confidence.MEDIUM,
               symbol=f"{view.target}.{action.name}")


_WRITING_TAILS = frozenset({
    "CreateAPIView", "DestroyAPIView", "UpdateAPIView", "ListCreateAPIView", "RetrieveUpdateAPIView",
    "RetrieveDestroyAPIView", "RetrieveUpdateDestroyAPIView", "ModelViewSet", "CreateModelMixin",
    "UpdateModelMixin", "DestroyModelMixin",
})


def _where(authentication) -> str:
    if authentication.source == "get_authenticators":
        methods = authentication.methods
        shown = "" if methods is None else f" for {'/'.join(sorted(methods - {'HEAD', 'OPTIONS'}))}"
        return f"get_authenticators() returns []{shown}"
    inherited = "" if authentication.source != "base" else f" (inherited from {short(authentication.defined_in)})"
    return f"authentication_classes is empty{inherited}"


def _permissive(permissions) -> str:
    if permissions is None:
        return "AllowAny"
    if permissions.source in ("settings", "default", "assumed"):
        return "the default AllowAny permission"
    if not permissions.classes:
        return "an empty permission_classes"
    return "AllowAny" if all(n.rsplit(".", 1)[-1] == "AllowAny" for n in permissions.names) else \
        "an object-level-only permission"
