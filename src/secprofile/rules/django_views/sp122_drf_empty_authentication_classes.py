from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._views import considered, short, signature_checked


@rule(
    code="SP122",
    slug="drf-empty-authentication-classes",
    title="DRF write endpoint with no authentication and no permission check",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=306,
    control="authentication",
    kind="project",
    frameworks=("django",),
    hint="Keep the default authentication classes, or verify the caller another way (for a webhook, check the "
    "provider's HMAC signature with `hmac.compare_digest` before touching data).",
)
def drf_empty_authentication_classes(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags DRF views whose `authentication_classes` is empty (`[]`, `()` or
    `@authentication_classes([])`, also inherited from a project base class) and whose
    permissions let anonymous requests through (`AllowAny`, an empty `permission_classes`, an
    object-level-only permission, or an `AllowAny` default), when the view writes: a POST, PUT,
    PATCH or DELETE handler or action that saves, updates or deletes.

    A view that verifies a signature itself (`hmac.compare_digest`, `stripe.Webhook.construct_event`,
    a project `verify_signature` helper) is not reported, and neither is a custom permission
    class (it may check an API key).

    ## Why is this bad?
    An empty `authentication_classes` turns off every way DRF knows who is calling; with a
    permissive permission the endpoint is an anonymous write API. It is the usual shape of a
    payment or CI webhook written without verifying the provider's signature: anyone who finds
    the URL can mark orders paid.

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
    suppress with a reason.

    ## References
    - https://www.django-rest-framework.org/api-guide/authentication/#setting-the-authentication-scheme
    - https://cwe.mitre.org/data/definitions/306.html
    - https://cwe.mitre.org/data/definitions/345.html
    """
    model = project.django
    if not model:
        return
    for view in model.views:
        if view.framework != "drf" or view.authentication is None or not considered(project, view):
            continue
        if view.authentication.classes or view.authentication.source not in ("class", "base", "decorator"):
            continue
        if not view.write_methods or view.permission_kind not in ("public", "object"):
            continue
        if signature_checked(view) or any(e.level == "body" for e in view.evidence):
            continue
        where = "" if view.authentication.source != "base" else \
            f" (inherited from {short(view.authentication.defined_in)})"
        verbs = "/".join(sorted(view.write_methods))
        permissive = "AllowAny" if view.permissions is None or view.permissions.names else "an empty permission_classes"
        if view.permissions is not None and view.permissions.source in ("settings", "default", "assumed"):
            permissive = "the default AllowAny permission"
        here = view.authentication.location if view.authentication.source in ("class", "decorator") else None
        here = here or view.location
        yield Hit(
            here,
            f"{short(view.target)} accepts {verbs} from anyone: authentication_classes is empty{where} and "
            f"{permissive} lets anonymous requests through, with no signature check",
            confidence=None if view.routed else Confidence.MEDIUM,
            symbol=view.target,
        )
