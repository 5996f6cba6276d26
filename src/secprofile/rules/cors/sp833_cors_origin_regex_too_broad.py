from __future__ import annotations

import ast
import re
from typing import Iterator

from secprofile.model.django_settings import Setting, SettingsModule
from secprofile.model.values import FromEnv, Literal, Unknown
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.cors._common import cors_configs, option_span
from secprofile.rules.cors._origin_regex import FULLMATCH, MATCH, Weakness, weakness
from secprofile.rules.django_settings._common import (
    CORS_MIDDLEWARE, confidence, firm, judged, listed, lower, middleware, setting_hit, truthy, unique, where,
)
from secprofile.rules.django_settings.sp832_cors_allow_all_origins import ALLOW_ALL, matches_any_origin

# django-cors-headers reads CORS_ALLOWED_ORIGIN_REGEXES, and the old name only when the new one is not set.
_REGEX_SETTINGS = ("CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST")
_FLAGS = {
    "re.I": re.I, "re.IGNORECASE": re.I, "re.X": re.X, "re.VERBOSE": re.X, "re.A": re.A, "re.ASCII": re.A,
    "re.U": re.U, "re.UNICODE": re.U,
}


@rule(
    code="SP833",
    slug="cors-origin-regex-too-broad",
    title="CORS origin regex admits attacker-controlled origins",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=942,
    control="cors",
    kind="project",
    frameworks=("fastapi", "django"),
    hint="Escape every dot, anchor both ends and require a dot before your domain: "
    "`r\"^https://([a-z0-9-]+\\.)?example\\.com$\"`; never trust a whole shared hosting domain (*.vercel.app).",
)
def cors_origin_regex_too_broad(project) -> Iterator[Hit]:
    r"""
    ## What it does
    Flags a CORS origin regex that also accepts origins an attacker can own. It covers
    FastAPI/Starlette `CORSMiddleware(allow_origin_regex=...)` (through `app.add_middleware`
    or `FastAPI(middleware=[Middleware(CORSMiddleware, ...)])`, with the value followed into
    constants, settings classes and environment defaults) and django-cors-headers'
    `CORS_ALLOWED_ORIGIN_REGEXES` (or the old `CORS_ORIGIN_REGEX_WHITELIST`, plain strings or
    `re.compile(...)`) in production settings, split settings included.

    The regex is not judged by its spelling: the rule reads the intended hosts from it, builds
    attacker origins from them and matches each the way the library does (Starlette uses
    `fullmatch`; django-cors-headers uses `re.match`, anchored only at the start). It reports
    the first one accepted:
    - an unrelated site (`https://.*` admits every https origin);
    - a look-alike domain: `https://.*example\.com` admits `https://evilexample.com`, and the
      glob written as a regex, `https://*.example.com`, admits `https://xexample.com`;
    - another top-level domain: `^https://example\.[a-z]+$` admits `https://example.xyz`;
    - the host followed by the attacker's domain: `^https://example\.com` without `$` in
      django-cors-headers admits `https://example.com.evil.example`;
    - an unescaped dot: `https://app.example.com` admits `https://appxexample.com`;
    - any site on a shared hosting domain: `https://.*\.vercel\.app` admits every Vercel app;
    - plain `http://` for an https host (`https?://`), reported one severity level lower
      since only an attacker on the network path can use it.

    High severity when credentials are allowed (`allow_credentials=True`,
    `CORS_ALLOW_CREDENTIALS = True`), medium otherwise. A regex that matches every origin is
    SP830/SP831/SP832's finding, not this one; development settings are not judged.

    ## Why is this bad?
    The browser lets a page read a cross-origin response only if the API names the page's
    origin in `Access-Control-Allow-Origin`. A regex that also matches a domain the attacker
    registers (`evilexample.com`, `example.com.evil.example`, `attacker.vercel.app`) makes
    the API hand that approval to the attacker's page: with credentials allowed, the page
    calls the API with the visitor's cookies and reads their data (CWE-942).

    ## Example
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origin_regex=r"https://.*example\.com",
        allow_credentials=True,
    )
    ```

    ```python
    # file: shop/settings.py
    ROOT_URLCONF = "shop.urls"
    INSTALLED_APPS = ["django.contrib.auth", "corsheaders"]
    MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", "django.middleware.common.CommonMiddleware"]
    CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://(\w+\.)?example\.com"]
    CORS_ALLOW_CREDENTIALS = True
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from fastapi.middleware.cors import CORSMiddleware

    app = FastAPI()
    app.add_middleware(
        CORSMiddleware,
        allow_origin_regex=r"https://([a-z0-9-]+\.)?example\.com",
        allow_credentials=True,
    )
    ```

    ```python
    # file: shop/settings.py
    ROOT_URLCONF = "shop.urls"
    INSTALLED_APPS = ["django.contrib.auth", "corsheaders"]
    MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware", "django.middleware.common.CommonMiddleware"]
    CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://(\w+\.)?example\.com$"]
    CORS_ALLOW_CREDENTIALS = True
    ```

    ## Known problems
    Regexes built at run time (f-strings, values read from a database or a required
    environment variable) and regexes that do not compile are not judged. The attacker
    origins are a fixed set, so a regex that admits only other exotic origins (`[a-z]{4}` in
    place of a label the attacker cannot pick, say) is missed. The list of shared hosting domains is a short
    selection of the Public Suffix List.

    ## References
    - https://www.starlette.io/middleware/#corsmiddleware
    - https://github.com/adamchainz/django-cors-headers#cors_allowed_origin_regexes-sequencestr--patternstr
    - https://portswigger.net/web-security/cors
    - https://cwe.mitre.org/data/definitions/942.html
    """
    yield from _starlette(project)
    yield from _django(project)


