"""Django settings, statically: per-module facts (worker) and the linked settings model.

secprofile never imports the user's settings. Instead:

- :func:`settings_facts` runs in the worker for every module and records, for the
  few modules that look like settings, the module-level statements that matter in
  source order: assignments (``DEBUG = ...``), changes (``MIDDLEWARE += [...]``,
  ``INSTALLED_APPS.append(...)``, ``REST_FRAMEWORK["X"] = ...``), star and named
  imports (``from .base import *``), each with the ``if``/``try``/loop conditions
  around it, plus ``DJANGO_SETTINGS_MODULE`` values set by ``manage.py``/``wsgi.py``.
  Modules that assign no setting Django knows and import nothing settings-like get
  ``None`` after one cheap pass over their top-level statements.
- :func:`link_settings` finds the settings modules, replays each one's statements
  the way Python would run them (a star import copies the other module's public
  names, later statements override, ``if DEBUG:`` is decided when ``DEBUG`` is
  known), and classifies them as production, development or base by name. Every
  :class:`Setting` keeps the location of the assignment in force, so findings point
  at the line to change.

Values read from the environment keep their default (``FromEnv``), so
``DEBUG = env.bool("DEBUG", default=True)`` is *a value with an unsafe default*,
not an unknown.
"""

from __future__ import annotations

import ast
import copy
import re
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping

from secprofile.config import DEVELOPMENT_NAMES, PRODUCTION_NAMES
from secprofile.model.module import module_literal_lookup
from secprofile.model.values import (
    MISSING, SCHEME_KEY, Evaluator, FromEnv, Literal, Unknown, Value, effective, environ_scheme,
)
from secprofile.source.location import Location
from secprofile.source.names import ModuleNames, iter_module_level, resolve_relative
from secprofile.source.parsing import decode_text

# Every setting in django/conf/global_settings.py (Django 5.x), plus names Django used to know
# and the third-party settings our rules read.
DJANGO_SETTINGS = frozenset("""
ABSOLUTE_URL_OVERRIDES ADMINS ALLOWED_HOSTS APPEND_SLASH AUTHENTICATION_BACKENDS AUTH_PASSWORD_VALIDATORS
AUTH_USER_MODEL CACHES CACHE_MIDDLEWARE_ALIAS CACHE_MIDDLEWARE_KEY_PREFIX CACHE_MIDDLEWARE_SECONDS
CSRF_COOKIE_AGE CSRF_COOKIE_DOMAIN CSRF_COOKIE_HTTPONLY CSRF_COOKIE_NAME CSRF_COOKIE_PATH CSRF_COOKIE_SAMESITE
CSRF_COOKIE_SECURE CSRF_FAILURE_VIEW CSRF_HEADER_NAME CSRF_TRUSTED_ORIGINS CSRF_USE_SESSIONS DATABASES
DATABASE_ROUTERS DATA_UPLOAD_MAX_MEMORY_SIZE DATA_UPLOAD_MAX_NUMBER_FIELDS DATA_UPLOAD_MAX_NUMBER_FILES
DATETIME_FORMAT DATETIME_INPUT_FORMATS DATE_FORMAT DATE_INPUT_FORMATS DEBUG DEBUG_PROPAGATE_EXCEPTIONS
DECIMAL_SEPARATOR DEFAULT_AUTO_FIELD DEFAULT_CHARSET DEFAULT_EXCEPTION_REPORTER DEFAULT_EXCEPTION_REPORTER_FILTER
DEFAULT_FROM_EMAIL DEFAULT_INDEX_TABLESPACE DEFAULT_TABLESPACE DISALLOWED_USER_AGENTS EMAIL_BACKEND EMAIL_HOST
EMAIL_HOST_PASSWORD EMAIL_HOST_USER EMAIL_PORT EMAIL_SSL_CERTFILE EMAIL_SSL_KEYFILE EMAIL_SUBJECT_PREFIX
EMAIL_TIMEOUT EMAIL_USE_LOCALTIME EMAIL_USE_SSL EMAIL_USE_TLS FILE_UPLOAD_DIRECTORY_PERMISSIONS
FILE_UPLOAD_HANDLERS FILE_UPLOAD_MAX_MEMORY_SIZE FILE_UPLOAD_PERMISSIONS FILE_UPLOAD_TEMP_DIR FIRST_DAY_OF_WEEK
FIXTURE_DIRS FORCE_SCRIPT_NAME FORMAT_MODULE_PATH FORMS_URLFIELD_ASSUME_HTTPS FORM_RENDERER IGNORABLE_404_URLS
INSTALLED_APPS INTERNAL_IPS LANGUAGES LANGUAGES_BIDI LANGUAGE_CODE LANGUAGE_COOKIE_AGE LANGUAGE_COOKIE_DOMAIN
LANGUAGE_COOKIE_HTTPONLY LANGUAGE_COOKIE_NAME LANGUAGE_COOKIE_PATH LANGUAGE_COOKIE_SAMESITE LANGUAGE_COOKIE_SECURE
LOCALE_PATHS LOGGING LOGGING_CONFIG LOGIN_REDIRECT_URL LOGIN_URL LOGOUT_REDIRECT_URL MANAGERS MEDIA_ROOT
MEDIA_URL MESSAGE_STORAGE MIDDLEWARE MIGRATION_MODULES MONTH_DAY_FORMAT NUMBER_GROUPING PASSWORD_HASHERS
PASSWORD_RESET_TIMEOUT PREPEND_WWW SECRET_KEY SECRET_KEY_FALLBACKS SECURE_CONTENT_TYPE_NOSNIFF
SECURE_CROSS_ORIGIN_OPENER_POLICY SECURE_HSTS_INCLUDE_SUBDOMAINS SECURE_HSTS_PRELOAD SECURE_HSTS_SECONDS
SECURE_PROXY_SSL_HEADER SECURE_REDIRECT_EXEMPT SECURE_REFERRER_POLICY SECURE_SSL_HOST SECURE_SSL_REDIRECT
SERVER_EMAIL SESSION_CACHE_ALIAS SESSION_COOKIE_AGE SESSION_COOKIE_DOMAIN SESSION_COOKIE_HTTPONLY
SESSION_COOKIE_NAME SESSION_COOKIE_PATH SESSION_COOKIE_SAMESITE SESSION_COOKIE_SECURE SESSION_ENGINE
SESSION_EXPIRE_AT_BROWSER_CLOSE SESSION_FILE_PATH SESSION_SAVE_EVERY_REQUEST SESSION_SERIALIZER
SHORT_DATETIME_FORMAT SHORT_DATE_FORMAT SIGNED_COOKIE_LEGACY_SALT_FALLBACK SIGNING_BACKEND SILENCED_SYSTEM_CHECKS
STATICFILES_DIRS STATICFILES_FINDERS STATIC_ROOT STATIC_URL STORAGES TEMPLATES TEST_NON_SERIALIZED_APPS
TEST_RUNNER THOUSAND_SEPARATOR TIME_FORMAT TIME_INPUT_FORMATS TIME_ZONE USE_I18N USE_THOUSAND_SEPARATOR USE_TZ
USE_X_FORWARDED_HOST USE_X_FORWARDED_PORT WSGI_APPLICATION X_FRAME_OPTIONS YEAR_MONTH_FORMAT
MIDDLEWARE_CLASSES TEMPLATE_DEBUG TEMPLATE_DIRS TEMPLATE_CONTEXT_PROCESSORS SECURE_BROWSER_XSS_FILTER
ASGI_APPLICATION REST_FRAMEWORK CORS_ALLOW_ALL_ORIGINS CORS_ORIGIN_ALLOW_ALL CORS_ALLOWED_ORIGINS
CORS_ORIGIN_WHITELIST CORS_ALLOWED_ORIGIN_REGEXES CORS_ORIGIN_REGEX_WHITELIST CORS_ALLOW_CREDENTIALS
CORS_URLS_REGEX CSP_FRAME_ANCESTORS CONTENT_SECURITY_POLICY SECURE_CSP
""".split())
# Assigning one of these (or a SECURE_*/CORS_* name) makes a module worth extracting; formats and
# i18n names alone (django/conf/locale/*/formats.py) do not.
_TRIGGERS = frozenset("""
INSTALLED_APPS MIDDLEWARE MIDDLEWARE_CLASSES ROOT_URLCONF SECRET_KEY DATABASES TEMPLATES WSGI_APPLICATION
ASGI_APPLICATION ALLOWED_HOSTS DEBUG PASSWORD_HASHERS AUTH_PASSWORD_VALIDATORS AUTHENTICATION_BACKENDS
AUTH_USER_MODEL REST_FRAMEWORK X_FRAME_OPTIONS SESSION_ENGINE SESSION_SERIALIZER SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY CSRF_COOKIE_SECURE CSRF_USE_SESSIONS CSRF_TRUSTED_ORIGINS STATIC_URL CACHES
""".split())
# Settings whose presence makes a module evidently a Django project's settings (with a django value).
_CORE = ("INSTALLED_APPS", "MIDDLEWARE", "MIDDLEWARE_CLASSES")
_BASE_NAMES = ("base", "common", "default", "defaults", "shared", "core", "global", "components")
_SETTINGSY = frozenset(("settings", "config", "conf") + _BASE_NAMES + PRODUCTION_NAMES + DEVELOPMENT_NAMES)
# Folders that hold project *templates* (startproject-style skeletons), not an application.
_TEMPLATE_DIRS = ("project_template", "app_template", "project_name", "app_name")
_LIST_METHODS = frozenset({"append", "insert", "extend", "remove", "update", "setdefault"})
_COMMENTED = re.compile(r"^\s*#+\s*([A-Z][A-Z0-9_]+)\s*=")
_TOKEN = re.compile(r"[_\-.]+")
SETTINGS_MODULE_VARIABLE = "DJANGO_SETTINGS_MODULE"


