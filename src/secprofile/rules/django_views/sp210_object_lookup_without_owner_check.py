from __future__ import annotations

from typing import Iterator

from secprofile.model.django_project import HANDLER_METHODS, VIEWSET_ACTIONS
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._views import LOOKUP_KINDS, authorizing, considered, model_of, short

_LOOKUP_FIELD_HINTS = ("pk", "id", "uuid", "slug", "token", "key", "number", "code", "username", "email")


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
    `Order.objects.get(id=request.POST["id"])`, `Post.objects.filter(pk=pk).delete()`) when
    nothing ties the row to the requesting user: no `author=request.user`-style filter, no
    lookup through `request.user.<related>`, and no later comparison of the object with the user
    (`if post.author != request.user: raise PermissionDenied`, `request.user.has_perm(..., post)`,
    a helper called with both). A model is user-owned when it has a relation to the user model
    (or an `owner`/`user`/`author`-like relation), or is the user model itself.

    Writes (the object is saved, deleted, updated or bound to a form or serializer that is
    saved) are reported with high confidence; reads with medium confidence when the object reaches
    the response (returned, rendered, serialized, put in a context), unless the lookup selects
    public content (`published=True`). A row only used as a reference (the post a new comment
    goes under) is not reported. Views restricted by a permission, staff flag,
    `user_passes_test` or an object-level DRF permission are not reported; views with no login
    at all are SP120's.

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
    mentions the user.

    ## References
    - https://cheatsheetseries.owasp.org/cheatsheets/Insecure_Direct_Object_Reference_Prevention_Cheat_Sheet.html
    - https://docs.djangoproject.com/en/stable/topics/http/shortcuts/#get-object-or-404
    - https://cwe.mitre.org/data/definitions/639.html
    """
    model = project.django
    if not model:
        return
    handlers = set(HANDLER_METHODS) | set(VIEWSET_ACTIONS)
    reported: set[tuple] = set()
    for view in model.views:
        if not considered(project, view) or not view.evidence or authorizing(view):
            continue
        codes = view.code if view.kind == "function" or view.kind == "ninja" else tuple(
            c for c in view.code if c.name in handlers or c.name in {a for a, _ in _actions(view)})
        for code in codes:
            for query in code.queries:
                if query.kind not in LOOKUP_KINDS or not query.from_request or query.user_scoped:
                    continue
                if query.owner_checked or query.unknown_base:
                    continue
                if not any(f.split("__", 1)[0].lower().endswith(_LOOKUP_FIELD_HINTS) for f in query.fields):
                    continue
                info = model_of(project, query)
                if info is None or not info.user_owned:
                    continue
                if not query.written and (query.public_filter or not query.exposed):
                    continue  # a public row, or one only used as a reference (the post a comment goes under)
                key = (query.location.path, query.location.line, query.location.column)
                if key in reported:
                    continue
                reported.add(key)
                what = "saves" if query.written else "returns"
                owner = ", ".join(info.owner_fields) or "the user itself"
                yield Hit(
                    query.location,
                    f"{short(code.qualname)} loads {short(info.qualname)} by {', '.join(query.fields)} from the "
                    f"request and {what} it without checking it belongs to request.user ({short(info.qualname)} "
                    f"is owned through {owner})",
                    confidence=None if query.written else Confidence.MEDIUM,
                    symbol=code.qualname,
                )


def _actions(view) -> tuple[tuple[str, str], ...]:
    names = []
    for code in view.code:
        for decorator in code.decorators:
            if decorator.tail in ("action", "detail_route", "list_route"):
                names.append((code.name, ""))
    return tuple(names)
