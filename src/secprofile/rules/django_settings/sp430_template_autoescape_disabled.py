from __future__ import annotations

from typing import Iterator

from secprofile.model.values import FromEnv, effective
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import confidence, firm, judged, setting_hit, unique, where

BACKENDS = {
    "django.template.backends.django.DjangoTemplates": "Django templates",
    "django.template.backends.jinja2.Jinja2": "Jinja2 templates",
}


@rule(
    code="SP430",
    slug="template-autoescape-disabled",
    title="Template autoescaping turned off in TEMPLATES",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=79,
    control="xss",
    kind="project",
    frameworks=("django",),
    hint="Remove `\"autoescape\": False` from TEMPLATES OPTIONS; mark the few trusted fragments safe "
    "individually (`format_html`, `{% autoescape off %}` around a trusted block).",
)
def template_autoescape_disabled(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags a `TEMPLATES` entry for Django's template engine or its Jinja2 backend whose
    `OPTIONS` contain `"autoescape": False` (also when set later, as in
    `TEMPLATES[0]["OPTIONS"]["autoescape"] = False`, or read from the environment with a false
    default), in any settings that are not development-only.

    ## Why is this bad?
    Autoescaping is what makes `{{ comment.body }}` safe. Turned off for the whole engine,
    every variable in every template is inserted as raw HTML: any user-controlled text
    anywhere on the site becomes stored or reflected cross-site scripting.

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {"autoescape": False},
        },
    ]
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
        },
    ]
    ```

    ## Known problems
    A Jinja2 `environment` callable that turns autoescaping off in code is not followed here
    (the data-flow rules cover `jinja2.Environment(autoescape=False)`). Engines that only
    render plain-text e-mails are reported too; suppress with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/topics/templates/#django.template.backends.django.DjangoTemplates
    - https://docs.djangoproject.com/en/stable/ref/templates/language/#automatic-html-escaping
    - https://cwe.mitre.org/data/definitions/79.html
    """
    hits = []
    for module in judged(project, deploy_only=False):
        setting = module.get("TEMPLATES")
        if not firm(setting) or not isinstance(setting.effective, (list, tuple)):
            continue
        for index, engine in enumerate(setting.effective):
            if not isinstance(engine, dict):
                continue
            backend = engine.get("BACKEND")
            options = engine.get("OPTIONS")
            if backend not in BACKENDS or not isinstance(options, dict) or "autoescape" not in options:
                continue
            raw = options["autoescape"]
            value = effective(raw) if isinstance(raw, FromEnv) else raw
            if value is False or (isinstance(raw, FromEnv) and raw.has_default and not value):
                via = f" (environment variable {raw.variable} unset)" if isinstance(raw, FromEnv) else ""
                at = setting.last_update(index, "OPTIONS", "autoescape")
                hits.append(setting_hit(module, setting, f"TEMPLATES[{index}] ({BACKENDS[backend]}) sets autoescape "
                                        f"False{via} in {where(module)}: every variable is rendered as raw HTML",
                                        at=at, confidence=confidence(module, deploy=False)))
    yield from unique(hits)
