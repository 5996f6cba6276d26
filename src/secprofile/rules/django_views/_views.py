"""Shared judgements of the Django view rules (private: not a rule module)."""

from __future__ import annotations

import re
from typing import Iterator

from secprofile.model.django import Query
from secprofile.model.django_project import ALL_METHODS, UNSAFE_METHODS, ModelInfo, View
from secprofile.model.fastapi_app import PUBLIC_PATH
from secprofile.model.project import Project

# View names that are public by design, besides PUBLIC_PATH's paths.
PUBLIC_NAME = re.compile(
    r"(^|_)(log_?in|log_?out|sign_?in|sign_?up|sign_?out|register|registration|signup|password_?(reset|forgot|change)?|"
    r"forgot|reset|activate|activation|verify|confirm|confirmation|token|refresh|oauth|callback|health|healthz|"
    r"ping|status|ready|live|robots|favicon|contact|subscribe|unsubscribe|newsletter|set_?language|i18n|jsi18n|"
    r"feedback|webhooks?|sitemap|csp_?report)($|_)",
    re.I,
)
EXTRA_PUBLIC_PATH = re.compile(r"(^|/)(logout|log-out|sign-?out|signup|activate|contact|subscribe|unsubscribe|"
                               r"newsletter|i18n|jsi18n|setlang|set-language|sitemap\.xml|csp-report)(/|$|<|\{)", re.I)
LOOKUP_KINDS = frozenset({"get_object_or_404", "get_list_or_404", "get", "filter", "first", "last", "update",
                          "delete", "exclude", "get_or_create", "update_or_create", "in_bulk"})
# Model fields whose value decides privileges, ownership or money.
PRIVILEGED_FIELDS = frozenset({
    "is_staff", "is_superuser", "is_admin", "is_moderator", "is_verified", "is_active", "is_approved", "role",
    "roles", "groups", "user_permissions", "permissions", "balance", "credit", "credits", "owner", "user",
    "author", "created_by", "is_premium", "plan", "tier", "subscription", "is_paid", "paid", "price", "amount",
    "password", "email_verified", "is_trusted", "trust_level", "account_type", "user_type", "level",
})
AUTH_USER_FIELDS = {
    "AbstractUser": ("password", "last_login", "is_superuser", "groups", "user_permissions", "username",
                     "first_name", "last_name", "email", "is_staff", "is_active", "date_joined"),
    "AbstractBaseUser": ("password", "last_login"),
    "PermissionsMixin": ("is_superuser", "groups", "user_permissions"),
    "User": ("password", "last_login", "is_superuser", "groups", "user_permissions", "username", "first_name",
             "last_name", "email", "is_staff", "is_active", "date_joined"),
}
AUTHORIZING = frozenset({"permission", "staff", "test", "drf", "object"})
# Owner fields that name who wrote a row rather than whose it is: articles, stories and reviews by an
# ``author`` are published writing, readable by others unless a non-public filter says otherwise.
AUTHORSHIP_FIELDS = frozenset({"author", "authors", "posted_by", "poster", "written_by"})


def considered(project: Project, view: View) -> bool:
    """Views the access rules judge: routed ones, or every candidate when no URLconf was found."""
    return view.routed or not project.django.has_urlconf


def public_by_design(view: View) -> bool:
    for route in view.routes:
        if route.path and (PUBLIC_PATH.search(route.path) or EXTRA_PUBLIC_PATH.search(route.path)):
            return True
    name = view.name
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    for suffix in ("_view_set", "_viewset", "_view", "_api_view", "_api"):
        if snake.endswith(suffix):
            snake = snake[: -len(suffix)]
    return bool(PUBLIC_NAME.search(snake))


def model_of(project: Project, query: Query | None) -> ModelInfo | None:
    if query is None or not query.model:
        return None
    return project.django.model(project.names.canonical(query.model) or query.model)


def content_model(info: ModelInfo) -> bool:
    """Published writing rather than private records: it flags public rows (``published``), or the only
    users it names are its authors (``author``, also at the end of an ``article__author`` path)."""
    if info.public_flags:
        return True
    if info.is_user_model:
        return False
    links = info.owner_fields or tuple(path.rsplit("__", 1)[-1] for path in info.owner_paths)
    return bool(links) and all(link in AUTHORSHIP_FIELDS for link in links)


