from __future__ import annotations

from typing import Iterator

from secprofile.model.django_project import View
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._views import accepts_unsafe, decorated_views, short, signature_checked

CSRF_EXEMPT = "django.views.decorators.csrf.csrf_exempt"
SESSION_AUTHENTICATION = "SessionAuthentication"


@rule(
    code="SP320",
    slug="csrf-exempt-view",
    title="csrf_exempt on a session-authenticated view",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=352,
    control="csrf",
    kind="project",
    frameworks=("django",),
    hint="Remove `@csrf_exempt` and send the token (`{% csrf_token %}`, or the `X-CSRFToken` header from the "
    "csrftoken cookie in fetch/axios calls).",
)
def csrf_exempt_view(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags `@csrf_exempt` on Django views that accept POST, PUT, PATCH or DELETE and rely on the
    session cookie: the view requires a login, reads `request.user` or `request.session`. The
    decorator is found on functions, through `method_decorator(csrf_exempt, name="dispatch")` on
    the class or on `dispatch`, and as a wrapper in `urls.py` (`path("x/", csrf_exempt(views.x))`).

    Not reported: views that accept only safe methods, views that use no session at all (an
    API authenticated by a token header, or a webhook: a forged cross-site request carries no
    credentials there) and views that verify a signature. On DRF views the decorator changes
    nothing (DRF already exempts its views and `SessionAuthentication` enforces CSRF itself);
    those are reported at low severity as misleading, unless they are token-only.

    ## Why is this bad?
    The browser attaches the session cookie to any request a third-party page makes. Without the
    token check, a hidden form on an attacker's page can post a comment, change an e-mail address
    or transfer money as the logged-in victim. Code often exempts a view because a JavaScript
    call "did not work" instead of sending the `X-CSRFToken` header.

    ## Example
    ```python
    from django.contrib.auth.decorators import login_required
    from django.http import JsonResponse
    from django.views.decorators.csrf import csrf_exempt

    @csrf_exempt
    @login_required
    def update_email(request):
        request.user.email = request.POST["email"]
        request.user.save()
        return JsonResponse({"ok": True})
    ```

    ## Use instead
    ```python
    from django.contrib.auth.decorators import login_required
    from django.http import JsonResponse
    from django.views.decorators.http import require_POST

    @login_required
    @require_POST
    def update_email(request):
        request.user.email = request.POST["email"]
        request.user.save()
        return JsonResponse({"ok": True})
    ```

    ## Known problems
    A view authenticated by a header token but also reading `request.user` (set by a custom
    token middleware) is reported; suppress with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/howto/csrf/
    - https://docs.djangoproject.com/en/stable/ref/csrf/#django.views.decorators.csrf.csrf_exempt
    - https://cwe.mitre.org/data/definitions/352.html
    """
    if not project.django:
        return
    reported: set = set()
    for view, decorator in decorated_views(project, CSRF_EXEMPT, "csrf_exempt"):
        if decorator.location in reported:
            continue
        if not accepts_unsafe(view) or signature_checked(view):
            continue
        if view.framework == "drf":
            hit = _drf(project, view, decorator)
        else:
            hit = _django(view, decorator)
        if hit is not None:
            reported.add(decorator.location)
            yield hit


def _session_evidence(view: View) -> str | None:
    for evidence in view.evidence:
        if evidence.kind in ("login", "permission", "staff", "test", "middleware", "name", "body"):
            return short(evidence.symbol)
    for code in view.code:
        if code.uses_user:
            return "request.user"
        if "session" in code.reads:
            return "request.session"
    return None


def _django(view: View, decorator) -> Hit | None:
    session = _session_evidence(view)
    label = f"{short(view.target)}"
    if session is None:
        if any("COOKIES" in code.reads for code in view.code) and view.state_changing:
            return Hit(decorator.location, f"{label} is csrf_exempt, accepts {_verbs(view)} and reads cookies",
                       severity=Severity.MEDIUM, confidence=Confidence.LOW, symbol=view.target)
        return None
    writes = view.state_changing
    return Hit(
        decorator.location,
        f"{label} is csrf_exempt but relies on the session ({session}) and accepts {_verbs(view)}"
        + ("" if writes else "; no write was seen, but anything it does can be forged"),
        confidence=None if writes else Confidence.MEDIUM,
        symbol=view.target,
    )


def _drf(project: Project, view: View, decorator) -> Hit | None:
    names = view.authentication.names if view.authentication is not None else ()
    session = [n for n in names if n.rsplit(".", 1)[-1] == SESSION_AUTHENTICATION or (
        n in project.classes and any(b.rsplit(".", 1)[-1] == SESSION_AUTHENTICATION for b in _bases(project, n)))]
    if not session:
        return None  # token-only: not CSRF-exposed
    if any(n in project.classes for n in session):
        return None  # a project SessionAuthentication subclass: SP322 judges it
    return Hit(
        decorator.location,
        f"csrf_exempt on DRF view {short(view.target)} has no effect (DRF exempts its views and "
        "SessionAuthentication still checks the token); remove it so nobody relies on it",
        severity=Severity.LOW,
        confidence=Confidence.LOW,
        symbol=view.target,
    )


def _bases(project: Project, name: str, depth: int = 0) -> list[str]:
    cls = project.classes.get(name)
    if cls is None or depth > 8:
        return []
    found = []
    for base in cls.bases:
        canonical = project.names.canonical(base) or base
        found.append(canonical)
        found.extend(_bases(project, canonical, depth + 1))
    return found


def _verbs(view: View) -> str:
    verbs = sorted(view.methods & {"POST", "PUT", "PATCH", "DELETE"})
    return "/".join(verbs) if len(verbs) < 4 else "any method"
