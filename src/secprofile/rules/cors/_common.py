"""Shared reading of FastAPI/Starlette ``CORSMiddleware`` options for SP830 and SP831 (not a rule module).

Each ``CORSMiddleware`` declaration (``app.add_middleware(CORSMiddleware, ...)`` or
``FastAPI(middleware=[Middleware(CORSMiddleware, ...)])``) is judged once: are any origins
allowed (``allow_origins=["*"]``, an ``allow_origin_regex`` that matches any site, either from
the environment with such a default), and are credentials allowed?
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from secprofile.model.fastapi import MiddlewareDecl
from secprofile.model.values import FromEnv, Literal, Unknown, Value
from secprofile.source.location import Location

CORS_CLASSES = frozenset({"fastapi.middleware.cors.CORSMiddleware", "starlette.middleware.cors.CORSMiddleware"})
# Origins no allow-list means to admit; a regex that fully matches them admits every site.
PROBE_ORIGINS = ("https://attacker.example", "http://evil-site.test", "https://x.attacker-owned.net")
_TRUE_STRINGS = frozenset({"1", "true", "yes", "on", "y", "t"})


@dataclass(frozen=True)
class CorsConfig:
    decl: MiddlewareDecl
    wildcard: bool  # any origin is allowed
    wildcard_from_env: str | None  # the variable whose *default* allows any origin
    how: str  # "allow_origins=['*']" / "allow_origin_regex='.*'"
    credentials: str  # "yes", "no", "unknown"
    credentials_from_env: str | None
    location: Location
    regex: Value | None = None  # allow_origin_regex, resolved through constants and settings (for SP833)


def _resolved(project, value: Value | None) -> Value | None:
    if isinstance(value, Unknown) and value.reference:
        return project.value_of(value.reference) or value
    return value


def _origins_wildcard(value: Value | None) -> tuple[bool, str | None]:
    if isinstance(value, Literal):
        return _has_star(value.value), None
    if isinstance(value, FromEnv) and value.has_default and _has_star(value.default):
        return True, value.variable
    return False, None


def _has_star(payload: object) -> bool:
    if isinstance(payload, str):
        return "*" in [part.strip() for part in payload.split(",")]
    if isinstance(payload, (list, tuple, set, frozenset)):
        return any(isinstance(item, str) and item.strip() == "*" for item in payload)
    return False


def regex_matches_anything(pattern: object) -> bool:
    if not isinstance(pattern, str) or not pattern:
        return False
    try:
        compiled = re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    return all(compiled.fullmatch(origin) for origin in PROBE_ORIGINS)


def _regex_wildcard(value: Value | None) -> tuple[bool, str | None]:
    if isinstance(value, Literal):
        return regex_matches_anything(value.value), None
    if isinstance(value, FromEnv) and value.has_default and regex_matches_anything(value.default):
        return True, value.variable
    return False, None


def _credentials(value: Value | None) -> tuple[str, str | None]:
    if value is None:
        return "no", None
    payload: object
    if isinstance(value, Literal):
        payload = value.value
        variable = None
    elif isinstance(value, FromEnv) and value.has_default:
        payload, variable = value.default, value.variable
    else:
        return "unknown", None
    if isinstance(payload, str):
        payload = payload.strip().lower() in _TRUE_STRINGS
    return ("yes" if payload else "no"), variable


def is_cors(project, decl: MiddlewareDecl) -> bool:
    if decl.is_function:
        return False
    name = project.names.canonical(decl.middleware) or decl.middleware
    if name in CORS_CLASSES:
        return True
    cls = project.classes.get(name)
    return cls is not None and any((project.names.canonical(b) or b) in CORS_CLASSES for b in cls.bases)


def _call_at(project, location: Location) -> ast.Call | None:
    tree = project.tree(location.path)
    if tree is None:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.lineno == location.line and node.col_offset + 1 == location.column:
            return node
    return None


def _span(project, decl: MiddlewareDecl, keywords: tuple[str, ...]) -> Location:
    call = _call_at(project, decl.location)
    if call is None:
        return decl.location
    found = [k for k in call.keywords if k.arg in keywords]
    if not found:
        return decl.location
    first = min(found, key=lambda k: (k.lineno, k.col_offset))
    last = max(found, key=lambda k: (k.end_lineno or k.lineno, k.end_col_offset or 0))
    return Location(decl.location.path, first.lineno, first.col_offset + 1, last.end_lineno or last.lineno)


def option_span(project, decl: MiddlewareDecl, keywords: tuple[str, ...]) -> Location:
    """The span of the ``keywords`` arguments of a declaration (the whole call when none is given)."""
    return _span(project, decl, keywords)


def cors_configs(project) -> list[CorsConfig]:
    def build(project) -> list[CorsConfig]:
        configs = []
        seen: set[Location] = set()
        for facts in project.python_files():
            if not facts.fastapi:
                continue
            for decl in facts.fastapi.middleware:
                if decl.location in seen or not is_cors(project, decl):
                    continue
                seen.add(decl.location)
                if decl.option("**") is not None:
                    continue  # ``**cors_settings``: nothing to judge
                origins = _resolved(project, decl.option("allow_origins"))
                regex = _resolved(project, decl.option("allow_origin_regex"))
                by_list, list_env = _origins_wildcard(origins)
                by_regex, regex_env = _regex_wildcard(regex)
                credentials, credentials_env = _credentials(_resolved(project, decl.option("allow_credentials")))
                if by_list:
                    how = "allow_origins=['*']" + (f" (default of {list_env})" if list_env else "")
                elif by_regex:
                    pattern = regex.value if isinstance(regex, Literal) else getattr(regex, "default", "")
                    how = f"allow_origin_regex={pattern!r}" + (f" (default of {regex_env})" if regex_env else "")
                else:
                    how = ""
                keyword = "allow_origins" if by_list else "allow_origin_regex"
                configs.append(CorsConfig(
                    decl=decl,
                    wildcard=by_list or by_regex,
                    wildcard_from_env=list_env if by_list else regex_env,
                    how=how,
                    credentials=credentials,
                    credentials_from_env=credentials_env,
                    location=_span(project, decl, (keyword, "allow_credentials") if credentials == "yes"
                                   else (keyword,)),
                    regex=regex,
                ))
        return configs

    return project.derived("cors:configs", build)
