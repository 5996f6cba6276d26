"""Shared judgements of the Django view rules (private: not a rule module)."""

from __future__ import annotations

import re
from typing import Iterator

from secprofile.model.django import Query
from secprofile.model.django_project import UNSAFE_METHODS, ModelInfo, View
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


def private_data_reads(project: Project, view: View) -> Iterator[tuple[Query | None, ModelInfo]]:
    """Reads of user-owned rows that are not limited to public content or to the requesting user."""
    seen: set[str] = set()
    for query in view.models:
        info = model_of(project, query)
        if info is None or not info.user_owned or query.user_scoped or query.written:
            continue
        if query.public_filter:
            continue
        if info.public_flags and not query.private_filter:
            continue  # a content model (posts, comments): without a non-public filter it is a public listing
        if info.qualname not in seen:
            seen.add(info.qualname)
            yield query, info
    if view.model and view.model not in seen and (view.lists or view.detail):
        info = project.django.model(view.model)
        if info is not None and info.user_owned and not info.public_flags and not view.models:
            yield None, info


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
