from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._views import (
    considered, private_data_reads, public_by_design, route_label, short, unauthenticated_methods,
)


@rule(
    code="SP120",
    slug="django-view-without-authentication",
    title="Django view without login or permission check",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=306,
    control="authentication",
    kind="project",
    frameworks=("django",),
    hint="Add `@login_required` (or `LoginRequiredMixin`, `permission_classes = [IsAuthenticated]`, a ninja "
    "`auth=`) to the view, or require login globally and mark public views explicitly.",
)
def django_view_without_authentication(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags Django, DRF and django-ninja views reachable from the URLconf that change state (accept
    POST/PUT/PATCH/DELETE and save, delete or update something, directly or through a helper) or
    return users' private rows (user-owned models not limited to published content or to the
    requesting user), when nothing checks who is asking: no `@login_required`,
    `@permission_required`, `@user_passes_test`, `@staff_member_required` (also through
    `method_decorator`, in `urls.py`, or in a project decorator wrapping them), no
    `LoginRequiredMixin`/`PermissionRequiredMixin`/`UserPassesTestMixin` (also via project
    mixins and base classes in other modules), no DRF permission class other than `AllowAny`
    (from the view, its bases, `get_permissions`, `@permission_classes` or
    `DEFAULT_PERMISSION_CLASSES`), no ninja `auth=`, no `LoginRequiredMiddleware`, and no check
    in the body that denies access (`raise PermissionDenied`, a redirect to the login page).

    It runs only when the project authenticates some of its views: a site without any login is
    public by design. Login, registration, password-reset, webhook, health and similar views are
    not reported, and neither are explicit opt-outs (`AllowAny` is SP121's, `login_not_required`
    and ninja `auth=None` are deliberate).

    ## Why is this bad?
    Django views are public unless something says otherwise. Code written view by view tends to
    protect the views someone thought about and forget the one beside them: an "approve
    comment" or "delete item" endpoint that anyone on the internet can call, or a list of every
    user's drafts. DRF is no better by default: without `DEFAULT_PERMISSION_CLASSES` every API
    view is `AllowAny`.

    ## Example
    ```python
    # file: shop/urls.py
    from django.urls import path
    from shop import views

    urlpatterns = [
        path("orders/", views.order_list),
        path("orders/<int:pk>/cancel/", views.cancel_order),
    ]
    # file: shop/views.py
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import get_object_or_404, redirect, render
    from django.views.decorators.http import require_POST
    from shop.models import Order

    @login_required
    def order_list(request):
        return render(request, "orders.html", {"orders": Order.objects.filter(user=request.user)})

    @require_POST
    def cancel_order(request, pk):
        order = get_object_or_404(Order, pk=pk)
        order.status = "cancelled"
        order.save()
        return redirect("order-list")
    ```

    ## Use instead
    ```python
    # file: shop/urls.py
    from django.urls import path
    from shop import views

    urlpatterns = [
        path("orders/", views.order_list),
        path("orders/<int:pk>/cancel/", views.cancel_order),
    ]
    # file: shop/views.py
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import get_object_or_404, redirect, render
    from django.views.decorators.http import require_POST
    from shop.models import Order

    @login_required
    def order_list(request):
        return render(request, "orders.html", {"orders": Order.objects.filter(user=request.user)})

    @login_required
    @require_POST
    def cancel_order(request, pk):
        order = get_object_or_404(Order, pk=pk, user=request.user)
        order.status = "cancelled"
        order.save()
        return redirect("order-list")
    ```

    ## Known problems
    Access enforced outside the code (a reverse proxy, a middleware that is not recognisable as
    an authentication middleware) is invisible; suppress with a reason. Decorators and mixins
    from installed packages are recognised by name (`*_required`, `*RequiredMixin`).

    ## References
    - https://docs.djangoproject.com/en/stable/topics/auth/default/#limiting-access-to-logged-in-users
    - https://www.django-rest-framework.org/api-guide/permissions/#setting-the-permission-policy
    - https://cwe.mitre.org/data/definitions/306.html
    """
    model = project.django
    if not model or not model.uses_auth:
        return
    for view in model.views:
        if not considered(project, view) or view.evidence or view.public is not None:
            continue
        if unauthenticated_methods(view):
            continue  # authentication_classes = [] or get_authenticators() returning []: SP122's
        if public_by_design(view):
            continue
        confidence_floor = None
        if view.state_changing:
            why = "changes state"
        else:
            reads = list(private_data_reads(project, view))
            if not reads:
                continue
            why = f"returns {short(reads[0][1].qualname)} rows of every user"
            if not any(query is not None and query.private_filter for query, _ in reads):
                confidence_floor = Confidence.MEDIUM  # no explicit non-public filter: may be public by design
        inherited = ""
        confidence = None
        if view.framework == "drf" and view.permissions is not None:
            source = view.permissions.source
            if source == "settings":
                inherited = "; it inherits DEFAULT_PERMISSION_CLASSES = AllowAny from the settings"
            elif source in ("default", "assumed"):
                inherited = "; DRF's default permission is AllowAny and the settings set no other"
                if source == "assumed":
                    confidence = Confidence.MEDIUM
        if not view.routed or confidence_floor is not None:
            confidence = Confidence.MEDIUM
        yield Hit(
            view.location,
            f"{route_label(view)} ({short(view.target)}) {why} but no login or permission check applies{inherited}",
            confidence=confidence,
            symbol=view.target,
        )
