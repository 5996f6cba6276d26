"""What a name *is*: per-module binding tables and qualified-name resolution.

``ModuleNames.resolve(expr)`` answers ``"fastapi.security.OAuth2PasswordBearer"``
for whatever alias a file used (``from fastapi import security as sec`` then
``sec.OAuth2PasswordBearer``).  ``ProjectNames.canonical`` then follows
re-exports across the project's own modules, so ``app.deps.get_user`` becomes
``app.security.get_user`` when ``app/deps.py`` only imported it.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Iterator, Mapping

_BUILTINS = frozenset(dir(builtins))


def module_name_for(relpath: str) -> tuple[str, bool]:
    """Dotted module name for a relative path, and whether it is a package ``__init__``."""
    parts = relpath[: -len(".py")].split("/") if relpath.endswith(".py") else relpath.split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(p for p in parts if p) or "__init__", is_package


def resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    """Absolute module for ``from <level dots><target> import ...`` inside ``module``."""
    if level == 0:
        return target or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level > 1:
        package = package[: len(package) - (level - 1)]
    base = ".".join(package)
    if target:
        return f"{base}.{target}" if base else target
    return base


def iter_module_level(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run at import time: the body plus if/try/with blocks, not defs."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.With, ast.AsyncWith, ast.For, ast.While)):
            yield from iter_module_level(stmt.body)
            yield from iter_module_level(getattr(stmt, "orelse", []))
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            yield from iter_module_level(stmt.body)
            for handler in stmt.handlers:
                yield from iter_module_level(handler.body)
            yield from iter_module_level(stmt.orelse)
            yield from iter_module_level(stmt.finalbody)


@dataclass(frozen=True)
class ModuleNames:
    """The names a module binds at import time, mapped to qualified names."""

    module: str
    is_package: bool = False
    bindings: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_tree(cls, tree: ast.Module, module: str, is_package: bool = False) -> "ModuleNames":
        bindings: dict[str, str] = {}
        for stmt in iter_module_level(tree.body):
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.asname:
                        bindings[alias.asname] = alias.name
                    else:
                        head = alias.name.split(".")[0]
                        bindings[head] = head
            elif isinstance(stmt, ast.ImportFrom):
                source = resolve_relative(module, is_package, stmt.level, stmt.module)
                for alias in stmt.names:
                    if alias.name == "*":
                        continue
                    local = alias.asname or alias.name
                    bindings[local] = f"{source}.{alias.name}" if source else alias.name
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bindings[stmt.name] = f"{module}.{stmt.name}"
            elif isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    for name in _target_names(target):
                        if name not in bindings or bindings[name] != f"{module}.{name}":
                            bindings[name] = f"{module}.{name}"
        return cls(module=module, is_package=is_package, bindings=bindings)

    def resolve(self, node: ast.AST | None) -> str | None:
        """Qualified dotted name of a ``Name``/``Attribute`` chain, or ``None``.

        Unbound builtins resolve to ``builtins.<name>``; anything else unbound
        (a local variable, a parameter) resolves to ``None``.
        """
        if isinstance(node, ast.Name):
            bound = self.bindings.get(node.id)
            if bound is not None:
                return bound
            return f"builtins.{node.id}" if node.id in _BUILTINS else None
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def resolve_call(self, node: ast.AST) -> str | None:
        """Qualified name of the function a ``Call`` invokes."""
        return self.resolve(node.func) if isinstance(node, ast.Call) else None


def _target_names(target: ast.AST) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)


def dotted(node: ast.AST) -> str | None:
    """The literal dotted text of a ``Name``/``Attribute`` chain, unresolved."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


class ProjectNames:
    """Resolution across the project's own modules (re-exports, star-less aliases)."""

    def __init__(self, modules: Mapping[str, ModuleNames]):
        self._modules = dict(modules)
        self._by_suffix: dict[str, str | None] = {}
        for name in self._modules:
            parts = name.split(".")
            for i in range(1, len(parts)):
                suffix = ".".join(parts[i:])
                # An ambiguous suffix maps to None: never guess between two modules.
                self._by_suffix[suffix] = None if suffix in self._by_suffix else name

    def module(self, name: str) -> ModuleNames | None:
        return self._modules.get(name) or self._modules.get(self._by_suffix.get(name) or "")

    def project_module(self, name: str) -> str | None:
        """The project module that ``name`` refers to (exact, or by unique suffix)."""
        if name in self._modules:
            return name
        return self._by_suffix.get(name)

    def split(self, qualname: str) -> tuple[str, str] | None:
        """Split into (project module, attribute path), longest module first."""
        parts = qualname.split(".")
        for i in range(len(parts), 0, -1):
            module = self.project_module(".".join(parts[:i]))
            if module is not None:
                return module, ".".join(parts[i:])
        return None

    def canonical(self, qualname: str | None) -> str | None:
        """Follow imports and re-exports inside the project to where a name is defined."""
        if qualname is None:
            return None
        seen = set()
        current = qualname
        while current not in seen and len(seen) < 32:  # a self-referencing re-export must not grow forever
            seen.add(current)
            split = self.split(current)
            if split is None:
                return current
            module, attribute = split
            if not attribute:
                return module
            head, _, rest = attribute.partition(".")
            bound = self._modules[module].bindings.get(head)
            if bound is None:
                return f"{module}.{attribute}"
            if bound == f"{module}.{head}":
                return f"{module}.{attribute}"
            current = f"{bound}.{rest}" if rest else bound
        return current
