from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.source.location import Location


@rule(
    code="SP402",
    slug="template-autoescape-off",
    title="{% autoescape off %} around template variables",
    severity=Severity.MEDIUM,
    confidence=Confidence.MEDIUM,
    cwe=79,
    control="xss",
    kind="project",
    frameworks=("django", "fastapi"),
    hint="Remove the `{% autoescape off %}` block; render trusted HTML with `|safe` on a value sanitised when it "
    "was saved.",
)
def template_autoescape_off(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags `{% autoescape off %}` (Jinja2: `{% autoescape false %}`) blocks that output at least one
    variable without an escaping filter. One finding per block, listing the variables. A block
    that only contains literals, tags, or escaped values (`{{ value|escape }}`) is not reported.
    Turning autoescape off for a whole template engine is a settings rule (SP430).

    ## Why is this bad?
    Inside the block every `{{ }}` is written out raw. It is a common shortcut to render
    rich-text fields, and it also covers every other variable someone adds to the block later.

    ## Example
    ```python
    # file: blog/templates/blog/post.html
    {% autoescape off %}
      <h1>{{ post.title }}</h1>
      <div>{{ post.body }}</div>
    {% endautoescape %}
    # file: blog/views.py
    from django.shortcuts import render

    def post(request):
        return render(request, "blog/post.html")
    ```

    ## Use instead
    ```python
    # file: blog/templates/blog/post.html
    <h1>{{ post.title }}</h1>
    <div>{{ post.body_html }}</div>
    # file: blog/views.py
    from django.shortcuts import render

    def post(request):
        return render(request, "blog/post.html")
    ```

    ## Known problems
    Plain-text e-mail templates rendered with `.html` names are reported; suppress with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/templates/builtins/#autoescape
    - https://cwe.mitre.org/data/definitions/79.html
    """
    for facts in sorted(project.templates(), key=lambda f: f.relpath):
        template = facts.template
        if template is None or not template.has_markup:
            continue
        for block in template.autoescape_off:
            risky = [o for o in block.outputs if o.is_risky]
            if not risky:
                continue
            names = ", ".join(dict.fromkeys(o.expression for o in risky))
            if len(names) > 80:
                names = names[:77] + "..."
            yield Hit(
                Location(facts.relpath, block.line, 1, block.line),
                f"{block.syntax} outputs {names} without escaping",
                symbol=f"{facts.relpath}:autoescape",
            )
