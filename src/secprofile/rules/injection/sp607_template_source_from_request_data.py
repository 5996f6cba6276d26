from __future__ import annotations

from typing import Iterator

from secprofile.flow import flow_hits
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP607",
    slug="template-source-from-request-data",
    title="Template source built from request data (template injection)",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    cwe=1336,
    control="other-injection",
    kind="project",
    hint="Keep templates constant and pass user data as context: `env.get_template(\"greeting.html\")"
    ".render(name=name)`.",
)
def template_source_from_request_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Follows request data through string building and helpers, across modules, into the
    *source* of a template: `jinja2.Template(...)`, `Environment.from_string(...)`, Flask
    `render_template_string(...)`, Django `Template(...)`, Mako `Template(...)`. One finding
    per template reached. User data passed as context values is not template source.

    ## Why is this bad?
    Template syntax is code: `{{ cycler.__init__.__globals__.os.popen('id').read() }}` in
    a Jinja2 template source runs commands on the server (server-side template injection).

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse
    from jinja2 import Template

    app = FastAPI()


    @app.get("/greeting")
    def greeting(name: str):
        return PlainTextResponse(Template("Hello " + name + "!").render())
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse
    from jinja2 import Environment, select_autoescape

    app = FastAPI()
    env = Environment(autoescape=select_autoescape())


    @app.get("/greeting")
    def greeting(name: str):
        return PlainTextResponse(env.from_string("Hello {{ name }}!").render(name=name))
    ```

    ## Known problems
    Template names chosen by the user (`get_template(name)`) are a path concern, not
    reported here.

    ## References
    - https://cwe.mitre.org/data/definitions/1336.html
    - https://portswigger.net/web-security/server-side-template-injection
    """
    yield from flow_hits(project, ("template",))
