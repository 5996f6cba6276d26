from __future__ import annotations

import ast
from typing import Iterator

from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.rules.django_views._safety import Safety, enclosing_function

MARKERS = frozenset({
    "django.utils.safestring.mark_safe", "django.utils.safestring.SafeString", "django.utils.safestring.SafeText",
    "django.utils.safestring.SafeData", "django.utils.html.mark_safe", "django.utils.html.SafeString",
})


@rule(
    code="SP403",
    slug="mark-safe-on-dynamic-data",
    title="mark_safe/SafeString on data that is not escaped",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=79,
    control="xss",
    kind="node",
    node_types=(ast.Call,),
    frameworks=("django",),
    hint="Build the HTML with `format_html(\"<b>{}</b>\", value)` (it escapes the arguments), or escape each "
    "value with `escape()` before `mark_safe`.",
)
def mark_safe_on_dynamic_data(node: ast.Call, ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags `mark_safe(...)`, `SafeString(...)` and `SafeText(...)` whose argument is not made only
    of literals, module constants, settings, escaped values (`escape`, `conditional_escape`),
    `format_html`/`format_html_join` results, rendered templates, numbers and translations of
    literals. F-strings, `%`, `.format()`, `+` and `"".join(...)` are followed into their parts, and
    local variables into every value assigned or appended to them. Function parameters, object
    attributes (model fields), subscripts and request data are the dynamic data.

    High confidence when the dynamic part is a parameter, an attribute of one or request data;
    medium otherwise.

    ## Why is this bad?
    `mark_safe` tells the template engine not to escape a string. If any part of it comes from a
    user (a display name, a bio, a comment, a query parameter), that user can inject
    `<script>` into every page that shows it: stored cross-site scripting, typically in a
    template filter or tag that everybody's pages use.

    ## Example
    ```python
    from django import template
    from django.utils.safestring import mark_safe

    register = template.Library()

    @register.filter
    def byline(profile):
        return mark_safe(f"<b>{profile.display_name}</b> {profile.bio}")
    ```

    ## Use instead
    ```python
    from django import template
    from django.utils.html import format_html

    register = template.Library()

    @register.filter
    def byline(profile):
        return format_html("<b>{}</b> {}", profile.display_name, profile.bio)
    ```

    ## Known problems
    Values escaped by a helper from an installed package that is not known as an escaper are
    reported; values escaped earlier by the caller (the helper receives already-safe HTML as a
    parameter) are reported with high confidence too. Suppress with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.safestring.mark_safe
    - https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html
    - https://cwe.mitre.org/data/definitions/79.html
    """
    func = node.func
    if not node.args or not isinstance(func, (ast.Name, ast.Attribute)):
        return
    callee = ctx.resolve_call(node)
    if callee not in MARKERS:
        return
    argument = node.args[0]
    if isinstance(argument, ast.Constant):
        return
    safety = Safety(ctx, enclosing_function(ctx))
    verdict = safety.judge(argument)
    if verdict.safe:
        return
    name = callee.rsplit(".", 1)[-1]
    yield ctx.hit(
        node,
        f"{name}() marks {verdict.reason or 'a dynamic value'} as safe HTML without escaping it",
        confidence=None if verdict.strong else Confidence.MEDIUM,
    )