# ---------------------------------------------------------------------------------------------
# Per-module facts (worker side): plain frozen data, picklable, cached with the file.


@dataclass(frozen=True)
class Condition:
    """Why a statement may not run: ``kind`` is if/else (``text`` is the test), except, loop or try."""

    kind: str
    text: str = ""


@dataclass(frozen=True)
class Assignment:
    """A module-level statement that binds or changes a name.

    ``op``: ``set`` (``X = v``), ``extend`` (``X += v``, ``X.extend(v)``), ``append``,
    ``insert``, ``remove``, ``update``/``setdefault`` (dicts), each optionally at ``keys``
    inside the value (``X["a"][0]["b"] = v`` is ``set`` at ``("a", 0, "b")``).
    """

    name: str
    op: str
    value: Value
    location: Location
    conditions: tuple[Condition, ...] = ()
    keys: tuple[object, ...] = ()
    source: str = ""  # the whole expression when it reads other names: evaluated again when linked
    refs: frozenset[str] = frozenset()  # names the expression reads
    call: str | None = None  # what the right-hand side calls (``environ.Env``), qualified
    scheme: Literal | None = None  # the django-environ scheme of ``env = environ.Env(...)``
    index: int | None = None  # position for ``insert``


@dataclass(frozen=True)
class Import:
    """``from <module> import *`` (``names`` is None) or ``from <module> import A, B as C``."""

    module: str
    location: Location
    conditions: tuple[Condition, ...] = ()
    names: tuple[tuple[str, str], ...] | None = None  # (imported, bound as)
    optional: bool = False  # inside ``try: ... except ImportError``


@dataclass(frozen=True)
class SettingsFacts:
    module: str
    path: str
    statements: tuple[Assignment | Import, ...] = ()
    settings_modules: tuple[tuple[str, Location], ...] = ()  # DJANGO_SETTINGS_MODULE values set here
    assigned: frozenset[str] = frozenset()  # Django setting names this module itself assigns
    evident: bool = False  # assigns INSTALLED_APPS/MIDDLEWARE with django.* entries, or ROOT_URLCONF

    @property
    def star_imports(self) -> tuple[Import, ...]:
        return tuple(s for s in self.statements if isinstance(s, Import) and s.names is None)