def _severity(credentials: str, found: Weakness) -> Severity:
    if credentials == "yes":
        return Severity.MEDIUM if found.downgrade_only else Severity.HIGH
    return Severity.LOW if found.downgrade_only else Severity.MEDIUM


def _exposure(credentials: str, switch: str) -> str:
    if credentials == "yes":
        return f"with {switch}, that site can send the user's cookies and read the responses"
    if credentials == "unknown":
        return f"that site can read the responses ({switch.split('=')[0].strip()} could not be evaluated)"
    return "that site can read responses to requests made without credentials"


# -- FastAPI / Starlette ------------------------------------------------------------------------


def _starlette(project) -> Iterator[Hit]:
    for config in cors_configs(project):
        if config.wildcard or config.regex is None:
            continue  # allow_origins=["*"] or a match-all regex: SP830/SP831
        value = config.regex
        if isinstance(value, Literal):
            pattern, variable = value.value, None
        elif isinstance(value, FromEnv) and value.has_default:
            pattern, variable = value.default, value.variable
        else:
            continue  # built at run time, or required from the environment
        if not isinstance(pattern, str):
            continue
        found = weakness(pattern, FULLMATCH)
        if found is None:
            continue
        credentials = config.credentials
        message = (f"CORSMiddleware allow_origin_regex={pattern!r} also accepts {found.origin} ({found.reason}); "
                   f"{_exposure(credentials, 'allow_credentials=True')}")
        from_env = [v for v in (variable, config.credentials_from_env) if v]
        if from_env:
            message += f" (the default when {' and '.join(from_env)} {'is' if len(from_env) == 1 else 'are'} not set)"
        keywords = ("allow_origin_regex", "allow_credentials") if credentials == "yes" else ("allow_origin_regex",)
        yield Hit(
            option_span(project, config.decl, keywords),
            message,
            severity=_severity(credentials, found),
            confidence=Confidence.MEDIUM if from_env or credentials == "unknown" else None,
            symbol=config.decl.owner,
        )


# -- django-cors-headers ----------------------------------------------------------------------


