from __future__ import annotations

import ast

import pytest

from secprofile.model.module import module_literal_lookup
from secprofile.model.values import MISSING, Evaluator, FromEnv, Literal, Unknown, effective
from secprofile.source.names import ModuleNames

PRELUDE = """
import os
import environ
from decouple import config, Csv
env = environ.Env()
ALLOWED = ["a.example.com"]
"""


def evaluate(expression: str):
    tree = ast.parse(PRELUDE)
    names = ModuleNames.from_tree(tree, "settings")
    return Evaluator(names, module_literal_lookup(tree, names))(ast.parse(expression, mode="eval").body)


@pytest.mark.parametrize(
    "expression, variable, default",
    [
        ('os.environ.get("DEBUG", "True") == "True"', "DEBUG", True),
        ('os.getenv("DEBUG", "0") == "1"', "DEBUG", False),
        ('os.environ.get("DEBUG", "false").lower() in ("1", "true")', "DEBUG", False),
        ('bool(int(os.getenv("DEBUG", "1")))', "DEBUG", True),
        ('env.bool("DEBUG", default=True)', "DEBUG", True),
        ('env("SECRET_KEY", default="dev-key")', "SECRET_KEY", "dev-key"),
        ('config("DEBUG", default=True, cast=bool)', "DEBUG", True),
        ('config("ALLOWED_HOSTS", default="*", cast=Csv())', "ALLOWED_HOSTS", ["*"]),
        ('os.getenv("HOSTS", "a,b").split(",")', "HOSTS", ["a", "b"]),
    ],
)
def test_environment_reads_keep_their_default(expression, variable, default):
    value = evaluate(expression)
    assert isinstance(value, FromEnv) and value.variable == variable and value.default == default
    assert effective(value) == default


def test_required_environment_variable_has_no_default():
    value = evaluate('os.environ["SECRET_KEY"]')
    assert isinstance(value, FromEnv) and not value.has_default and effective(value) is MISSING


def test_literals_and_module_constants():
    assert evaluate('["*"]') == Literal(["*"], "['*']")
    assert evaluate("ALLOWED").value == ["a.example.com"]
    assert evaluate('"a" + "b"').value == "ab"


def test_anything_else_is_unknown_with_its_reference():
    value = evaluate("settings.DOCS_URL")
    assert isinstance(value, Unknown) and value.text == "settings.DOCS_URL"
    conditional = evaluate('None if os.getenv("ENV") == "prod" else "/docs"')
    assert isinstance(conditional, Unknown)