def is_setting_name(name: str) -> bool:
    return name in DJANGO_SETTINGS or name.startswith(("CORS_", "SECURE_", "SESSION_", "CSRF_"))


def settings_facts(tree: ast.Module, module: str, path: str, names: ModuleNames) -> SettingsFacts | None:
    """Facts of a module that assigns Django settings or imports settings; ``None`` for any other."""
    assigns = star = False
    for stmt in iter_module_level(tree.body):
        if isinstance(stmt, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and (t.id in _TRIGGERS or t.id.startswith(("SECURE_", "CORS_")))
                   for t in targets):
                assigns = True
                break
        elif isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
            target = resolve_relative(module, names.is_package, stmt.level, stmt.module)
            star = star or _settingsy(target) or _settingsy(module)
    references = _settings_module_references(tree, path, names)
    if not (assigns or star or references):
        return None
    if not (assigns or star):
        return SettingsFacts(module, path, settings_modules=references)
    extractor = _Extractor(tree, module, path, names)
    extractor.block(tree.body, ())
    statements = tuple(extractor.statements)
    assigned = frozenset(s.name for s in statements if isinstance(s, Assignment) and is_setting_name(s.name))
    return SettingsFacts(module, path, statements, references, assigned, extractor.evident)


def _settingsy(module: str) -> bool:
    parts = module.split(".")
    return any(token in _SETTINGSY for token in _TOKEN.split(parts[-1])) or "settings" in parts


def _settings_module_references(tree: ast.Module, path: str, names: ModuleNames) -> tuple[tuple[str, Location], ...]:
    """``os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x.settings")`` and ``os.environ[...] = "..."``."""
    if not any(v == "os" or v.startswith("os.") for v in names.bindings.values()):
        return ()
    found = []
    for stmt in _statements(tree.body):  # statements only: far cheaper than walking every expression
        node = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(node, ast.Call) and len(node.args) >= 2 and _is_key(node.args[0]):
            if names.resolve(node.func) == "os.environ.setdefault" and _is_str(node.args[1]):
                found.append((node.args[1].value, Location.of(path, node)))
        elif isinstance(stmt, ast.Assign) and _is_str(stmt.value):
            for target in stmt.targets:
                if isinstance(target, ast.Subscript) and names.resolve(target.value) == "os.environ" \
                        and _is_key(target.slice):
                    found.append((stmt.value.value, Location.of(path, stmt)))
    return tuple(found)


def _statements(body: list[ast.stmt]):
    """Every statement, in functions and classes too (manage.py sets the variable inside main())."""
    for stmt in body:
        yield stmt
        for block in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, block, None)
            if isinstance(inner, list):
                yield from _statements(inner)
        for handler in getattr(stmt, "handlers", ()):
            yield from _statements(handler.body)
        for case in getattr(stmt, "cases", ()):
            yield from _statements(case.body)


def _is_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value == SETTINGS_MODULE_VARIABLE


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)


