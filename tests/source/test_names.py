from __future__ import annotations

import ast

from secprofile.source.names import ModuleNames, ProjectNames, module_name_for, resolve_relative


def names_of(source: str, module: str = "app.api", is_package: bool = False) -> tuple[ModuleNames, ast.Module]:
    tree = ast.parse(source)
    return ModuleNames.from_tree(tree, module, is_package), tree


def expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def test_aliases_resolve_to_what_a_name_is():
    names, _ = names_of(
        "import subprocess as sp\n"
        "from fastapi import security as sec\n"
        "from fastapi.security import OAuth2PasswordBearer as Bearer\n"
        "import os.path\n"
    )
    assert names.resolve(expr("sp.run")) == "subprocess.run"
    assert names.resolve(expr("sec.OAuth2PasswordBearer")) == "fastapi.security.OAuth2PasswordBearer"
    assert names.resolve(expr("Bearer")) == "fastapi.security.OAuth2PasswordBearer"
    assert names.resolve(expr("os.path.join")) == "os.path.join"
    assert names.resolve(expr("open")) == "builtins.open"
    assert names.resolve(expr("unknown_local.attr")) is None


def test_relative_imports():
    assert resolve_relative("app.routers.users", False, 1, "deps") == "app.routers.deps"
    assert resolve_relative("app.routers.users", False, 2, "security") == "app.security"
    assert resolve_relative("app.routers", True, 1, "users") == "app.routers.users"
    names, _ = names_of("from ..security import get_user\nfrom . import items\n", "app.routers.users")
    assert names.resolve(expr("get_user")) == "app.security.get_user"
    assert names.resolve(expr("items.router")) == "app.routers.items.router"


def test_module_level_bindings_inside_try_and_if():
    names, _ = names_of("try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
                        "if True:\n    def helper():\n        pass\n")
    assert names.resolve(expr("json.loads")) == "json.loads"  # the last binding wins
    assert names.resolve(expr("helper")) == "app.api.helper"


def test_canonical_follows_re_exports_across_modules():
    deps, _ = names_of("from app.security import get_current_user\n", "app.deps")
    security, _ = names_of("def get_current_user():\n    pass\n", "app.security")
    project = ProjectNames({"app.deps": deps, "app.security": security})
    assert project.canonical("app.deps.get_current_user") == "app.security.get_current_user"
    assert project.canonical("fastapi.Depends") == "fastapi.Depends"


def test_canonical_matches_modules_by_unique_suffix():
    """Scanning above the package root: `src.app.security` is imported as `app.security`."""
    security, _ = names_of("def check():\n    pass\n", "src.app.security")
    project = ProjectNames({"src.app.security": security})
    assert project.canonical("app.security.check") == "src.app.security.check"


def test_module_name_for():
    assert module_name_for("app/routers/users.py") == ("app.routers.users", False)
    assert module_name_for("app/__init__.py") == ("app", True)
