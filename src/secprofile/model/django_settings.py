"""Django settings facts (per module) and the linked settings model. Built by issue #3."""

from __future__ import annotations

import ast
from dataclasses import dataclass

from secprofile.source.names import ModuleNames


@dataclass(frozen=True)
class SettingsFacts:
    pass


@dataclass(frozen=True)
class DjangoSettings:
    def __bool__(self) -> bool:
        return False


def settings_facts(tree: ast.Module, module: str, path: str, names: ModuleNames) -> SettingsFacts | None:
    return None


def link_settings(project) -> DjangoSettings:
    return DjangoSettings()