class _Extractor:
    """Collects the statements of a settings-like module in source order, with their conditions."""

    def __init__(self, tree: ast.Module, module: str, path: str, names: ModuleNames):
        self.module = module
        self.path = path
        self.names = names
        self.evaluate = Evaluator(names, module_literal_lookup(tree, names))
        self.statements: list[Assignment | Import] = []
        self.evident = False

    def block(self, body: list[ast.stmt], conditions: tuple[Condition, ...]) -> None:
        for stmt in body:
            self.statement(stmt, conditions)

    def statement(self, stmt: ast.stmt, conditions: tuple[Condition, ...]) -> None:
        if isinstance(stmt, ast.If):
            test = _unparse(stmt.test)
            self.block(stmt.body, conditions + (Condition("if", test),))
            self.block(stmt.orelse, conditions + (Condition("else", test),))
        elif isinstance(stmt, ast.Try):
            catches_import = any(_catches_import_error(h, self.names) for h in stmt.handlers)
            inner = conditions + (Condition("try"),)
            for child in stmt.body:
                if isinstance(child, ast.ImportFrom) and catches_import:
                    self.import_from(child, inner, optional=True)
                else:
                    self.statement(child, inner)
            for handler in stmt.handlers:
                self.block(handler.body, conditions + (Condition("except", _unparse(handler.type)),))
            self.block(stmt.orelse, conditions)
            self.block(stmt.finalbody, conditions)
        elif isinstance(stmt, ast.With):
            self.block(stmt.body, conditions)
        elif isinstance(stmt, (ast.For, ast.While)):
            self.block(stmt.body, conditions + (Condition("loop"),))
            self.block(stmt.orelse, conditions + (Condition("loop"),))
        elif isinstance(stmt, ast.ImportFrom):
            self.import_from(stmt, conditions, optional=False)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                self.assign(stmt, target, stmt.value, conditions)
        elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name):
            op = "extend" if isinstance(stmt.op, ast.Add) else "set"
            value = self.value_of(stmt.value) if op == "extend" else Unknown(_unparse(stmt))
            self.add(stmt.target.id, op, stmt, stmt.value, conditions, value=value)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self.method_call(stmt, stmt.value, conditions)

    def import_from(self, stmt: ast.ImportFrom, conditions: tuple[Condition, ...], optional: bool) -> None:
        target = resolve_relative(self.module, self.names.is_package, stmt.level, stmt.module)
        if not target:
            return
        location = Location.of(self.path, stmt)
        if any(alias.name == "*" for alias in stmt.names):
            self.statements.append(Import(target, location, conditions, None, optional))
        else:
            bound = tuple((alias.name, alias.asname or alias.name) for alias in stmt.names)
            self.statements.append(Import(target, location, conditions, bound, optional))

    def assign(self, stmt: ast.stmt, target: ast.AST, value_node: ast.AST, conditions) -> None:
        if isinstance(target, ast.Name):
            self.add(target.id, "set", stmt, value_node, conditions)
            if target.id in _CORE or target.id == "ROOT_URLCONF":
                self.evident = self.evident or _evident(target.id, self.value_of(value_node))
        elif isinstance(target, ast.Subscript):
            root, keys = self.subscript_path(target)
            if root is not None:
                self.add(root, "set", stmt, value_node, conditions, keys=keys)

    def method_call(self, stmt: ast.stmt, call: ast.Call, conditions) -> None:
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr not in _LIST_METHODS:
            return
        root, keys = self.subscript_path(func.value)
        if root is None or not root.isupper():
            return
        method = func.attr
        if method == "insert" and len(call.args) == 2:
            index = self.evaluate(call.args[0])
            position = index.value if isinstance(index, Literal) and isinstance(index.value, int) else None
            self.add(root, "insert", stmt, call.args[1], conditions, keys=keys, index=position)
        elif method == "setdefault" and len(call.args) == 2:
            key = self.evaluate(call.args[0])
            if isinstance(key, Literal):
                self.add(root, "setdefault", stmt, call.args[1], conditions, keys=keys + (key.value,))
        elif method in ("append", "extend", "remove", "update") and len(call.args) == 1:
            self.add(root, method, stmt, call.args[0], conditions, keys=keys)
        elif method == "update" and call.keywords and not call.args:
            value = Literal({k.arg: _payload(self.value_of(k.value)) for k in call.keywords if k.arg})
            self.add(root, "update", stmt, None, conditions, keys=keys, value=value)

    def subscript_path(self, node: ast.AST) -> tuple[str | None, tuple[object, ...]]:
        """``TEMPLATES[0]["OPTIONS"]`` → ``("TEMPLATES", (0, "OPTIONS"))``; non-literal keys → (None, ())."""
        keys: list[object] = []
        while isinstance(node, ast.Subscript):
            key = self.evaluate(node.slice)
            if not isinstance(key, Literal) or isinstance(key.value, (list, dict, set)):
                return None, ()
            keys.append(key.value)
            node = node.value
        if isinstance(node, ast.Name):
            return node.id, tuple(reversed(keys))
        return None, ()

    def value_of(self, node: ast.AST | None) -> Value:
        return evaluate_setting(node, self.evaluate)

    def add(self, name, op, stmt, value_node, conditions, keys=(), index=None, value=None) -> None:
        refs = frozenset(n.id for n in ast.walk(value_node) if isinstance(n, ast.Name)) if value_node else frozenset()
        refs -= {"True", "False", "None"}
        call = scheme = None
        if isinstance(value_node, ast.Call):
            call = self.names.resolve(value_node.func)
            if call and call.endswith(("environ.Env", "environ.environ.Env")):
                scheme = environ_scheme(value_node, self.names)
        self.statements.append(Assignment(
            name=name,
            op=op,
            value=value if value is not None else self.value_of(value_node),
            location=Location.of(self.path, stmt),
            conditions=conditions,
            keys=keys,
            source=_unparse(value_node) if refs and value_node is not None else "",
            refs=refs,
            call=call,
            scheme=scheme,
            index=index,
        ))


def evaluate_setting(node: ast.AST | None, evaluate: Evaluator) -> Value:
    """Like the evaluator, but a list that is partly unknown keeps its known items.

    ``MIDDLEWARE = [*BASE, "x"]`` with ``BASE`` unknown is ``[Unknown("*BASE"), "x"]``: a rule
    may still see that ``"x"`` is present, and knows it cannot claim that anything is missing.
    """
    value = evaluate(node)
    if not isinstance(value, Unknown) or node is None:
        return value
    items = _partial_items(node, evaluate)
    if items is None:
        return value
    return Literal(tuple(items) if isinstance(node, ast.Tuple) else items, value.text)


def _partial_items(node: ast.AST, evaluate: Evaluator) -> list[object] | None:
    if isinstance(node, (ast.List, ast.Tuple)):
        items: list[object] = []
        for element in node.elts:
            if isinstance(element, ast.Starred):
                inner = evaluate_setting(element.value, evaluate)
                if isinstance(inner, Literal) and isinstance(inner.value, (list, tuple)):
                    items.extend(inner.value)
                else:
                    items.append(Unknown(_unparse(element)))
            else:
                item = evaluate(element)
                items.append(item.value if isinstance(item, Literal) else item)
        return items
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _partial_items(node.left, evaluate)
        right = _partial_items(node.right, evaluate)
        if left is None and right is None:
            return None
        if left is None:
            value = evaluate(node.left)
            left = list(value.value) if isinstance(value, Literal) and isinstance(value.value, (list, tuple)) \
                else [Unknown(_unparse(node.left))]
        if right is None:
            value = evaluate(node.right)
            right = list(value.value) if isinstance(value, Literal) and isinstance(value.value, (list, tuple)) \
                else [Unknown(_unparse(node.right))]
        return left + right
    return None


def _evident(name: str, value: Value) -> bool:
    """A project's own settings: django apps/middleware listed, or a URLconf named."""
    if name == "ROOT_URLCONF":
        return isinstance(value, Literal) and isinstance(value.value, str) and bool(value.value)
    if isinstance(value, Literal) and isinstance(value.value, (list, tuple)):
        return any(isinstance(item, str) and item.startswith("django.") for item in value.value)
    return False


