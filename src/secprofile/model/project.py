"""The linked project: every file's facts joined into one queryable model.

``Project`` is built once per scan by :func:`link`. It holds no findings and
no opinions. Model rules that need a function body ask :meth:`Project.tree`,
which parses lazily (facts may come from the cache, trees never do).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from secprofile.model.facts import FileFacts
from secprofile.model.module import ClassFacts, FunctionFacts, VariableFacts
from secprofile.model.values import FromEnv, Literal, Value
from secprofile.source.names import ModuleNames, ProjectNames
from secprofile.source.parsing import Unreadable, decode_source, parse_source


@dataclass
class Project:
    root: Path
    files: dict[str, FileFacts]
    names: ProjectNames
    functions: dict[str, FunctionFacts]
    classes: dict[str, ClassFacts]
    variables: dict[str, VariableFacts]
    _module_index: dict[str, FileFacts] | None = field(default=None, repr=False)
    _trees: dict[str, ast.Module | None] = field(default_factory=dict, repr=False)
    _fastapi: object = field(default=None, repr=False)
    _django: object = field(default=None, repr=False)
    _django_settings: object = field(default=None, repr=False)
    _derived: dict[str, object] = field(default_factory=dict, repr=False)
    # The scan's Config (settings modules, production/development names), for model parts that take options.
    config: object | None = field(default=None, repr=False)

    def python_files(self) -> Iterator[FileFacts]:
        return (f for f in self.files.values() if f.kind == "python")

    def templates(self) -> Iterator[FileFacts]:
        return (f for f in self.files.values() if f.kind == "template")

    def module_names(self, relpath: str) -> ModuleNames | None:
        facts = self.files.get(relpath)
        return facts.names if facts else None

    def file_of(self, qualname: str) -> FileFacts | None:
        split = self.names.split(qualname)
        if split is None:
            return None
        return self._by_module().get(split[0])

    def _by_module(self) -> dict[str, FileFacts]:
        if self._module_index is None:
            self._module_index = {f.module: f for f in self.python_files()}
        return self._module_index

    def ancestors(self, qualname: str) -> tuple[str, ...]:
        """``qualname`` and its bases, depth first in declaration order, each once: project classes
        are followed through their own bases, other names (``django.views.View``) are listed as is."""
        memo = self.derived("project:ancestors", lambda project: {})
        found = memo.get(qualname)
        if found is None:
            memo[qualname] = (qualname,)  # a class cycle ends here
            order = [qualname]
            cls = self.classes.get(qualname)
            for base in cls.bases if cls is not None else ():
                for name in self.ancestors(self.names.canonical(base) or base):
                    if name not in order:
                        order.append(name)
            found = memo[qualname] = tuple(order)
        return found

    def tree(self, relpath: str) -> ast.Module | None:
        """The parsed module, read again from disk on first use."""
        if relpath not in self._trees:
            try:
                path = self.root / relpath if self.root.is_dir() else self.root
                self._trees[relpath] = parse_source(decode_source(path.read_bytes()), relpath)
            except (OSError, Unreadable):
                self._trees[relpath] = None
        return self._trees[relpath]

    def function_node(self, function: FunctionFacts) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        """The AST of a summarised function, found by position in its file."""
        tree = self.tree(function.location.path)
        if tree is None:
            return None
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno == function.location.line \
                    and node.name == function.name:
                return node
        return None

    def function(self, qualname: str | None) -> FunctionFacts | None:
        if not qualname:
            return None
        return self.functions.get(self.names.canonical(qualname) or qualname)

    def value_of(self, reference: str | None) -> Value | None:
        """What a module variable or a settings attribute holds: ``app.config.settings.docs_url``.

        A field of a pydantic ``BaseSettings`` class reads the environment first, so its
        default comes back as :class:`FromEnv`.
        """
        if not reference:
            return None
        name = self.names.canonical(reference) or reference
        variable = self.variables.get(name)
        if variable is not None:
            return variable.value
        owner, _, attribute = name.rpartition(".")
        holder = self.variables.get(owner)
        cls = self.classes.get(self.names.canonical(holder.call) or holder.call) if holder and holder.call else \
            self.classes.get(owner)
        if cls is None:
            return None
        value = cls.attribute(attribute)
        if value is None and attribute in dict(cls.annotations):
            value = FromEnv(attribute.upper())  # a required field: no default
        if isinstance(value, Literal) and any(base.endswith("BaseSettings") for base in cls.bases):
            return FromEnv(attribute.upper(), value.value, value.text)
        return value

    @property
    def fastapi(self):
        if self._fastapi is None:
            from secprofile.model.fastapi_app import link_fastapi

            self._fastapi = link_fastapi(self)
        return self._fastapi

    @property
    def django(self):
        if self._django is None:
            from secprofile.model.django_project import link_django

            self._django = link_django(self)
        return self._django

    @property
    def django_settings(self):
        if self._django_settings is None:
            from secprofile.model.django_settings import link_settings

            self._django_settings = link_settings(self)
        return self._django_settings

    def derived(self, key: str, build):
        """A per-scan analysis shared by several rules (the data-flow graph, say), built once."""
        if key not in self._derived:
            self._derived[key] = build(self)
        return self._derived[key]

    def release(self) -> None:
        """Drop the lazily built models and trees. They refer back to the project, so without
        this the whole linked model is cyclic garbage that only the cyclic collector frees
        (0.2-0.3 s for Django's source, paid by whatever allocates next)."""
        self._derived.clear()
        self._trees.clear()
        self._fastapi = self._django = self._django_settings = None

    @property
    def frameworks(self) -> tuple[str, ...]:
        found = set()
        for facts in self.python_files():
            if facts.imports_any("fastapi"):
                found.add("fastapi")
            if facts.imports_any("django"):
                found.add("django")
            if facts.imports_any("rest_framework"):
                found.add("djangorestframework")
            if facts.imports_any("starlette") and not facts.imports_any("fastapi"):
                found.add("starlette")
        if "django" not in found and self.django_settings:
            found.add("django")  # a settings module that imports nothing of Django (startproject's settings.py)
        return tuple(sorted(found))

    def pinned_versions(self) -> dict[str, str]:
        pins: dict[str, str] = {}
        for facts in sorted(self.files.values(), key=lambda f: f.relpath):
            for name, version in facts.requirements:
                pins.setdefault(name, version)
        return pins


def link(root: Path, files: list[FileFacts], config: object | None = None) -> Project:
    """Join per-file facts into a :class:`Project`."""
    python = [f for f in files if f.kind == "python" and f.names is not None]
    names = ProjectNames({f.module: f.names for f in python})
    functions: dict[str, FunctionFacts] = {}
    classes: dict[str, ClassFacts] = {}
    variables: dict[str, VariableFacts] = {}
    for facts in python:
        if facts.module_facts is None:
            continue
        for function in facts.module_facts.functions:
            functions.setdefault(function.qualname, function)
        for cls in facts.module_facts.classes:
            classes.setdefault(cls.qualname, cls)
        for variable in facts.module_facts.variables:
            variables[variable.qualname] = variable
    return Project(
        root=root,
        files={f.relpath: f for f in files},
        names=names,
        functions=functions,
        classes=classes,
        variables=variables,
        config=config,
    )
