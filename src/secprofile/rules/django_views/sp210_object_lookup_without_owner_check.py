from __future__ import annotations

from typing import Iterator

from secprofile.model.django import Query, ViewCode
from secprofile.model.django_project import HANDLER_METHODS, VIEWSET_ACTIONS, ModelInfo, View
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._views import (
    LOOKUP_KINDS, authorizing, considered, content_model, model_of, nobody_authenticated, owner_text, short,
)

_LOOKUP_FIELD_HINTS = ("pk", "id", "uuid", "slug", "token", "key", "number", "code", "username", "email")
_HANDLERS = frozenset(HANDLER_METHODS) | frozenset(VIEWSET_ACTIONS)


@rule(
    code="SP210",
    slug="django-object-lookup-without-owner-check",
    title="Object fetched by a URL id with no ownership check (IDOR)",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=639,
    control="authorization",
    kind="project",
    frameworks=("django",),
    hint="Scope the lookup to the user: `get_object_or_404(Post, pk=pk, author=request.user)` (or "
    "`request.user.posts.get(pk=pk)`), or compare the owner and `raise PermissionDenied`.",
)
def django_object_lookup_without_owner_check(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags, in views that require a login but no finer permission, lookups of a user-owned row by
    an id taken from the URL or the request (`get_object_or_404(Post, pk=pk)`,
    `Order.objects.get(id=request.data["order_id"])`, `Order.objects.filter(pk=pk).first()`,
    `Post.objects.filter(pk=pk).delete()`) when nothing ties the row to the requesting user: no
    `author=request.user`-style filter (also `account__owner=user`), no lookup through
    `request.user.<related>`, and no later comparison of the object with the user
    (`if post.author != request.user: raise PermissionDenied`,
    `if order.user_id == request.user.id: ...`, `request.user.has_perm(..., post)`, a helper
    called with both, `self.check_object_permissions(request, obj)`). Function views, DRF
    `@api_view` functions, `APIView` handlers and viewset actions are checked, and so is the
    usual helper method of an `APIView` (`def get_object(self, pk): return
    Payment.objects.get(pk=pk)` called as `self.get_object(pk)` by `get`/`put`/`delete`): it is
    reported at the lookup when a handler uses its result without comparing the owner.

    A model is user-owned when it has a relation to the user model (or an `owner`/`user`-like
    relation), is the user model itself, or belongs to such a row through one or two relations
    (`Payment.wallet` → `Wallet.owner`).

    Writes (the object is saved, deleted, updated or bound to a form or serializer that is
    saved) are reported with high confidence; reads with medium confidence when the object
    reaches the response (returned, rendered, serialized, put in a context). Not reported:
    lookups that select public content (`published=True`), reads of published writing (a model
    with a publication flag, or whose only user is its `author`), a row only used as a reference
    (the post a new comment goes under), reactions to someone's row (`article.likes.add(
    request.user)`, a rating created with the user) and counter bumps (`views += 1`,
    `update(likes=F("likes") + 1)`). Views restricted by a permission, staff flag,
    `user_passes_test` or an object-level DRF permission that looks at the user are not
    reported; views with no login at all are SP120's, and those that authenticate nobody SP122's.

    ## Why is this bad?
    `@login_required` proves who the user is, not that the object is theirs. Changing the number
    in `/posts/41/edit/` to `/posts/42/edit/` lets any logged-in user read or edit anyone's
    row: the most common access-control flaw in web applications (insecure direct object
    reference).

    ## Example
    ```python
    # file: notes/views.py
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import get_object_or_404, redirect
    from notes.models import Note

    @login_required
    def delete_note(request, pk):
        note = get_object_or_404(Note, pk=pk)
        note.delete()
        return redirect("notes")
    # file: notes/models.py
    from django.conf import settings
    from django.db import models

    class Note(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        text = models.TextField()
    ```

    ## Use instead
    ```python
    # file: notes/views.py
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import get_object_or_404, redirect
    from notes.models import Note

    @login_required
    def delete_note(request, pk):
        note = get_object_or_404(Note, pk=pk, owner=request.user)
        note.delete()
        return redirect("notes")
    # file: notes/models.py
    from django.conf import settings
    from django.db import models

    class Note(models.Model):
        owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        text = models.TextField()
    ```

    ## Known problems
    Sharing models (a row visible to a team, not just its owner) are reported when the team check
    happens in a helper that does not receive both the object and the user. Ownership enforced
    by a custom manager (`Post.objects.for_user(user)`) is recognised only when the manager call
    mentions the user. Lookups in module-level helper functions (`get_order(pk)` in
    `services.py`) are not followed. "Published writing" is a heuristic: a private model whose
    only user relation is called `author` is not reported on reads, and reactions are recognised
    by their shape (a row created with both the object and the user, a counter-named field
    such as `views`/`likes_count` bumped by a constant or an `F()` expression).

    ## References
    - https://cheatsheetseries.owasp.org/cheatsheets/Insecure_Direct_Object_Reference_Prevention_Cheat_Sheet.html
    - https://docs.djangoproject.com/en/stable/topics/http/shortcuts/#get-object-or-404
    - https://www.django-rest-framework.org/tutorial/3-class-based-views/
    - https://cwe.mitre.org/data/definitions/639.html
    """
    model = project.django
    if not model:
        return
    reported: set[tuple] = set()
    for view in model.views:
        if not considered(project, view) or not view.evidence or authorizing(view) or nobody_authenticated(view):
            continue
        if view.kind in ("function", "ninja"):
            codes = view.code
        else:
            actions = {a.name for a in view.actions}
            codes = tuple(c for c in view.code if c.name in _HANDLERS or c.name in actions)
        uses: dict[str, list[tuple[ViewCode, Query]]] = {}
        for code in codes:
            for query in code.queries:
                info = _owned_lookup(project, query)
                if info is None:
                    continue
                written = query.written and not query.counter_only
                if not written and not _exposed_read(query, info):
                    continue
                hit = _hit(query, info, code, written, None, reported)
                if hit is not None:
                    yield hit
            if view.kind not in ("function", "ninja"):
                for delegated in code.delegated:
                    uses.setdefault(delegated.kind[len("self."):], []).append((code, delegated))
        for helper_name, calls in sorted(uses.items()):
            helper = _helper(view, helper_name)
            if helper is None:
                continue
            unchecked = [(code, d) for code, d in calls if not d.owner_checked and not d.user_scoped]
            if not unchecked:
                continue
            for query in helper.queries:
                info = _owned_lookup(project, query)
                if info is None:
                    continue
                written = (query.written and not query.counter_only) or any(
                    d.written and not d.counter_only for _, d in unchecked)
                if not written and not (any(d.exposed for _, d in unchecked) and _exposed_read(query, info, True)):
                    continue
                users = sorted({code.name for code, d in unchecked
                                if d.exposed or (d.written and not d.counter_only)} or {unchecked[0][0].name})
                hit = _hit(query, info, helper, written, users, reported)
                if hit is not None:
                    yield hit


def _owned_lookup(project: Project, query: Query) -> ModelInfo | None:
    """The user-owned model a request-driven, unscoped, unchecked lookup by id reads, or None."""
    if query.kind not in LOOKUP_KINDS or not query.from_request or query.user_scoped:
        return None
    if query.owner_checked or query.unknown_base:
        return None
    if not any(f.split("__", 1)[0].lower().endswith(_LOOKUP_FIELD_HINTS) for f in query.fields):
        return None
    info = model_of(project, query)
    if info is None or not info.owned:
        return None
    return info


def _exposed_read(query: Query, info: ModelInfo, exposed: bool = False) -> bool:
    """A read worth reporting: it reaches the response and is not public content."""
    if query.public_filter:
        return False
    if content_model(info) and not query.private_filter:
        return False  # published writing: an article, a story
    return exposed or query.exposed


def _helper(view: View, name: str) -> ViewCode | None:
    """A project method of the view that handlers call as ``self.<name>(...)`` (not a handler itself)."""
    if name in _HANDLERS:
        return None
    code = view.method_code(name)
    if code is None or code.class_name is None:
        return None
    return code


def _hit(query: Query, info: ModelInfo, code: ViewCode, written: bool, users: list[str] | None,
         reported: set[tuple]) -> Hit | None:
    key = (query.location.path, query.location.line, query.location.column)
    if key in reported:
        return None
    reported.add(key)
    what = "saves" if written else "returns"
    fields = ", ".join(f for f in query.fields if f.split("__", 1)[0].lower().endswith(_LOOKUP_FIELD_HINTS))
    owned = f"{short(info.qualname)} is owned through {owner_text(info)}"
    if users is None:
        message = (f"{short(code.qualname)} loads {short(info.qualname)} by {fields} from the request and {what} "
                   f"it without checking it belongs to request.user ({owned})")
    else:
        callers = " and ".join(f"{name}()" for name in users)
        message = (f"{short(code.qualname)} loads {short(info.qualname)} by {fields} from the request, and "
                   f"{callers} {what[:-1] if len(users) > 1 else what} it without checking it belongs to "
                   f"request.user ({owned})")
    return Hit(query.location, message, confidence=None if written else Confidence.MEDIUM, symbol=code.qualname)