def _catches_import_error(handler: ast.ExceptHandler, names: ModuleNames) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    caught = {(names.resolve(t) or "").rsplit(".", 1)[-1] for t in types}
    return bool(caught & {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _payload(value: Value) -> object:
    return value.value if isinstance(value, Literal) else value


def _unparse(node: ast.AST | None) -> str:
    if node is None:
        return ""
    try:
        return ast.unparse(node)
    except Exception:  # an odd node must never break extraction
        return ""


# ---------------------------------------------------------------------------------------------
# The linked model.


@dataclass(frozen=True)
class Update:
    """A statement that changed a setting after its assignment: ``MIDDLEWARE.remove(x)``, ``X["k"] = v``."""

    location: Location
    keys: tuple[object, ...]
    op: str
    item: object = None  # what was added or removed (the payload)


@dataclass(frozen=True)
class Setting:
    """A setting as it stands at the end of a settings module.

    ``location`` is the assignment in force (possibly in a base module); ``updates`` are later
    statements that changed it (``+=``, ``.append``, ``X["k"] = v``) with the keys they touched.
    ``conditional`` says why the value may not be in force (``if DEBUG``, an optional import);
    rules do not report a conditional value as a definite problem.
    """

    name: str
    value: Value
    location: Location
    module: str
    conditional: str | None = None
    updates: tuple[Update, ...] = ()
    refs: frozenset[str] = frozenset()
    call: str | None = None
    scheme: Literal | None = None

    @property
    def effective(self) -> object:
        """The value in force when no environment variable is set (``MISSING`` if unknown)."""
        return effective(self.value)

    @property
    def from_env(self) -> FromEnv | None:
        return self.value if isinstance(self.value, FromEnv) else None

    def describe(self) -> str:
        """``True`` or ``from env DEBUG (unset: True)``, for messages."""
        shown = _short(self.effective)
        if isinstance(self.value, FromEnv):
            return f"read from env {self.value.variable} with default {shown}"
        return shown

    def last_update(self, *keys: object) -> Location:
        """Where the value under ``keys`` was last changed (the assignment itself if never)."""
        for update in reversed(self.updates):
            touched = update.keys
            if touched[: len(keys)] == keys or keys[: len(touched)] == touched:
                return update.location
        return self.location

    def removed_at(self, item: object) -> Location | None:
        """Where ``item`` was removed from the list (``MIDDLEWARE.remove(...)``), if it was."""
        for update in reversed(self.updates):
            if update.op == "remove" and update.item == item and not update.keys:
                return update.location
        return None


@dataclass(frozen=True)
class SettingsModule:
    """One settings module with its effective settings (its own statements plus what it imports)."""

    name: str
    path: str
    kind: str  # production, development, base or settings (not recognisable by name)
    settings: Mapping[str, Setting]
    dormant: Mapping[str, tuple[Setting, ...]]  # values set in branches not in force (if DEBUG: ...)
    anchor: Location  # where "not set" findings point: the base star import, else line 1
    commented: Mapping[str, int] = field(default_factory=dict)  # "# SECURE_SSL_REDIRECT = True" lines
    imports: tuple[str, ...] = ()  # settings modules it star-imports, directly
    unresolved: tuple[str, ...] = ()  # star imports outside the scanned tree (not optional)
    deployed: bool = False
    evidence: str = ""  # why it is judged as deployed
    certain: bool = False  # deployed by name or configuration, not by assumption
    referenced_by: tuple[str, ...] = ()

    def get(self, name: str) -> Setting | None:
        return self.settings.get(name)

    def has(self, name: str) -> bool:
        return name in self.settings

    def missing_at(self, name: str) -> Location:
        """Where to report that ``name`` is not set: a commented-out assignment, else the anchor."""
        line = self.commented.get(name)
        return Location(self.path, line, 1, line) if line else self.anchor

    def elsewhere(self, name: str) -> tuple[Setting, ...]:
        return self.dormant.get(name, ())

    @property
    def label(self) -> str:
        return f"{self.name} ({self.kind})" if self.kind in ("production", "development") else self.name


@dataclass(frozen=True)
class DjangoSettings:
    modules: tuple[SettingsModule, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.modules)

    def module(self, name: str) -> SettingsModule | None:
        for candidate in self.modules:
            if candidate.name == name:
                return candidate
        return None

    @property
    def production(self) -> tuple[SettingsModule, ...]:
        """The modules deploy-only rules judge: production by name, the one wsgi.py uses, or the only one."""
        return tuple(m for m in self.modules if m.deployed)

    @property
    def primary(self) -> SettingsModule | None:
        if self.production:
            return self.production[0]
        roots = [m for m in self.modules if m.kind != "development" and not self._imported(m)]
        return roots[0] if roots else (self.modules[0] if self.modules else None)

    def judged(self, deploy_only: bool) -> tuple[SettingsModule, ...]:
        """Which modules a rule looks at.

        Deploy-only rules: the production modules. Others (a weak password hasher, autoescape off)
        matter wherever the code may run outside development: the production modules plus other
        non-development roots, or, without any, every non-development module (bases included).
        """
        if deploy_only:
            return self.production
        roots = [m for m in self.modules if m.kind != "development" and not self._imported(m)]
        chosen = list(self.production) + [m for m in roots if not m.deployed]
        if not chosen:
            chosen = [m for m in self.modules if m.kind != "development"]
        return tuple(chosen)

    def _imported(self, module: SettingsModule) -> bool:
        return any(module.name in other.imports for other in self.modules
                   if other is not module and other.kind != "development")


def classify(module: str, production_names: Iterable[str] = PRODUCTION_NAMES,
             development_names: Iterable[str] = DEVELOPMENT_NAMES) -> str:
    """production / development / base / settings, from the module's dotted name.

    The last component decides by its words (``settings_prod``, ``test_settings``); when it says
    nothing, the innermost package named exactly like an environment does (``tests/settings.py``).
    Development wins a tie: deploy-only rules then stay quiet.
    """
    production = {n.lower() for n in production_names}
    development = {n.lower() for n in development_names}
    parts = [p.lower() for p in module.split(".") if p]
    if not parts:
        return "settings"
    words = set(_TOKEN.split(parts[-1]))
    if words & development:
        return "development"
    if words & production:
        return "production"
    if words & set(_BASE_NAMES):
        return "base"
    for part in reversed(parts[:-1]):
        if part in development:
            return "development"
        if part in production:
            return "production"
    return "settings"


def link_settings(project, settings_modules: Iterable[str] | None = None,
                  production_names: Iterable[str] | None = None,
                  development_names: Iterable[str] | None = None) -> DjangoSettings:
    """Find the settings modules of a project and evaluate each one's effective settings.

    Options default to the scan's configuration (``project.config``), else the defaults.
    """
    try:
        return _link(project, settings_modules, production_names, development_names)
    except RecursionError:  # absurdly deep settings: no model rather than no scan
        return DjangoSettings()


def _link(project, settings_modules, production_names, development_names) -> DjangoSettings:
    config = getattr(project, "config", None)
    configured = tuple(settings_modules if settings_modules is not None else getattr(config, "settings_modules", ()))
    production_names = tuple(production_names or getattr(config, "production_names", None) or PRODUCTION_NAMES)
    development_names = tuple(development_names or getattr(config, "development_names", None) or DEVELOPMENT_NAMES)
    facts: dict[str, SettingsFacts] = {}
    names: dict[str, ModuleNames] = {}
    references: list[tuple[str, str]] = []  # (settings module named, relpath of the file naming it)
    for file in project.python_files():
        found = file.django_settings
        if found is None:
            continue
        facts[file.module] = found
        if file.names is not None:
            names[file.module] = file.names
        references.extend((value, file.relpath) for value, _ in found.settings_modules)
    if not facts:
        return DjangoSettings()
    linker = _Linker(project, facts, names)
    referenced: dict[str, list[str]] = {}
    for value, relpath in references:
        target = linker.find(value)
        if target is not None:
            referenced.setdefault(target, []).append(relpath)
    wanted = [t for t in (linker.find(c) for c in configured) if t is not None]
    if configured:
        seeds = set(wanted)
    else:
        seeds = set(referenced) | {m for m, f in facts.items() if f.evident}
    qualified = linker.closure({s for s in seeds if not _is_template(facts[s].path)}, both_ways=not configured)
    if not qualified:
        return DjangoSettings()
    kinds = {m: classify(m, production_names, development_names) for m in qualified}
    linker.kinds = kinds
    # A module star-imported by a non-development module is a part, not what runs (local.py importing
    # settings.py does not make settings.py a part).
    imported = {t for m in qualified if kinds[m] != "development" for t in linker.star_targets(m)}
    deployed: dict[str, tuple[str, bool]] = {}
    if configured:
        for module in wanted:
            if kinds.get(module) != "development" and module in qualified:
                deployed[module] = ("listed in settings-modules", True)
    else:
        for module in sorted(qualified):
            if kinds[module] == "production":
                deployed[module] = ("named as production", True)
        for module, paths in sorted(referenced.items()):
            servers = sorted(p for p in paths if p.rsplit("/", 1)[-1] in ("wsgi.py", "asgi.py"))
            if servers and module in qualified and kinds[module] != "development" and module not in deployed:
                deployed[module] = (f"used by {servers[0]}", False)
        # A project (modules joined by star imports) with no production module: its non-development
        # roots are what runs (a lone settings.py). Per project, so one repository may hold several.
        for group in linker.groups(qualified):
            if any(module in deployed for module in group):
                continue
            roots = [m for m in sorted(group) if m not in imported and kinds[m] not in ("development", "base")]
            if not roots:  # an import cycle: settings.py and helpers.py importing each other
                roots = [m for m in sorted(group) if facts[m].evident and kinds[m] not in ("development", "base")]
            for module in roots:
                deployed[module] = ("the only settings module" if len(group) == 1
                                    else "a settings module not named for development", False)
    modules = []
    for module in sorted(qualified):
        chooser = linker.aggregator(module) if kinds[module] == "production" else None
        # A production module chosen by settings/__init__.py runs inside it: judge what the chooser builds.
        namespace = linker.evaluate(chooser, selected=module) if chooser else linker.evaluate(module)
        own = facts[module]
        reason, certain = deployed.get(module, ("", False))
        modules.append(SettingsModule(
            name=module,
            path=own.path,
            kind=kinds[module],
            settings=dict(namespace.values),
            dormant={k: tuple(v) for k, v in namespace.dormant.items()},
            anchor=_anchor(own),
            commented=_commented(project, own.path) if module in deployed else {},
            imports=tuple(linker.star_targets(module)),
            unresolved=tuple(namespace.unresolved),
            deployed=module in deployed,
            evidence=reason,
            certain=certain,
            referenced_by=tuple(sorted(set(referenced.get(module, ())))),
        ))
    return DjangoSettings(tuple(modules))


def _is_template(path: str) -> bool:
    parts = path.split("/")
    return any(p in _TEMPLATE_DIRS or "{{" in p for p in parts[:-1])


def _anchor(facts: SettingsFacts) -> Location:
    for statement in facts.star_imports:
        return statement.location
    return Location(facts.path, 1, 1, 1)


def _commented(project, relpath: str) -> dict[str, int]:
    """Settings assigned in comments (``# SECURE_HSTS_SECONDS = 31536000``): where a fix belongs."""
    try:
        root = project.root
        data = (root / relpath if root.is_dir() else root).read_bytes()
    except (OSError, AttributeError, TypeError):
        return {}
    found: dict[str, int] = {}
    for number, line in enumerate(decode_text(data).splitlines(), start=1):
        match = _COMMENTED.match(line)
        if match and is_setting_name(match.group(1)):
            found.setdefault(match.group(1), number)
    return found


class _Namespace:
    def __init__(self) -> None:
        self.values: dict[str, Setting] = {}
        self.dormant: dict[str, list[Setting]] = {}
        self.unresolved: list[str] = []

    def park(self, setting: Setting) -> None:
        self.dormant.setdefault(setting.name, []).append(setting)


class _Linker:
    def __init__(self, project, facts: dict[str, SettingsFacts], names: dict[str, ModuleNames]):
        self.project = project
        self.facts = facts
        self.names = names
        self.done: dict[tuple[str, str | None], _Namespace] = {}
        self.running: set[str] = set()
        self.kinds: dict[str, str] = {}  # of the qualified modules, set once they are classified

    # -- which modules
    def find(self, dotted: str) -> str | None:
        """The project module a dotted name refers to, for a scan rooted anywhere in the project."""
        dotted = dotted.strip()
        if dotted in self.facts:
            return dotted
        parts = dotted.split(".")
        for i in range(1, len(parts)):  # scanned below the import root: wagtail.test.settings → test.settings
            candidate = ".".join(parts[i:])
            if candidate in self.facts:
                return candidate
        module = self.project.names.project_module(dotted) if getattr(self.project, "names", None) else None
        return module if module in self.facts else None

    def star_targets(self, module: str) -> list[str]:
        targets = []
        for statement in self.facts[module].statements:
            if isinstance(statement, Import) and statement.names is None:
                target = self.find(statement.module)
                if target is not None and target != module:
                    targets.append(target)
        return targets

    def closure(self, seeds: set[str], both_ways: bool) -> set[str]:
        found = set(seeds)
        changed = True
        while changed:
            changed = False
            for module in list(self.facts):
                if _is_template(self.facts[module].path):
                    continue
                targets = self.star_targets(module)
                if module in found:
                    new = [t for t in targets if t not in found and not _is_template(self.facts[t].path)]
                    if new:
                        found.update(new)
                        changed = True
                elif both_ways and any(t in found for t in targets):
                    found.add(module)
                    changed = True
        return found

    def groups(self, modules: set[str]) -> list[set[str]]:
        """Modules joined by star imports (one Django project each), in a stable order."""
        parent = {m: m for m in modules}

        def root(m: str) -> str:
            while parent[m] != m:
                parent[m] = parent[parent[m]]
                m = parent[m]
            return m

        for module in sorted(modules):
            for target in self.star_targets(module):
                if target in parent:
                    parent[root(target)] = root(module)
        grouped: dict[str, set[str]] = {}
        for module in modules:
            grouped.setdefault(root(module), set()).add(module)
        return [grouped[k] for k in sorted(grouped, key=lambda k: min(grouped[k]))]

    # -- what they hold
    def evaluate(self, module: str, selected: str | None = None) -> _Namespace:
        """The namespace at the end of ``module``.

        ``selected``: evaluate an aggregator (``settings/__init__.py`` doing ``if ENV == "production":
        from .production import *``) as it runs when that environment module is the one chosen:
        its import is taken, the imports of other environment modules are not.
        """
        key = (module, selected)
        if key in self.done:
            return self.done[key]
        namespace = _Namespace()
        if module in self.running:  # an import cycle: Python would see a partial module
            return namespace
        self.running.add(module)
        try:
            facts = self.facts[module]
            names = self.names.get(module) or ModuleNames(module)
            for statement in facts.statements:
                state, why = self.decide(statement.conditions, namespace, names)
                if isinstance(statement, Import):
                    if selected is not None:
                        state, why = self.select(statement, selected, state, why)
                    self.run_import(statement, module, namespace, state, why)
                else:
                    self.run_assignment(statement, module, namespace, names, state, why)
        finally:
            self.running.discard(module)
        self.done[key] = namespace
        return namespace

    def select(self, statement: Import, selected: str, state: str, why: str) -> tuple[str, str]:
        target = self.find(statement.module)
        if target == selected:
            return "yes", ""
        if target is not None and statement.conditions and self.kinds.get(target) in ("production", "development"):
            return "no", f"only when {target} is selected"
        return state, why

    def aggregator(self, module: str) -> str | None:
        """A plain ``settings`` module (``settings/__init__.py``) that star-imports ``module``: the chooser."""
        for other in sorted(self.facts):
            if other == module or self.kinds.get(other) != "settings":
                continue
            if module in self.star_targets(other) and other not in self.star_targets(module):
                return other
        return None

    def run_import(self, statement: Import, module: str, namespace: _Namespace, state: str, why: str) -> None:
        target = self.find(statement.module)
        if target is None or target == module:
            if statement.names is None and not statement.optional and state != "no" \
                    and _settingsy(statement.module):
                namespace.unresolved.append(statement.module)
            return
        imported = self.evaluate(target)
        if statement.optional:
            # ``try: from .local import * except ImportError``: a module meant to be absent where the
            # code is deployed; what it sets is an alternative, not the value in force.
            why, state = f"only if {statement.module} exists (optional import)", "no"
        if statement.names is None:
            pairs = [(n, n) for n in imported.values if not n.startswith("_")]
        else:
            pairs = [(a, b) for a, b in statement.names if a in imported.values]
        for source, bound in pairs:
            setting = imported.values[source]
            if bound != source:
                setting = replace(setting, name=bound)
            self.put(namespace, setting, state, why)
        if statement.names is None:
            for name, parked in imported.dormant.items():
                namespace.dormant.setdefault(name, []).extend(parked)
            namespace.unresolved.extend(imported.unresolved)

    def put(self, namespace: _Namespace, setting: Setting, state: str, why: str) -> None:
        if state == "no":
            namespace.park(setting)
            return
        previous = namespace.values.get(setting.name)
        if state == "maybe":
            setting = replace(setting, conditional=setting.conditional or why)
            if previous is not None:
                namespace.park(previous)
        namespace.values[setting.name] = setting

    def run_assignment(self, statement: Assignment, module: str, namespace: _Namespace, names: ModuleNames,
                       state: str, why: str) -> None:
        value = statement.value
        if statement.source:
            relinked = self.reevaluate(statement.source, namespace, names)
            if relinked is not None and _knowledge(relinked) >= _knowledge(value):
                value = relinked
        previous = namespace.values.get(statement.name)
        if statement.op == "set" and not statement.keys:
            self.put(namespace, Setting(statement.name, value, statement.location, module, None, (),
                                        statement.refs, statement.call, statement.scheme), state, why)
            return
        if previous is None:
            return  # changing a name this module never got: Python would fail; nothing to model
        if state == "no":
            return
        if state == "maybe" and statement.op in ("remove",):
            return  # a removal that may not happen: keep the item (presence is what rules ask)
        changed = _apply(previous.value, statement.op, statement.keys, value, statement.index)
        update = Update(statement.location, statement.keys, statement.op, _payload(value))
        updated = replace(previous, value=changed, updates=previous.updates + (update,),
                          refs=previous.refs | statement.refs)
        if state == "maybe" and statement.op in ("set", "update", "setdefault"):
            updated = replace(updated, conditional=previous.conditional or why)
        namespace.values[statement.name] = updated

    def reevaluate(self, source: str, namespace: _Namespace, names: ModuleNames) -> Value | None:
        try:
            node = ast.parse(source, mode="eval").body
        except (SyntaxError, ValueError, RecursionError):
            return None
        return evaluate_setting(node, Evaluator(names, _chain_lookup(namespace)))

    def decide(self, conditions: tuple[Condition, ...], namespace: _Namespace, names: ModuleNames) -> tuple[str, str]:
        """``yes``, ``no`` or ``maybe`` (with why) for a statement's enclosing conditions.

        A test that evaluates to a literal decides; one that depends on the environment is
        decided by the default (what runs when nothing is configured) but stays ``maybe``.
        """
        state, why = "yes", ""
        for condition in conditions:
            if condition.kind == "try":
                continue
            if condition.kind in ("except", "loop"):
                outcome = "maybe"
                reason = "in an except block" if condition.kind == "except" else "in a loop"
            else:
                outcome, reason = self.test(condition, namespace, names)
            if outcome == "no":
                return "no", reason
            if outcome == "maybe" and state == "yes":
                state, why = "maybe", reason
        return state, why

    def test(self, condition: Condition, namespace: _Namespace, names: ModuleNames) -> tuple[str, str]:
        shown = condition.text if condition.kind == "if" else f"not ({condition.text})"
        reason = f"only if {shown}"
        value = self.reevaluate(condition.text, namespace, names)
        if isinstance(value, Literal) and not isinstance(value.value, Unknown):
            truth = _truthy(value.value)
            if truth is None:
                return "maybe", reason
            return ("yes" if truth == (condition.kind == "if") else "no"), reason
        if isinstance(value, FromEnv) and value.has_default:
            truth = _truthy(value.default)
            if truth is None:
                return "maybe", reason
            by_default = truth == (condition.kind == "if")
            return ("maybe" if by_default else "no"), f"{reason} (environment {value.variable})"
        return "maybe", reason


def _knowledge(value: Value) -> int:
    if isinstance(value, Unknown):
        return 0
    if isinstance(value, Literal) and isinstance(value.value, (list, tuple)) \
            and any(isinstance(item, Unknown) for item in value.value):
        return 1
    return 2


def _truthy(value: object) -> bool | None:
    if isinstance(value, Unknown):
        return None
    if isinstance(value, (list, tuple, dict)) and any(isinstance(v, Unknown) for v in
                                                       (value.values() if isinstance(value, dict) else value)):
        return True if value else None
    try:
        return bool(value)
    except Exception:  # an odd payload: undecided
        return None


def _chain_lookup(namespace: _Namespace):
    def lookup(key: str) -> Value | None:
        if key.startswith("__call__:"):
            setting = namespace.values.get(key.split(":", 1)[1])
            return Literal(setting.call) if setting is not None and setting.call else None
        if key.startswith(SCHEME_KEY):
            setting = namespace.values.get(key[len(SCHEME_KEY):])
            return setting.scheme if setting is not None else None
        setting = namespace.values.get(key)
        if setting is None or setting.conditional:
            return None
        return setting.value

    return lookup


def _apply(current: Value, op: str, keys: tuple[object, ...], value: Value, index: int | None) -> Value:
    """A changed copy of ``current``; anything that cannot be followed becomes Unknown."""
    if not isinstance(current, Literal):
        return current if isinstance(current, Unknown) else Unknown(getattr(current, "text", ""))
    root = copy.deepcopy(current.value)
    holder: object = None
    key: object = None
    target = root
    for position, step in enumerate(keys):
        holder, key = target, step
        try:
            target = target[step]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            if op in ("set", "setdefault") and position == len(keys) - 1 and isinstance(target, dict):
                target = MISSING
                break
            return Unknown(current.text)
    payload = _payload(value)
    try:
        if op in ("set", "setdefault"):
            if not keys:
                return value
            if op == "setdefault" and target is not MISSING:
                return current
            holder[key] = payload  # type: ignore[index]
        elif op == "extend":
            if not isinstance(target, (list, tuple)):
                return Unknown(current.text)
            extra = list(payload) if isinstance(payload, (list, tuple)) else [Unknown(getattr(value, "text", ""))]
            new = (list(target) + extra) if isinstance(target, list) else tuple(target) + tuple(extra)
            root = _replace_at(root, holder, key, new)
        elif op in ("append", "insert"):
            if not isinstance(target, (list, tuple)):
                return Unknown(current.text)
            items = list(target)
            if op == "insert" and index is not None:
                items.insert(index, payload)
            else:
                items.append(payload)
            root = _replace_at(root, holder, key, items if isinstance(target, list) else tuple(items))
        elif op == "remove":
            if isinstance(target, (list, tuple)) and payload in target:
                items = list(target)
                items.remove(payload)
                root = _replace_at(root, holder, key, items if isinstance(target, list) else tuple(items))
        elif op == "update":
            if not isinstance(target, dict) or not isinstance(payload, dict):
                return Unknown(current.text)
            target.update(payload)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        return Unknown(current.text)
    return Literal(root, current.text)


def _replace_at(root: object, holder: object, key: object, new: object) -> object:
    if holder is None:
        return new
    holder[key] = new  # type: ignore[index]
    return root


def _short(value: object) -> str:
    if value is MISSING:
        return "unknown"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
