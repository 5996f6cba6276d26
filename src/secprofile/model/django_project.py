"""The linked Django model: settings, URLconf and views. Built by issue #3."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DjangoModel:
    def __bool__(self) -> bool:
        return False


def link_django(project) -> DjangoModel:
    return DjangoModel()
