"""Facts about one HTML template (Django or Jinja2 syntax).

Filled in by the Django model work (issue #3).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateFacts:
    pass


def template_facts(text: str, path: str) -> TemplateFacts:
    return TemplateFacts()
