from __future__ import annotations

from typing import Iterator

from secprofile.flow import flow_hits
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP605",
    slug="redirect-to-request-data",
    title="Redirect to a URL from request data (open redirect)",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=601,
    control="other-injection",
    kind="project",
    hint="Check the target first: Django `url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})`, "
    "or accept only local paths (`url.startswith(\"/\") and not url.startswith(\"//\")`), else redirect home.",
)
def redirect_to_request_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Follows request data (a `next`/`return_to` query parameter, a form field, a header)
    through helpers, across modules, into a redirect: FastAPI/Starlette `RedirectResponse`,
    Django `redirect()`, `HttpResponseRedirect`, `HttpResponsePermanentRedirect`. One
    finding per redirect reached.

    Django class-based views redirect to what some of their methods return: request data
    returned by `get_success_url()` (FormView, CreateView, UpdateView, DeleteView, LoginView),
    `get_redirect_url()` (RedirectView, LoginView), `get_next_page()` (LogoutView) or
    `get_default_redirect_url()`, or stored in `self.success_url` / `self.next_page`, is
    reported there, when the class derives from a Django view through the project's own
    base classes and mixins (a mixin's `get_success_url()` counts once a view uses it).
    Overriding LoginView's `get_success_url()` to return `?next=` as it came skips the check
    Django's own version makes.

    Not reported: targets checked with `url_has_allowed_host_and_scheme` or a validator
    whose name says so (`is_safe_url`, `_is_local_path`), allow-listed targets, and targets
    with a constant prefix that keeps them on the site (`f"/items/{slug}"`) or fixes the
    host (`f"https://example.com/{path}"`).

    ## Why is this bad?
    `https://yoursite.example/login?next=https://evil.example` sends users, after they
    logged in on the real site, to a look-alike that asks for their password again or
    serves malware. The link looks trustworthy because it starts with your domain.

    ## Example
    ```python
    from django.shortcuts import redirect


    def switch_language(request):
        request.session["lang"] = request.GET.get("lang", "en")
        return redirect(request.GET.get("next", "/"))
    ```

    ## Use instead
    ```python
    from django.shortcuts import redirect
    from django.utils.http import url_has_allowed_host_and_scheme


    def switch_language(request):
        request.session["lang"] = request.GET.get("lang", "en")
        target = request.GET.get("next", "/")
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = "/"
        return redirect(target)
    ```

    ## Known problems
    A check written as `target.startswith("/")` alone is not accepted (`//evil.example`
    passes it). Redirects to the `Referer` header are reported. URL arguments of a
    class-based view (`get_redirect_url(self, **kwargs)` returning `kwargs["url"]`) are not
    followed, nor are views deriving from third-party view classes only.

    ## References
    - https://cwe.mitre.org/data/definitions/601.html
    - https://cheatsheetseries.owasp.org/cheatsheets/Unvalidated_Redirects_and_Forwards_Cheat_Sheet.html
    - https://docs.djangoproject.com/en/5.0/ref/utils/#django.utils.http.url_has_allowed_host_and_scheme
    """
    yield from flow_hits(project, ("redirect",))