def owner_text(info: ModelInfo) -> str:
    return ", ".join(info.owner_fields or info.owner_paths) or "the user itself"


def private_data_reads(project: Project, view: View, indirect: bool = False,
                       queries: tuple[Query, ...] | None = None) -> Iterator[tuple[Query | None, ModelInfo]]:
    """Reads of user-owned rows that are not limited to public content or to the requesting user.

    ``indirect`` also counts rows owned through a parent (``account__owner``) and treats rows only
    named by their ``author`` as published writing; ``queries`` replaces the view's own reads.
    """
    seen: set[str] = set()
    reads = view.models if queries is None else queries
    for query in reads:
        info = model_of(project, query)
        if info is None or not (info.owned if indirect else info.user_owned) or query.user_scoped or query.written:
            continue
        if query.public_filter:
            continue
        if (content_model(info) if indirect else info.public_flags) and not query.private_filter:
            continue  # a content model (posts, comments): without a non-public filter it is a public listing
        if info.qualname not in seen:
            seen.add(info.qualname)
            yield query, info
    if queries is None and view.model and view.model not in seen and (view.lists or view.detail):
        info = project.django.model(view.model)
        if info is not None and (info.owned if indirect else info.user_owned) and not (
                content_model(info) if indirect else info.public_flags) and not view.models:
            yield None, info


def unauthenticated_methods(view: View) -> frozenset[str]:
    """The HTTP methods for which a DRF view authenticates nobody: ``authentication_classes = []`` (on the
    class, a base, ``@authentication_classes([])``) or ``get_authenticators()`` returning ``[]``."""
    authentication = view.authentication
    if view.framework != "drf" or authentication is None or authentication.classes:
        return frozenset()
    if authentication.source not in ("class", "base", "decorator", "get_authenticators"):
        return frozenset()
    return authentication.methods if authentication.methods is not None else ALL_METHODS


def action_unauthenticated(view: View, action) -> bool:
    """Does an ``@action`` with its own settings authenticate nobody (its own empty list, or the viewset's)?"""
    if action.authentication is not None:
        return not action.authentication.classes
    unauthenticated = unauthenticated_methods(view)
    return bool(unauthenticated) and (action.methods - {"HEAD", "OPTIONS"}) <= unauthenticated


def nobody_authenticated(view: View) -> bool:
    """No request to the view is authenticated, so a login-requiring permission lets nobody in."""
    unauthenticated = unauthenticated_methods(view)
    return bool(unauthenticated) and (view.methods - {"HEAD", "OPTIONS"}) <= unauthenticated


def decorated_views(project: Project, qualname: str, tail: str) -> Iterator[tuple[View, object]]:
    """Every view carrying the decorator ``qualname``, resolved through imports or, for
    project wrappers, by the decorator's own name ending in ``tail``."""
    for view in project.django.views:
        decorator = view.decorator(qualname, tail)
        if decorator is None:
            continue
        if (project.names.canonical(decorator.name) or decorator.name) == qualname or decorator.name.endswith(tail):
            yield view, decorator


def accepts_unsafe(view: View) -> bool:
    return bool(view.methods & UNSAFE_METHODS)


def short(name: str | None) -> str:
    return (name or "?").rsplit(".", 1)[-1]


def route_label(view: View) -> str:
    methods = sorted(view.write_methods or view.methods - {"HEAD", "OPTIONS"})
    shown = "/".join(methods) if methods and len(methods) < 6 else "ANY"
    path = view.display if view.routes else "(not routed)"
    return f"{shown} {path}"


def signature_checked(view: View) -> bool:
    return any(code.verifies_signature for code in view.code)


def authorizing(view: View) -> bool:
    """Access decided by a permission, staff flag, custom test or object permission, not just login."""
    if any(e.kind in AUTHORIZING for e in view.evidence):
        return True
    return view.permission_kind in ("staff", "model", "custom") or view.object_permission
