from __future__ import annotations

import ast
from typing import Iterator

from secprofile.model.django_project import View
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._views import (
    authorizing, considered, content_model, model_of, nobody_authenticated, short,
)


@rule(
    code="SP211",
    slug="queryset-not-scoped-to-user",
    title="Authenticated view serves every user's rows (queryset not scoped to the user)",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=639,
    control="authorization",
    kind="project",
    frameworks=("django",),
    hint="Override `get_queryset()` to return `Model.objects.filter(owner=self.request.user)`, or add an "
    "object-level permission class (`has_object_permission`).",
)
def queryset_not_scoped_to_user(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags class-based views and DRF viewsets that require a login but nothing finer, serve a
    user-owned model through their queryset (`queryset = Order.objects.all()`, a `.filter(...)`
    that does not involve the user, `model = Order`, or a `get_queryset()` that does not
    mention `request.user`, such as `super().get_queryset().select_related(...)` or
    `Statement.objects.filter(account_id=self.kwargs["account_pk"])`), and look objects up by
    the URL id or list them: `ModelViewSet`, `ReadOnlyModelViewSet`, the `Retrieve…`/`Update…`/
    `Destroy…`/`List…` generic API views, `GenericAPIView` with the model mixins, and Django's
    `DetailView`, `UpdateView`, `DeleteView` and `ListView` (with `LoginRequiredMixin`). Nothing
    scopes the rows when there is no `get_queryset`/`get_object` override (or, for list-only
    views, `list`/`get` override) that mentions the requesting user, no custom filter
    backend, and no object-level permission class whose `has_object_permission` looks at who is
    asking (one that only tests the object, `return not obj.closed`, does not count).

    A model is user-owned when it has a relation to the user model (or an `owner`/`user`-like
    relation; a many-to-many counts only when it lists members, not `likes`), is the user model
    itself, or belongs to such a row through one or two relations (`Transaction.account` →
    `Account.owner`, filtered as `account__owner=request.user`). Read-only views of published
    content are not reported: `queryset = Post.objects.filter(published=True)`, a model with a
    publication flag, or one whose only user relation is its `author`. Views restricted to staff
    or by a permission (`IsAdminUser`, `PermissionRequiredMixin`, `UserPassesTestMixin`) are not
    reported, and neither are views that authenticate nobody (`authentication_classes = []`
    with `IsAuthenticated` lets no one in; with `AllowAny` it is SP122's).

    ## Why is this bad?
    `IsAuthenticated` and `LoginRequiredMixin` only say *someone* is logged in. With an unscoped
    queryset, `GET /api/orders/42/` returns another customer's order, and a `ModelViewSet` lets
    any user update or delete it (insecure direct object reference).

    ## Example
    ```python
    # file: shop/views.py
    from rest_framework import viewsets
    from rest_framework.permissions import IsAuthenticated
    from shop.models import Order
    from shop.serializers import OrderSerializer

    class OrderViewSet(viewsets.ModelViewSet):
        queryset = Order.objects.all()
        serializer_class = OrderSerializer
        permission_classes = [IsAuthenticated]
    # file: shop/models.py
    from django.conf import settings
    from django.db import models

    class Order(models.Model):
        customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        total = models.DecimalField(max_digits=10, decimal_places=2)
    ```

    ## Use instead
    ```python
    # file: shop/views.py
    from rest_framework import viewsets
    from rest_framework.permissions import IsAuthenticated
    from shop.models import Order
    from shop.serializers import OrderSerializer

    class OrderViewSet(viewsets.ModelViewSet):
        serializer_class = OrderSerializer
        permission_classes = [IsAuthenticated]

        def get_queryset(self):
            return Order.objects.filter(customer=self.request.user)
    # file: shop/models.py
    from django.conf import settings
    from django.db import models

    class Order(models.Model):
        customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        total = models.DecimalField(max_digits=10, decimal_places=2)
    ```

    ## Known problems
    Rows shared deliberately among all logged-in users (a company directory) are reported;
    suppress with a reason. Scoping done in a custom manager or a filter backend from an
    installed package is not recognised. Telling private records from published writing is a
    heuristic (publication flags, `author`-only relations): a private model whose only user
    relation is `author` is not reported when served read-only.

    ## References
    - https://www.django-rest-framework.org/api-guide/filtering/#filtering-against-the-current-user
    - https://docs.djangoproject.com/en/stable/topics/class-based-views/generic-display/#dynamic-filtering
    - https://cwe.mitre.org/data/definitions/639.html
    """
    model = project.django
    if not model:
        return
    for view in model.views:
        if view.kind not in ("class", "viewset") or not (view.detail or view.lists):
            continue
        if not considered(project, view) or not view.evidence or authorizing(view) or nobody_authenticated(view):
            continue
        scoping = ("get_object", "filter_queryset") + (() if view.detail else ("list", "get"))
        if view.overrides & set(scoping) and _mentions_user(view, scoping):
            continue
        if _custom_filter_backends(project, view):
            continue
        get_queryset = view.method_code("get_queryset")
        class_queryset = next((q for q in view.models if q not in _code_queries(view)), None)
        if get_queryset is not None:
            if get_queryset.uses_user:
                continue
            queries = [q for q in get_queryset.queries if q.model]
            if queries:
                query = queries[0]
            elif _extends_class_queryset(project, get_queryset):
                query = class_queryset  # super().get_queryset().select_related(...): still every row
            else:
                continue  # built from something we cannot see
        else:
            query = class_queryset
        info = model_of(project, query) if query is not None else project.django.model(view.model)
        if info is None or not info.owned:
            continue
        writes = bool(view.write_methods & {"PUT", "PATCH", "DELETE"}) or (
            view.write_methods and view.bases & {"UpdateView", "DeleteView", "BaseUpdateView", "BaseDeleteView"})
        if query is not None and query.public_filter and not writes:
            continue
        if content_model(info) and not writes and not (query is not None and query.private_filter):
            continue  # published writing (posts, stories) listed or shown read-only
        source = "get_queryset()" if get_queryset is not None else (
            f"queryset = {short(info.qualname)}.objects…" if query is not None else f"model = {short(info.qualname)}")
        effect = "read, modify or delete" if writes else "read"
        here = query.location if query is not None and get_queryset is None else view.location
        yield Hit(
            here,
            f"{short(view.target)} serves {short(info.qualname)} rows to any logged-in user ({source} is not "
            f"filtered by request.user and no object-level permission applies), so users can {effect} each "
            "other's rows",
            confidence=None if writes else Confidence.MEDIUM,
            symbol=view.target,
        )


def _extends_class_queryset(project: Project, code) -> bool:
    """``get_queryset`` built on ``super().get_queryset()`` or ``self.queryset``."""
    function = project.functions.get(code.qualname)
    if function is None:
        return False
    if "get_queryset" in function.method_calls:
        return True
    node = project.function_node(function)
    if node is None:
        return False
    return any(isinstance(n, ast.Attribute) and n.attr == "queryset" and isinstance(n.value, ast.Name)
               and n.value.id == "self" for n in ast.walk(node))


def _code_queries(view: View) -> set:
    return {q for code in view.code for q in code.queries}


def _mentions_user(view: View, methods: tuple[str, ...]) -> bool:
    return any(code.uses_user or code.auth_checks for code in view.code if code.name in methods)


def _custom_filter_backends(project: Project, view: View) -> bool:
    for cls in view.mro:
        facts = project.classes.get(cls)
        if facts is not None and facts.attribute("filter_backends") is not None:
            value = facts.attribute("filter_backends")
            names = getattr(value, "value", None)
            if not isinstance(names, (list, tuple)):
                return True
            for name in names:
                if isinstance(name, str) and (project.names.canonical(name) or name) in project.classes:
                    return True
    return False
