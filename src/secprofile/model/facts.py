"""Per-file facts: everything the link step needs from one file, as plain frozen data.

``extract_python`` is a pure function of one file's parsed tree, so it can run
in a worker process and be cached by content hash.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from secprofile.model.django import DjangoFacts, django_facts
from secprofile.model.django_settings import SettingsFacts, settings_facts
from secprofile.model.fastapi import FastAPIFacts, fastapi_facts
from secprofile.model.module import ModuleFacts, index_module, module_facts
from secprofile.model.templates import TemplateFacts, template_facts
from secprofile.source.names import ModuleNames

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(?:(==|>=|~=|<=|>|<|!=)\s*([\w.*+!-]+))?")


@dataclass(frozen=True)
class FileFacts:
    relpath: str
    kind: str  # python, template, requirements
    module: str = ""
    is_package: bool = False
    names: ModuleNames | None = None
    imports: frozenset[str] = frozenset()  # every imported module, absolute
    module_facts: ModuleFacts | None = None
    fastapi: FastAPIFacts | None = None
    django: DjangoFacts | None = None
    django_settings: SettingsFacts | None = None
    # Data-flow summaries: built by ``secprofile.flow`` and stored here by the engine
    # (the model layer does not import the flow layer; it only carries the value).
    flow: object | None = None
    template: TemplateFacts | None = None
    requirements: tuple[tuple[str, str], ...] = ()
    line_count: int = 0
    # Project rules' per-file pre-pass results, ``(rule code, note)``, set by the engine.
    notes: tuple[tuple[str, object], ...] = ()

    def note(self, code: str) -> object | None:
        """What the rule ``code``'s scout noted in this file (None: nothing of interest)."""
        for key, value in self.notes:
            if key == code:
                return value
        return None

    def imports_any(self, *prefixes: str) -> bool:
        return any(name == p or name.startswith(p + ".") for name in self.imports for p in prefixes)


def extract_python(tree: ast.Module, relpath: str, module: str, is_package: bool, line_count: int) -> FileFacts:
    names = ModuleNames.from_tree(tree, module, is_package)
    bodies, imported = index_module(tree, names)
    # Bound names count too: ``from fastapi import FastAPI`` binds ``fastapi.FastAPI``.
    imports = imported | {value.rsplit(".", 1)[0] for value in names.bindings.values() if "." in value}
    starlette_based = any(i.split(".", 1)[0] in ("fastapi", "starlette") for i in imports)
    return FileFacts(
        relpath=relpath,
        kind="python",
        module=module,
        is_package=is_package,
        names=names,
        imports=imports,
        module_facts=module_facts(tree, module, relpath, names, bodies),
        fastapi=fastapi_facts(tree, module, relpath, names) if starlette_based else None,
        django=django_facts(tree, module, relpath, names),
        django_settings=settings_facts(tree, module, relpath, names),
        line_count=line_count,
    )


def extract_template(text: str, relpath: str) -> FileFacts:
    return FileFacts(relpath=relpath, kind="template", template=template_facts(text, relpath),
                     line_count=text.count("\n") + 1)


def extract_requirements(text: str, relpath: str) -> FileFacts:
    pins = []
    keyed = relpath.endswith((".toml", ".cfg"))  # requirement strings sit among `key = value` lines
    for raw in text.splitlines():
        line = raw.strip().strip('",')
        if not line or line.startswith(("#", "-", "[")):
            continue
        if keyed and "=" in raw and not raw.strip().startswith('"'):
            continue  # a toml/cfg key, not a requirement string
        match = _REQUIREMENT.match(line)
        if match:
            pins.append((match.group(1).lower().replace("_", "-"), match.group(3) or ""))
    return FileFacts(relpath=relpath, kind="requirements", requirements=tuple(pins),
                     line_count=text.count("\n") + 1)
