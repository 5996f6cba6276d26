from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.source.location import Location


@rule(
    code="SP401",
    slug="template-safe-filter",
    title="|safe or |safeseq on a template variable",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    cwe=79,
    control="xss",
    kind="project",
    frameworks=("django", "fastapi"),
    hint="Drop `|safe` and let auto-escaping work; for rich text, sanitise it when it is saved (bleach/nh3) and "
    "mark only the sanitised value safe.",
)
def template_safe_filter(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags `{{ value|safe }}` and `{{ list|safeseq }}` in Django and Jinja2 templates when the value
    is a variable. Literals (`{{ "<br>"|safe }}`) and values escaped earlier in the same filter
    chain (`{{ value|escape|safe }}`, `|force_escape`, `|escapejs`, `|urlencode`, numeric filters)
    are fine. Outputs inside `{% autoescape off %}` are SP402's.

    ## Why is this bad?
    `|safe` switches off the escaping that makes `{{ }}` safe. When the value is a comment, a
    profile field or anything else a user typed, the user's `<script>` runs in every visitor's
    browser: stored cross-site scripting.

    ## Example
    ```python
    # file: blog/templates/blog/comment.html
    <div class="comment">{{ comment.body|safe }}</div>
    # file: blog/views.py
    from django.shortcuts import render

    def comment(request):
        return render(request, "blog/comment.html")
    ```

    ## Use instead
    ```python
    # file: blog/templates/blog/comment.html
    <div class="comment">{{ comment.body|linebreaksbr }}</div>
    # file: blog/views.py
    from django.shortcuts import render

    def comment(request):
        return render(request, "blog/comment.html")
    ```

    ## Known problems
    The template cannot tell trusted HTML (produced by the site's own code or sanitised on save)
    from user input; such outputs are reported with medium confidence and should be suppressed
    with a reason (`{# secprofile: ignore[SP401] sanitised with nh3 on save #}`).

    ## References
    - https://docs.djangoproject.com/en/stable/ref/templates/builtins/#safe
    - https://docs.djangoproject.com/en/stable/ref/templates/language/#automatic-html-escaping
    - https://cwe.mitre.org/data/definitions/79.html
    """
    for facts in sorted(project.templates(), key=lambda f: f.relpath):
        template = facts.template
        if template is None or not template.has_markup:
            continue
        for output in template.outputs:
            if not output.is_risky:
                continue
            yield Hit(
                Location(facts.relpath, output.line, output.column, output.line),
                f"{{{{ {output.expression}|{output.reason} }}}} outputs {output.expression} without escaping",
                symbol=f"{facts.relpath}:{output.expression}",
            )
