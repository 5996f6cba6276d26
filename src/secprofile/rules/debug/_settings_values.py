"""The value in force of an expression, followed across the project's modules.

``debug=settings.debug`` is only as safe as the default of ``Settings.debug``; ``reload=DEBUG``
as the module constant ``DEBUG``. This resolves names and attributes through module
constants, settings-class defaults (pydantic ``BaseSettings`` fields, ``Field(default=...)``)
and ``get_settings()`` factories, and returns the value used when nothing is configured.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from secprofile.model.project import Project
from secprofile.model.values import MISSING, Evaluator, FromEnv, Literal, Unknown, Value
from secprofile.source.names import ModuleNames


@dataclass(frozen=True)
class InForce:
    """A value in force when nothing is configured, and how it was found."""

    value: object
    how: str  # "literal", "env" or "settings"
    explanation: str  # e.g. "environment variable DEBUG defaults to 'true'"


def in_force(node: ast.AST | None, names: ModuleNames, evaluate: Evaluator, project: Project | None,
             function: ast.AST | None = None, depth: int = 0) -> InForce | None:
    """What ``node`` evaluates to when the environment sets nothing, or None when unknown."""
    if node is None or depth > 6:
        return None
    if isinstance(node, ast.Name) and function is not None:
        assigned = _local_assignment(function, node.id, getattr(node, "lineno", 0))
        if assigned is not None:
            return in_force(assigned, names, evaluate, project, function, depth + 1)
    found = _from_value(evaluate(node))
    if found is not None:
        return found
    if project is None:
        return None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call):
        return _factory_attribute(project, names, node, depth)
    if isinstance(node, (ast.Name, ast.Attribute)):
        qualname = names.resolve(node)
        return _project_value(project, qualname, depth) if qualname else None
    return None


def _from_value(value: Value, source: str = "") -> InForce | None:
    if isinstance(value, Literal):
        return InForce(value.value, "literal", source or repr(value.value))
    if isinstance(value, FromEnv) and value.has_default:
        return InForce(value.default, "env", f"environment variable {value.variable} defaults to {value.default!r}")
    return None


def _project_value(project: Project, qualname: str, depth: int) -> InForce | None:
    canonical = project.names.canonical(qualname) or qualname
    variable = project.variables.get(canonical)
    if variable is not None:
        found = _from_value(variable.value)
        if found is not None and found.how == "literal":
            return InForce(found.value, "settings", f"{canonical.rsplit('.', 1)[-1]} = {found.value!r}")
        return found
    owner, _, attribute = canonical.rpartition(".")
    if not owner:
        return None
    holder = project.variables.get(owner)
    cls_name = project.names.canonical(holder.call) if holder is not None and holder.call else owner
    return _class_default(project, cls_name or "", attribute)


def _class_default(project: Project, cls_name: str, attribute: str, depth: int = 0) -> InForce | None:
    cls = project.classes.get(cls_name)
    if cls is None or depth > 5:
        return None
    value = cls.attribute(attribute)
    if value is None:
        for base in cls.bases:
            found = _class_default(project, project.names.canonical(base) or base, attribute, depth + 1)
            if found is not None:
                return found
        return None
    found = _from_value(value)
    if found is None and isinstance(value, Unknown):
        found = _field_default(value.text)
    if found is None:
        return None
    if found.how == "env":
        return found
    return InForce(found.value, "settings", f"{cls.name}.{attribute} defaults to {found.value!r}")


def _field_default(text: str) -> InForce | None:
    """``Field(default=True, ...)`` / ``Field(True)`` from a class attribute's source text."""
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute))):
        return None
    if (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) != "Field":
        return None
    default = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "default"), None)
    if isinstance(default, ast.Constant) and default.value is not Ellipsis:
        return InForce(default.value, "literal", repr(default.value))
    return None


def _factory_attribute(project: Project, names: ModuleNames, node: ast.Attribute, depth: int) -> InForce | None:
    """``get_settings().debug`` where ``get_settings`` returns ``Settings()``."""
    call = node.value
    qualname = names.resolve(call.func) if isinstance(call, ast.Call) else None
    if not qualname:
        return None
    canonical = project.names.canonical(qualname) or qualname
    if canonical in project.classes:
        return _class_default(project, canonical, node.attr)
    function = project.functions.get(canonical)
    if function is None:
        return None
    tree_node = project.function_node(function)
    file = project.files.get(function.location.path)
    if tree_node is None or file is None or file.names is None:
        return None
    for inner in ast.walk(tree_node):
        if isinstance(inner, ast.Return) and isinstance(inner.value, ast.Call):
            returned = file.names.resolve(inner.value.func)
            if returned:
                return _class_default(project, project.names.canonical(returned) or returned, node.attr)
    return None


def _local_assignment(function: ast.AST, name: str, before_line: int) -> ast.expr | None:
    best: tuple[int, ast.expr] | None = None
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and node.lineno < before_line and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            if best is None or node.lineno >= best[0]:
                best = (node.lineno, node.value)
    return best[1] if best else None


def truthy(value: object) -> bool:
    if value is MISSING:
        return False
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y", "t")
    return bool(value)
