from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.source.location import Location


@rule(
    code="SP321",
    slug="post-form-without-csrf-token",
    title="POST form without a CSRF token",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=352,
    control="csrf",
    kind="project",
    frameworks=("django",),
    hint="Put `{% csrf_token %}` inside the form (Jinja2: `{{ csrf_input }}`), and keep the target view "
    "protected by CsrfViewMiddleware.",
)
def post_form_without_csrf_token(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags `<form method="post">` elements in templates that render no CSRF token between the
    opening and closing tag: no `{% csrf_token %}`, no Jinja2 `{{ csrf_input }}` or
    `{{ csrf_token }}`, no `csrfmiddlewaretoken` input, no `{% crispy %}` form (which adds one),
    and no included template that renders one.

    Not reported: GET forms, forms posting to another site (`action="https://..."`: the token
    must not leak there), forms whose method is computed, and forms wrapping a `{% block %}` that
    a child template may fill with the token.

    ## Why is this bad?
    With `CsrfViewMiddleware` on, such a form simply fails with 403, and the usual "fix" is to
    `@csrf_exempt` the view, which opens it to cross-site request forgery. A form that works
    without a token means its view is already exempt or the middleware is off.

    ## Example
    ```python
    # file: shop/templates/shop/cart.html
    <form method="post" action="/cart/checkout/">
      <button type="submit">Pay now</button>
    </form>
    # file: shop/views.py
    from django.shortcuts import render

    def cart(request):
        return render(request, "shop/cart.html")
    ```

    ## Use instead
    ```python
    # file: shop/templates/shop/cart.html
    <form method="post" action="/cart/checkout/">
      {% csrf_token %}
      <button type="submit">Pay now</button>
    </form>
    # file: shop/views.py
    from django.shortcuts import render

    def cart(request):
        return render(request, "shop/cart.html")
    ```

    ## Known problems
    A token added by JavaScript at submit time, or by a custom template tag, is not seen; suppress
    with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/howto/csrf/#using-csrf-protection-with-templates
    - https://cwe.mitre.org/data/definitions/352.html
    """
    templates = {facts.relpath: facts for facts in project.templates() if facts.template is not None}
    if not templates:
        return
    by_name: dict[str, list[str]] = {}
    for relpath in templates:
        parts = relpath.split("/")
        for index, part in enumerate(parts[:-1]):
            if part in ("templates", "jinja2"):
                by_name.setdefault("/".join(parts[index + 1:]), []).append(relpath)
    for relpath, facts in sorted(templates.items()):
        template = facts.template
        for form in template.forms:
            if not form.posts or form.has_csrf or form.external or form.has_block:
                continue
            if any(_renders_token(name, templates, by_name) for name in form.includes):
                continue
            yield Hit(
                Location(relpath, form.line, 1, max(form.line, form.tag_end_line)),
                f"<form method=\"post\"{_action(form.action)}> has no {{% csrf_token %}}",
                symbol=f"{relpath}:form",
            )


def _renders_token(name: str, templates, by_name, depth: int = 0) -> bool:
    if depth > 5:
        return False
    for relpath in by_name.get(name, ()):
        template = templates[relpath].template
        if template.has_csrf or any(_renders_token(n, templates, by_name, depth + 1) for n in template.includes):
            return True
    return False


def _action(action: str | None) -> str:
    if not action:
        return ""
    shown = action if len(action) <= 60 else action[:57] + "..."
    return f' action="{shown}"'
