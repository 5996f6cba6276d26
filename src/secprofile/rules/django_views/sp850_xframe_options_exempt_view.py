from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._views import decorated_views, short

XFRAME_EXEMPT = "django.views.decorators.clickjacking.xframe_options_exempt"


@rule(
    code="SP850",
    slug="xframe-options-exempt-view",
    title="xframe_options_exempt on a view that renders a page",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=1021,
    control="clickjacking",
    kind="project",
    frameworks=("django",),
    hint="Remove `@xframe_options_exempt`; to allow embedding by known partners set a CSP `frame-ancestors` list "
    "for this view, and keep buttons that act for the user out of embeddable pages.",
)
def xframe_options_exempt_view(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags views decorated with `@xframe_options_exempt` (on the function, through
    `method_decorator` on a class or its `dispatch`, or wrapped in `urls.py`). The exemption
    removes the `X-Frame-Options` header that `XFrameOptionsMiddleware` adds, so any site may
    frame the page. Views that return only JSON or files are not reported (there is nothing to
    click); severity is raised to high when the view changes state or requires a login (a logged-in
    page with buttons is what clickjacking abuses).

    ## Why is this bad?
    A framed page can be made transparent and laid over a decoy: the victim thinks they click the
    attacker's button and actually clicks "Pay", "Delete" or "Grant access" on your page, with their
    session.

    ## Example
    ```python
    from django.shortcuts import render
    from django.views.decorators.clickjacking import xframe_options_exempt

    @xframe_options_exempt
    def account_widget(request):
        return render(request, "widget.html", {"user": request.user})
    ```

    ## Use instead
    ```python
    from django.shortcuts import render
    from django.views.decorators.clickjacking import xframe_options_sameorigin

    @xframe_options_sameorigin
    def account_widget(request):
        return render(request, "widget.html", {"user": request.user})
    ```

    ## Known problems
    Pages meant to be embedded that contain no user-specific actions (a public video player) are
    reported at medium severity; suppress with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/clickjacking/
    - https://cheatsheetseries.owasp.org/cheatsheets/Clickjacking_Defense_Cheat_Sheet.html
    - https://cwe.mitre.org/data/definitions/1021.html
    """
    if not project.django:
        return
    reported: set = set()
    for view, decorator in decorated_views(project, XFRAME_EXEMPT, "xframe_options_exempt"):
        if decorator.location in reported:
            continue
        responses = {r for code in view.code for r in code.responses}
        if responses and responses <= {"json", "file", "redirect"} and view.framework == "django":
            continue
        if view.framework == "drf" and "html" not in responses:
            continue
        session = bool(view.evidence) or any(code.uses_user or "session" in code.reads for code in view.code)
        risky = view.state_changing or session
        reported.add(decorator.location)
        detail = " and acts for the logged-in user" if session else " and changes state" if view.state_changing else ""
        yield Hit(
            decorator.location,
            f"{short(view.target)} is xframe_options_exempt: any site can frame this page{detail}",
            severity=Severity.HIGH if risky else None,
            symbol=view.target,
        )
