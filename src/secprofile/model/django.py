"""Django and DRF facts declared in one module (settings, URLconfs, views).

Filled in by the Django model work (issue #3); until then no module yields facts.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from secprofile.source.names import ModuleNames


@dataclass(frozen=True)
class DjangoFacts:
    pass


def django_facts(tree: ast.Module, module: str, path: str, names: ModuleNames) -> DjangoFacts | None:
    return None