def _django(project) -> Iterator[Hit]:
    hits = []
    for module in judged(project, deploy_only=True):
        items, _ = middleware(module)
        if listed(project, items, CORS_MIDDLEWARE) is False:
            continue  # CorsMiddleware not installed: the settings do nothing
        if any(firm(module.get(name)) and truthy(module.get(name).effective) for name in ALLOW_ALL):
            continue  # every origin is allowed anyway: SP832
        found = _regex_setting(module)
        if found is None:
            continue
        name, setting = found
        entries = list(_entries(project, setting))
        if any(flags == 0 and matches_any_origin(pattern) for _, pattern, flags in entries):
            continue  # a match-all pattern: SP832
        weak = [(entry, pattern, w) for entry, pattern, flags in entries
                if (w := weakness(pattern, MATCH, flags)) is not None]
        if not weak:
            continue
        weak.sort(key=lambda item: item[2].downgrade_only)  # look-alike origins before plain http
        entry, pattern, first = weak[0]
        credentials = _django_credentials(module)
        message = (f"{name} pattern {pattern!r} in {where(module)} also accepts {first.origin} ({first.reason}); "
                   f"{_exposure(credentials, 'CORS_ALLOW_CREDENTIALS = True')}")
        if len(weak) > 1:
            message += f" ({len(weak) - 1} more pattern{'s' if len(weak) > 2 else ''} in the list too broad)"
        level = confidence(module)
        if setting.from_env is not None:
            message += f" (the default when {setting.from_env.variable} is not set)"
            level = lower(level)
        if credentials == "unknown":
            level = lower(level)
        hits.append(setting_hit(module, setting, message, at=_where_added(setting, entry),
                                severity=_severity(credentials, first), confidence=level))
    yield from unique(hits)


def _regex_setting(module: SettingsModule) -> tuple[str, Setting] | None:
    for name in _REGEX_SETTINGS:
        setting = module.get(name)
        if setting is None:
            continue
        if not firm(setting) or not isinstance(setting.effective, (list, tuple)):
            return None  # set, but conditionally or to something unknowable
        return name, setting
    return None


def _django_credentials(module: SettingsModule) -> str:
    setting = module.get("CORS_ALLOW_CREDENTIALS")
    if setting is None:
        return "no"
    if not firm(setting):
        return "unknown"
    return "yes" if truthy(setting.effective) else "no"


def _entries(project, setting: Setting) -> Iterator[tuple[object, str, int]]:
    """``(list item, pattern, flags)`` for the strings and ``re.compile("...")`` calls in the list."""
    for item in setting.effective:
        if isinstance(item, str):
            yield item, item, 0
        elif isinstance(item, Unknown):
            compiled = _compiled_pattern(project, setting, item.text)
            if compiled is not None:
                yield item, compiled[0], compiled[1]


def _compiled_pattern(project, setting: Setting, text: str) -> tuple[str, int] | None:
    if "compile" not in text:
        return None
    try:
        node = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return None
    if not isinstance(node, ast.Call) or node.keywords or not 1 <= len(node.args) <= 2:
        return None
    first = node.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    paths = [setting.location.path, *(u.location.path for u in setting.updates)]
    if not any(_resolve(project, path, node.func) == "re.compile" for path in paths):
        return None
    flags = _flags(project, paths, node.args[1]) if len(node.args) == 2 else 0
    return None if flags is None else (first.value, flags)


def _resolve(project, path: str, node: ast.AST) -> str | None:
    facts = project.files.get(path)
    names = getattr(facts, "names", None)
    return names.resolve(node) if names is not None else None


def _flags(project, paths: list[str], node: ast.AST) -> int | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _flags(project, paths, node.left), _flags(project, paths, node.right)
        return None if left is None or right is None else left | right
    for path in paths:
        flag = _FLAGS.get(_resolve(project, path, node) or "")
        if flag is not None:
            return flag
    return None


def _where_added(setting: Setting, entry: object):
    """The statement that put ``entry`` in the list: a later ``+=``/``.append``, else the assignment."""
    for update in reversed(setting.updates):
        item = update.item
        if item == entry or (isinstance(item, (list, tuple)) and entry in item):
            return update.location
    return setting.location
