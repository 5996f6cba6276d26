from __future__ import annotations

import ast
from typing import Iterator

from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.rules.django_views._safety import Safety, enclosing_function

FORMAT_HTML = frozenset({"django.utils.html.format_html", "django.utils.html.format_html_join"})


@rule(
    code="SP404",
    slug="format-html-preformatted",
    title="format_html with a format string already filled in",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=79,
    control="xss",
    kind="node",
    node_types=(ast.Call,),
    frameworks=("django",),
    hint="Pass a literal format string and the values as arguments: "
    "`format_html(\"<a href=\\\"{}\\\">{}</a>\", url, name)`.",
)
def format_html_preformatted(node: ast.Call, ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags `format_html(...)` (and the format string of `format_html_join(...)`) whose format
    string is built before the call from dynamic data: an f-string, `"..." % value`,
    `"...".format(value)` or a concatenation, directly or through a local variable. Parts that are
    literals, constants or escaped values do not count.

    ## Why is this bad?
    `format_html` escapes its *arguments* and trusts its *format string*. Interpolating a value
    into the format string first bypasses the escaping completely while looking safe in review;
    Django 5 deprecates calling `format_html` without arguments for this reason.

    ## Example
    ```python
    from django.utils.html import format_html

    def user_link(user):
        return format_html(f'<a href="/u/{user.pk}/">{user.get_full_name()}</a>')
    ```

    ## Use instead
    ```python
    from django.utils.html import format_html

    def user_link(user):
        return format_html('<a href="/u/{}/">{}</a>', user.pk, user.get_full_name())
    ```

    ## Known problems
    A format string assembled from trusted pieces by a helper in another function is reported
    when the helper's parameters are involved; suppress with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html
    - https://cwe.mitre.org/data/definitions/79.html
    """
    if not node.args or not isinstance(node.func, (ast.Name, ast.Attribute)):
        return
    callee = ctx.resolve_call(node)
    if callee not in FORMAT_HTML:
        return
    tail = callee.rsplit(".", 1)[-1]
    index = 1 if callee.endswith("_join") else 0
    if len(node.args) <= index:
        return
    template = node.args[index]
    if isinstance(template, ast.Constant):
        return
    safety = Safety(ctx, enclosing_function(ctx))
    built = _built(template, safety)
    if built is None:
        return
    verdict = safety.judge(built)
    if verdict.safe:
        return
    yield ctx.hit(
        node,
        f"{tail}() format string is built from {verdict.reason or 'dynamic data'} before the call, so it is "
        "not escaped",
        confidence=None if verdict.strong else Confidence.MEDIUM,
    )


def _built(template: ast.AST, safety: Safety, depth: int = 0) -> ast.AST | None:
    """The formatting expression behind the format string, when it is one (f-string, %, .format, +)."""
    if depth > 4:
        return None
    if isinstance(template, ast.JoinedStr):
        return template
    if isinstance(template, ast.BinOp) and isinstance(template.op, (ast.Mod, ast.Add)):
        return template
    if isinstance(template, ast.Call) and isinstance(template.func, ast.Attribute) and template.func.attr == "format":
        return template
    if isinstance(template, ast.Name):
        values = safety.assigned.get(template.id, [])
        for value in values:
            found = _built(value, safety, depth + 1)
            if found is not None:
                return found
    return None
