from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

from secprofile.model.django_project import View, setting_value
from secprofile.model.fastapi_app import Route
from secprofile.model.module import FunctionFacts
from secprofile.model.project import Project
from secprofile.model.values import Literal, compare_constants
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.source.location import Location
from secprofile.source.names import ModuleNames, dotted

_READ_METHODS = frozenset({"GET", "HEAD"})
_REQUEST_NAMES = frozenset({"request", "req", "http_request"})
_REQUEST_TYPES = ("Request", "HttpRequest", "HTTPConnection", "WSGIRequest", "ASGIRequest")
# Local names that never hold a database row: assigning their attributes persists nothing.
_NOT_RECORDS = frozenset({"self", "cls", "request", "req", "http_request", "response", "resp", "res", "settings",
                          "app", "router", "context", "ctx", "form", "serializer", "g", "state", "logger", "log"})
# Analytics counters and "last seen" timestamps: bumping them on a GET is expected.
_COUNTER_FIELD = re.compile(
    r"^(?:(?:page_?)?(?:views|hits|visits|visitors|impressions|clicks|downloads|plays|pageviews)"
    r"|(?:num_|total_)?(?:view|hit|visit|visitor|impression|click|download|play|read|open|share|access|request|"
    r"search|page_?view)s?_?(?:count|counter|total|num)"
    r"|num_(?:views|hits|visits|visitors|impressions|clicks|downloads|plays|reads|opens)|counter|popularity"
    r"|last_(?:seen|login|active|activity|visit|visited|access|accessed|view|viewed|read|used|request|ping|heartbeat|"
    r"ip|login_ip|seen_ip|user_agent)(?:_at|_on|_time|_date|_ts)?"
    r"|(?:seen|accessed|viewed|visited|pinged)_(?:at|on|time))$",
    re.I,
)
# Models that record a visit rather than user data (page views, audit and access logs).
_ANALYTICS_MODEL = re.compile(
    r"^(?:\w*(?:PageView|Pageview|Impression|Visit|Hit|Click)s?|\w+Views?|"
    r"\w*(?:Access|Audit|Request|Activity|View|Visit|"
    r"Search|Click)(?:Log|Entry|Record)s?|AuditLog\w*|Analytics\w*|Tracking\w*|RecentlyViewed\w*|"
    r"(?:Search|Browsing|View)History)$"
)
# Secrets carried in the URL: a capability link (e-mail confirmation, unsubscribe, share link).
_TOKEN_NAME = re.compile(
    r"^(?:token|[a-z0-9]+_token|token_[a-z0-9_]+|signature|sig|signed|secret|[a-z0-9]+_secret|hmac|nonce|otp|"
    r"(?:confirmation|activation|unsubscribe|reset|invite|share)_(?:key|code|hash))$",
    re.I,
)
# Authentication flows that change state on GET by design (the link is the request): login, logout,
# OAuth/SSO callbacks, e-mail verification, password reset, unsubscribe, webhooks.
_AUTH_FLOW = re.compile(
    r"(^|[/_-])(log_?in|sign_?in|sign_?up|register|log_?out|sign_?out|oauth2?|sso|callback|authorize|verify|"
    r"verification|confirm|confirmation|activate|activation|password_?(reset|forgot|recovery|change)|"
    r"forgot_?password|reset_?password|magic_?link|unsubscribe|webhooks?)($|[/_-]|\{|<)",
    re.I,
)
_AUTH_COOKIE = re.compile(r"session|sess|sid|token|auth|jwt|access|login|remember|user", re.I)
_CSRF_WORD = re.compile(r"csrf|xsrf", re.I)
_SQL_WRITE = re.compile(
    r"^\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*\(?\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE|UPSERT|TRUNCATE|DROP)\b",
    re.I | re.S,
)
_SQL_SET = re.compile(r"\bSET\s+(.*?)(?:\bWHERE\b|\bRETURNING\b|\bFROM\b|$)", re.I | re.S)
_SQL_KIND = {"INSERT": "create", "UPDATE": "update", "DELETE": "delete", "REPLACE": "update", "MERGE": "update",
             "UPSERT": "update", "TRUNCATE": "delete", "DROP": "delete"}
_DOCUMENT_WRITES = {
    "insert_one": "create", "insert_many": "create", "update_one": "update", "update_many": "update",
    "replace_one": "update", "delete_one": "delete", "delete_many": "delete", "find_one_and_delete": "delete",
    "find_one_and_update": "update", "find_one_and_replace": "update", "bulk_write": "update",
}
_CREATES = {"create": "create", "bulk_create": "create", "get_or_create": "create", "update_or_create": "update",
            "bulk_update": "update"}
_QUERYSET_ATTRS = frozenset({"objects", "_default_manager", "filter", "filter_by", "exclude", "all", "query", "where",
                             "select_for_update", "get_queryset"})
_ORM_TOPS = frozenset({"django", "sqlalchemy", "sqlmodel", "tortoise", "peewee", "mongoengine", "beanie", "odmantic",
                       "ormar", "piccolo", "pony", "databases", "motor", "pymongo"})
_SESSION_NAMES = frozenset({"db", "session", "sess", "db_session", "dbsession", "async_session", "session_db", "uow",
                            "tx", "database"})
_SIGNATURE_CALLS = frozenset({
    "hmac.compare_digest", "secrets.compare_digest", "django.utils.crypto.constant_time_compare",
    "django.core.signing.loads", "django.core.signing.Signer.unsign", "django.core.signing.TimestampSigner.unsign",
})
_VERIFY_METHODS = frozenset({"check_token", "unsign", "unsign_object", "verify_signature", "check_signature"})
_WRITE_WORDS = {"delete": "deletes data", "update": "updates data", "create": "creates records",
                "relation": "changes relations"}
# Methods that run when a class-based view answers GET (project overrides only).
_DJANGO_GET_METHODS = ("get", "head", "dispatch", "setup", "get_context_data", "get_object", "get_queryset",
                       "get_redirect_url", "render_to_response", "get_template_names")
_DRF_GET_METHODS = ("get", "head", "list", "retrieve", "dispatch", "initial", "get_object", "get_queryset",
                    "filter_queryset")
_HINT = ("Accept only POST (or DELETE) for the change — `@router.post(...)`, `@require_POST`, a `post()` method — "
         "so the CSRF token protects it, and keep GET handlers read-only.")


@dataclass(frozen=True)
class _Write:
    kind: str  # delete, update, create, relation
    text: str
    path: str
    line: int
    function: str


@dataclass(frozen=True)
class _Summary:
    writes: tuple[_Write, ...] = ()
    pending: tuple[_Write, ...] = ()  # attribute changes that persist only with a commit
    commits: bool = False
    callees: tuple[tuple[str, tuple[str, ...]], ...] = ()
    verifies: bool = False  # checks a signature, a CSRF token or a token from the link
    query_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Reach:
    writes: tuple[_Write, ...]
    inferred: bool  # only attribute changes followed by a commit
    verifies: bool
    query_keys: frozenset[str]


def _own(root: ast.AST) -> Iterator[ast.AST]:
    """Nodes of ``root`` without descending into nested functions, lambdas and classes."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


def _exits(body: list[ast.stmt]) -> bool:
    return any(isinstance(stmt, (ast.Return, ast.Raise)) for stmt in body)


def _attr_target(target: ast.AST) -> tuple[str, str] | None:
    """``order.status = ...`` → ("order", "status"); the root name of an attribute chain and the last attribute."""
    if not isinstance(target, ast.Attribute):
        return None
    node = target.value
    while isinstance(node, ast.Attribute):
        node = node.value
    return (node.id, target.attr) if isinstance(node, ast.Name) else None


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # an odd node must never break the rule
        return ""


_UNKNOWN = object()


class _Body:
    """One function body: its writes, commits and calls, except those that cannot run on a GET."""

    def __init__(self, analyzer: "_Analyzer", function: FunctionFacts, node, classes: tuple[str, ...]):
        self.a = analyzer
        self.project = analyzer.project
        self.function = function
        self.path = function.location.path
        facts = self.project.files.get(self.path)
        self.names: ModuleNames = (facts.names if facts is not None and facts.names is not None
                                   else ModuleNames(function.qualname.rsplit(".", 1)[0]))
        self.django = bool(facts is not None and facts.imports_any("django", "rest_framework"))
        self.classes = classes
        self.requests = set(_REQUEST_NAMES) | {
            p.name for p in function.params if (p.annotation or "").endswith(_REQUEST_TYPES)}
        self.model_method = bool(classes) and analyzer.is_model(classes[0])
        self.assigned: dict[str, ast.AST] = {}
        self.mutated: dict[str, set[str]] = {}
        self.types: dict[str, str] = {}
        self.post_bound: set[str] = set()
        self.benign: set[int] = set()
        self.writes: list[_Write] = []
        self.pending: list[_Write] = []
        self.commits = False
        self.callees: list[tuple[str, tuple[str, ...]]] = []
        self.verifies = False
        self.query_keys: set[str] = set()
        for param in function.params:
            for candidate in (param.annotation, param.dependency):
                cls = self._project_class(candidate)
                if cls:
                    self.types[param.name] = cls
                    break
        self._prepare(node)
        self._block(node.body, False)

    def summary(self) -> _Summary:
        return _Summary(tuple(self.writes), tuple(self.pending), self.commits, tuple(self.callees), self.verifies,
                        frozenset(self.query_keys))

    # ------------------------------------------------------------------ names
    def _project_class(self, qualname: str | None) -> str | None:
        if not qualname:
            return None
        name = self.project.names.canonical(qualname) or qualname
        return name if name in self.project.classes else None

    def _canonical(self, node: ast.AST) -> str | None:
        resolved = self.names.resolve(node)
        return (self.project.names.canonical(resolved) or resolved) if resolved else None

    def _is_global(self, name: str) -> bool:
        return name in self.names.bindings

    def _request_ish(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.requests
        return isinstance(node, ast.Attribute) and node.attr == "request" and isinstance(node.value, ast.Name) \
            and node.value.id == "self"

    def _class_in(self, value: ast.AST) -> str | None:
        """The one project class an expression mentions: ``get_object_or_404(Note, pk=pk)`` → Note."""
        found: set[str] = set()
        for child in _own(value):
            if isinstance(child, (ast.Name, ast.Attribute)) and not isinstance(getattr(child, "ctx", None), ast.Store):
                resolved = self.names.resolve(child)
                cls = self._project_class(resolved) if resolved else None
                if cls:
                    found.add(cls)
                    if len(found) > 1:
                        return None
        return found.pop() if len(found) == 1 else None

    def _mentions_post(self, node: ast.AST) -> bool:
        return any(isinstance(c, ast.Attribute) and c.attr in ("POST", "FILES", "data") and self._request_ish(c.value)
                   for c in _own(node))

    # ------------------------------------------------------------------ pre-pass
    def _prepare(self, node) -> None:
        for stmt in node.body:
            for child in _own(stmt):
                if isinstance(child, (ast.Assign, ast.AnnAssign)) and child.value is not None:
                    targets = child.targets if isinstance(child, ast.Assign) else [child.target]
                    for target in targets:
                        self._prepare_target(target, child.value)
                elif isinstance(child, ast.AugAssign):
                    self._mutation(child.target)
                elif isinstance(child, (ast.With, ast.AsyncWith)):
                    for item in child.items:
                        if isinstance(item.optional_vars, ast.Name):
                            cls = self._class_in(item.context_expr)
                            if cls:
                                self.types[item.optional_vars.id] = cls
                elif isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) \
                        and child.func.attr == "values":
                    root = child.func.value
                    while isinstance(root, (ast.Call, ast.Attribute)):
                        if isinstance(root, ast.Call) and self._builder(root) == "update":
                            if self._counter_fields(child):
                                self.benign.add(id(root))
                            break
                        root = root.func if isinstance(root, ast.Call) else root.value

    def _prepare_target(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.assigned[target.id] = value
            cls = self._class_in(value)
            if cls:
                self.types[target.id] = cls
            if isinstance(value, ast.Call) and self._mentions_post(value):
                self.post_bound.add(target.id)
        elif isinstance(target, ast.Tuple) and target.elts and isinstance(target.elts[0], ast.Name):
            cls = self._class_in(value)  # obj, created = Model.objects.get_or_create(...)
            if cls:
                self.types[target.elts[0].id] = cls
        else:
            self._mutation(target)

    def _mutation(self, target: ast.AST) -> None:
        """Remember ``post.views += 1`` under ``post`` (``self.object.views`` under ``self.object``)."""
        if isinstance(target, ast.Attribute):
            owner = dotted(target.value)
            if owner:
                self.mutated.setdefault(owner, set()).add(target.attr)

    # ------------------------------------------------------------------ what runs on a GET
    def _block(self, body: list[ast.stmt], guarded: bool) -> None:
        if guarded:
            return
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if self._raises_on_get(stmt.test if isinstance(stmt, (ast.If, ast.While)) else stmt):
                return  # ``body = request.POST["body"]`` fails on a GET: nothing after it runs
            if isinstance(stmt, ast.If):
                verdict = self._on_get(stmt.test)
                self._nodes(stmt.test)
                self._block(stmt.body, verdict is False)
                self._block(stmt.orelse, verdict is True)
                if (verdict is True and _exits(stmt.body)) or (verdict is False and _exits(stmt.orelse)):
                    return  # ``if request.method != "POST": return ...``: the rest never runs on a GET
            elif isinstance(stmt, (ast.For, ast.AsyncFor)):
                self._nodes(stmt.iter)
                self._block(stmt.body, False)
                self._block(stmt.orelse, False)
            elif isinstance(stmt, ast.While):
                self._nodes(stmt.test)
                self._block(stmt.body, False)
                self._block(stmt.orelse, False)
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    self._nodes(item.context_expr)
                self._block(stmt.body, False)
            elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
                self._block(stmt.body, False)
                for handler in stmt.handlers:
                    self._block(handler.body, False)
                self._block(stmt.orelse, False)
                self._block(stmt.finalbody, False)
            elif type(stmt).__name__ == "Match":
                self._nodes(stmt.subject)
                for case in stmt.cases:
                    self._block(case.body, False)
            else:
                self._nodes(stmt)
                if isinstance(stmt, (ast.Return, ast.Raise)):
                    return

    def _raises_on_get(self, stmt: ast.AST) -> bool:
        """A simple statement (or a test) that indexes ``request.POST``/``FILES``/``data``: a KeyError on a GET."""
        if isinstance(stmt, (ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.Try)) or \
                type(stmt).__name__ in ("TryStar", "Match"):
            return False
        for child in _own(stmt):
            if isinstance(child, (ast.IfExp, ast.BoolOp)):
                return False  # ``request.POST["x"] if request.method == "POST" else ""``: cannot tell
        return any(isinstance(c, ast.Subscript) and isinstance(c.ctx, ast.Load) and isinstance(c.value, ast.Attribute)
                   and c.value.attr in ("POST", "FILES", "data") and self._request_ish(c.value.value)
                   for c in _own(stmt))

    def _on_get(self, test: ast.AST) -> bool | None:
        """The test's value on a GET request (request.POST empty, unbound forms invalid), or None."""
        if isinstance(test, ast.BoolOp):
            values = [self._on_get(v) for v in test.values]
            if isinstance(test.op, ast.And):
                return False if False in values else True if all(v is True for v in values) else None
            return True if True in values else False if all(v is False for v in values) else None
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self._on_get(test.operand)
            return None if inner is None else not inner
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, right = self._value(test.left), self._value(test.comparators[0])
            if left is _UNKNOWN or right is _UNKNOWN:
                return None
            return compare_constants(left, test.ops[0], right)
        if isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "is_valid" \
                and isinstance(test.func.value, ast.Name) and test.func.value.id in self.post_bound:
            return False  # a form bound to request.POST is unbound (or empty) on a GET
        value = self._value(test)
        return None if value is _UNKNOWN else bool(value)

    def _value(self, node: ast.AST) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Attribute):
            if node.attr == "method" and self._request_ish(node.value):
                return "GET"
            if node.attr in ("POST", "FILES", "data") and self._request_ish(node.value):
                return {}
            if node.attr.endswith("SAFE_METHODS"):
                return frozenset({"GET", "HEAD", "OPTIONS"})
        if isinstance(node, ast.Name) and node.id.endswith("SAFE_METHODS"):
            return frozenset({"GET", "HEAD", "OPTIONS"})
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = [self._value(e) for e in node.elts]
            if any(i is _UNKNOWN for i in items):
                return _UNKNOWN
            try:
                return frozenset(items)
            except TypeError:
                return _UNKNOWN
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = self._value(node.func.value)
            if isinstance(receiver, str) and node.func.attr in ("upper", "lower") and not node.args:
                return receiver.upper() if node.func.attr == "upper" else receiver.lower()
            if receiver == {} and node.func.attr in ("get", "getlist"):
                default = node.args[1] if len(node.args) > 1 else None
                if default is None:
                    return None if node.func.attr == "get" else []
                value = self._value(default)
                return value
        return _UNKNOWN

    # ------------------------------------------------------------------ statements and calls
    def _nodes(self, root: ast.AST) -> None:
        for child in _own(root):
            if isinstance(child, ast.Call):
                self._call(child)
            elif isinstance(child, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                self._assign(child)
            elif isinstance(child, ast.Subscript) and self._query_dict(child.value):
                key = child.slice
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self.query_keys.add(key.value)

    def _query_dict(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and node.attr in ("GET", "query_params") \
            and self._request_ish(node.value)

    def _write(self, kind: str, text: str, node: ast.AST, pending: bool = False) -> None:
        write = _Write(kind, _short(text), self.path, getattr(node, "lineno", self.function.location.line),
                       self.function.qualname)
        (self.pending if pending else self.writes).append(write)

    def _record_root(self, root: str) -> bool:
        if root == "self":
            return self.model_method
        return root not in _NOT_RECORDS and root not in self.requests and not self._is_global(root)

    def _assign(self, stmt) -> None:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            found = _attr_target(target)
            if not found or not self._record_root(found[0]) or _COUNTER_FIELD.match(found[1]):
                continue
            self._write("update", f"{found[0]}.{found[1]} = …", stmt, pending=True)

    def _call(self, call: ast.Call) -> None:
        func = call.func
        canonical = self._canonical(func)
        tail = (canonical or (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))) \
            .rsplit(".", 1)[-1]
        if canonical in _SIGNATURE_CALLS or tail in _VERIFY_METHODS or _CSRF_WORD.search(tail) or (
                tail == "loads" and any(isinstance(a, ast.Name) and _TOKEN_NAME.match(a.id)
                                                    for a in call.args)):
            self.verifies = True  # serializer.loads(token, max_age=...): the link carries a signed secret
        if isinstance(func, ast.Attribute) and func.attr in ("get", "getlist") and self._query_dict(func.value) \
                and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
            self.query_keys.add(call.args[0].value)
        kind = self._builder(call)
        if kind:
            if id(call) not in self.benign:
                self._write(kind, _unparse(call), call)
            return
        callee = self._callee(call, canonical)
        if callee is not None:
            self.callees.append(callee)
            return
        if canonical == "builtins.setattr" and call.args and isinstance(call.args[0], ast.Name) \
                and self._record_root(call.args[0].id):
            self._write("update", _unparse(call), call, pending=True)
            return
        if canonical and self.project.names.split(canonical) is None and canonical.split(".", 1)[0] not in _ORM_TOPS:
            return  # requests.delete(url), stripe.Customer.create(...): another service, not this app's data
        if canonical and ".cache" in canonical:
            return
        if not isinstance(func, ast.Attribute):
            return
        attr, receiver = func.attr, func.value
        if attr in ("commit", "flush") and not call.args and not self._request_ish(receiver):
            self.commits = True
        elif attr == "begin" and self._session_like(receiver):
            self.commits = True  # with db.begin(): commits on exit
        elif attr in ("execute", "executemany", "exec_driver_sql", "executescript"):
            self._sql(call)
        elif attr in _DOCUMENT_WRITES:
            if not self._counter_document(call):
                self._write(_DOCUMENT_WRITES[attr], _unparse(call), call)
        elif attr == "delete":
            self._delete(call, receiver, canonical)
        elif attr == "save":
            self._save(call, receiver)
        elif attr == "update":
            self._update(call, receiver)
        elif attr in _CREATES:
            self._create(call, receiver, attr)
        elif attr in ("add", "add_all", "merge"):
            self._add(call, receiver, attr)
        elif attr in ("remove", "clear", "set"):
            if self.django and self._related(receiver):
                self._write("relation", _unparse(call), call)
            elif not self.django and attr != "set" and self._attribute_of_record(receiver):
                self._write("relation", _unparse(call), call, pending=True)
        elif attr in ("append", "extend", "discard") and not self.django and self._attribute_of_record(receiver):
            self._write("relation", _unparse(call), call, pending=True)  # user.favorites.append(item); db.commit()

    def _callee(self, call: ast.Call, canonical: str | None) -> tuple[str, tuple[str, ...]] | None:
        functions = self.project.functions
        if canonical and canonical in functions:
            callee = functions[canonical]
            return callee.qualname, self.a.context_of(callee)
        func = call.func
        if not isinstance(func, ast.Attribute):
            return None
        receiver, method = func.value, func.attr
        classes: tuple[str, ...] = ()
        if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
            classes = self.classes
        elif isinstance(receiver, ast.Name) and receiver.id in self.types:
            classes = self.a.mro(self.types[receiver.id])
        elif isinstance(receiver, ast.Call):
            if isinstance(receiver.func, ast.Name) and receiver.func.id == "super":
                classes = self.classes[1:]
            else:
                cls = self._project_class(self._canonical(receiver.func))
                classes = self.a.mro(cls) if cls else ()
        elif isinstance(receiver, (ast.Name, ast.Attribute)):
            cls = self._project_class(self._canonical(receiver))
            classes = self.a.mro(cls) if cls else ()
        for cls in classes:
            qualname = f"{cls}.{method}"
            if qualname in functions:
                context = self.classes if isinstance(receiver, ast.Name) and receiver.id in ("self", "cls") \
                    else classes
                return qualname, context
        return None

    def _builder(self, call: ast.Call) -> str | None:
        """``delete(Note)``, ``update(Note)``, ``insert(Note)`` of SQLAlchemy/SQLModel."""
        canonical = self._canonical(call.func) if isinstance(call.func, (ast.Name, ast.Attribute)) else None
        if not canonical or not canonical.startswith(("sqlalchemy.", "sqlmodel.")):
            return None
        return {"delete": "delete", "update": "update", "insert": "create"}.get(canonical.rsplit(".", 1)[-1])

    def _counter_fields(self, call: ast.Call) -> bool:
        """Every field a ``.update(...)``/``.values(...)`` call sets is a counter or a timestamp."""
        fields: list[str] = [k.arg for k in call.keywords if k.arg]
        if any(k.arg is None for k in call.keywords):
            return False
        for arg in call.args:
            if not isinstance(arg, ast.Dict):
                return False
            for key in arg.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    fields.append(key.value)
                elif isinstance(key, ast.Attribute):
                    fields.append(key.attr)
                else:
                    return False
        return bool(fields) and all(_COUNTER_FIELD.match(f) for f in fields)

    def _counter_document(self, call: ast.Call) -> bool:
        """``update_one(filter, {"$inc": {"views": 1}})``."""
        if len(call.args) < 2 or not isinstance(call.args[1], ast.Dict):
            return False
        fields: list[str] = []
        for key, value in zip(call.args[1].keys, call.args[1].values):
            if not (isinstance(key, ast.Constant) and key.value in ("$inc", "$set", "$currentDate", "$max")):
                return False
            if not isinstance(value, ast.Dict):
                return False
            for inner in value.keys:
                if not (isinstance(inner, ast.Constant) and isinstance(inner.value, str)):
                    return False
                fields.append(inner.value)
        return bool(fields) and all(_COUNTER_FIELD.match(f) for f in fields)

    def _sql_text(self, node: ast.AST | None, depth: int = 0) -> str | None:
        if node is None or depth > 4:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        if isinstance(node, ast.BinOp):
            return self._sql_text(node.left, depth + 1)
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
                return self._sql_text(node.func.value, depth + 1)
            if (self._canonical(node.func) or "").rsplit(".", 1)[-1] == "text" and node.args:
                return self._sql_text(node.args[0], depth + 1)
            return None
        if isinstance(node, ast.Name):
            if node.id in self.assigned:
                return self._sql_text(self.assigned[node.id], depth + 1)
            value = self.project.value_of(self._canonical(node))
            if isinstance(value, Literal) and isinstance(value.value, str):
                return value.value
        return None

    def _sql(self, call: ast.Call) -> None:
        statement = call.args[0] if call.args else next(
            (k.value for k in call.keywords if k.arg in ("statement", "query", "sql", "operation")), None)
        text = self._sql_text(statement)
        match = _SQL_WRITE.match(text) if text else None
        if not match:
            return
        verb = match.group(1).upper()
        if verb == "UPDATE":
            assignments = _SQL_SET.search(text or "")
            columns = re.findall(r"(?:^|,)\s*[\"`\[]?(\w+)[\"`\]]?\s*=", assignments.group(1)) if assignments else []
            if columns and all(_COUNTER_FIELD.match(c) for c in columns):
                return  # UPDATE posts SET views = views + 1
        self._write(_SQL_KIND[verb], _unparse(call), call)

    def _web_session(self, node: ast.AST) -> bool:
        """``request.session``, ``self.request.session``: the cookie session, not the database."""
        for child in _own(node):
            if isinstance(child, ast.Attribute) and child.attr == "session" and self._request_ish(child.value):
                return True
        return False

    def _cacheish(self, node: ast.AST) -> bool:
        text = (dotted(node) or "").lower()
        return any(word in text for word in ("cache", "redis", "memcache")) or text.endswith("client")

    def _session_like(self, node: ast.AST) -> bool:
        text = dotted(node)
        if not text or self._web_session(node):
            return False
        last = text.rsplit(".", 1)[-1].lower()
        return last in _SESSION_NAMES or last.endswith(("_session", "_db"))

    def _querysetish(self, node: ast.AST, depth: int = 0) -> bool:
        """A manager or queryset chain: ``Note.objects.filter(...)``, ``db.query(Note)``, ``qs`` bound to one.

        Only the chain's spine counts, not its arguments: ``context = {"notes": Note.objects.all()}``
        does not make ``context.update(...)`` a query.
        """
        while True:
            if isinstance(node, ast.Call):
                node = node.func
            elif isinstance(node, ast.Subscript):
                node = node.value
            elif isinstance(node, ast.Attribute):
                if node.attr in _QUERYSET_ATTRS:
                    return True
                node = node.value
            elif isinstance(node, ast.Name) and node.id in self.assigned and depth < 2:
                return self._querysetish(self.assigned[node.id], depth + 1)
            else:
                return False

    def _orm_class(self, node: ast.AST) -> str | None:
        """``Note`` in ``Note.create(...)``/``Note.update(...)`` (Tortoise, Peewee): a project model class."""
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return None
        cls = self._project_class(self._canonical(node))
        return cls if cls and self.a.is_model(cls) else None

    def _related(self, node: ast.AST) -> bool:
        """A related manager: ``post.likes``, ``request.user.notes``."""
        if not isinstance(node, ast.Attribute):
            return False
        text = dotted(node)
        if not text:
            return False
        parts = text.split(".")
        if parts[-1] in ("session", "messages", "headers", "cookies", "META", "COOKIES", "GET", "POST", "data",
                         "cache", "FILES", "query_params", "kwargs", "args"):
            return False
        if (parts[0] in self.requests and len(parts) > 2 and parts[1] == "user") or (
                parts[:3] == ["self", "request", "user"] and len(parts) > 3):
            return True
        if parts[:2] == ["self", "object"] and len(parts) > 2:
            return True  # self.object.likes in a detail view
        root = parts[0]
        return root not in _NOT_RECORDS and root not in self.requests and not self._is_global(root)

    def _attribute_of_record(self, node: ast.AST) -> bool:
        found = _attr_target(node) if isinstance(node, ast.Attribute) else None
        return bool(found) and self._record_root(found[0])

    def _model_of(self, node: ast.AST) -> str | None:
        """The model class a manager/queryset chain starts from (``Note.objects.filter(...)`` → Note)."""
        while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
            if isinstance(node, (ast.Name, ast.Attribute)):
                cls = self._project_class(self._canonical(node))
                if cls:
                    return cls
            node = node.func if isinstance(node, ast.Call) else node.value
        if isinstance(node, ast.Name):
            return self._project_class(self._canonical(node)) or self.types.get(node.id)
        return None

    def _delete(self, call: ast.Call, receiver: ast.AST, canonical: str | None) -> None:
        if self._web_session(receiver):
            return
        if (canonical or "").endswith("storage.delete") or (dotted(receiver) or "").endswith("storage"):
            self._write("delete", _unparse(call), call)  # default_storage.delete(path): a user's file
            return
        if self._cacheish(receiver):
            return
        if not call.args:
            self._write("delete", _unparse(call), call)  # note.delete(), query.delete(synchronize_session=False)
        elif call.args and self._session_like(receiver):
            self._write("delete", _unparse(call), call)

    def _save(self, call: ast.Call, receiver: ast.AST) -> None:
        if call.args or self._web_session(receiver) or self._cacheish(receiver):
            return  # image.save(buffer, "PNG"), workbook.save(path): files, not rows
        for keyword in call.keywords:
            if keyword.arg == "commit" and isinstance(keyword.value, ast.Constant) and keyword.value.value is False:
                return
            if keyword.arg == "update_fields" and isinstance(keyword.value, (ast.List, ast.Tuple, ast.Set)):
                fields = [e.value for e in keyword.value.elts if isinstance(e, ast.Constant)]
                if fields and len(fields) == len(keyword.value.elts) and all(
                        isinstance(f, str) and _COUNTER_FIELD.match(f) for f in fields):
                    return  # post.save(update_fields=["views"])
                self._write("update", _unparse(call), call)
                return
        changed = self.mutated.get(dotted(receiver) or "")
        if changed and all(_COUNTER_FIELD.match(f) for f in changed):
            return  # post.views += 1; post.save()
        self._write("update", _unparse(call), call)

    def _update(self, call: ast.Call, receiver: ast.AST) -> None:
        text = dotted(receiver) or ""
        related_user = bool(re.match(r"^(self\.)?(request|req)\.user\.\w+$", text)) and self.django
        if not (self._querysetish(receiver) or self._orm_class(receiver) or related_user):
            return
        if self._web_session(receiver) or self._counter_fields(call):
            return
        self._write("update", _unparse(call), call)

    def _create(self, call: ast.Call, receiver: ast.AST, attr: str) -> None:
        if self._web_session(receiver):
            return
        if not (self._querysetish(receiver) or self._orm_class(receiver) or (self.django and self._related(receiver))):
            return
        model = self._model_of(receiver)
        if model and _ANALYTICS_MODEL.match(model.rsplit(".", 1)[-1]):
            return  # PageView.objects.create(...): a visit record
        if attr == "get_or_create" and self._user_only(call):
            return  # Profile.objects.get_or_create(user=request.user): lazy set-up of the caller's own row
        self._write(_CREATES[attr], _unparse(call), call)

    def _user_only(self, call: ast.Call) -> bool:
        values = [k.value for k in call.keywords if k.arg and k.arg != "defaults"]
        if not values or call.args:
            return False
        for value in values:
            text = dotted(value) or ""
            if not (text in ("user", "current_user") or re.search(r"(^|\.)user(\.(id|pk))?$", text)):
                return False
        return True

    def _add(self, call: ast.Call, receiver: ast.AST, attr: str) -> None:
        if self._session_like(receiver):
            arg = call.args[0] if call.args else None
            cls = None
            if isinstance(arg, ast.Call):
                cls = self._project_class(self._canonical(arg.func))
            elif isinstance(arg, ast.Name):
                cls = self.types.get(arg.id)
            if cls and _ANALYTICS_MODEL.match(cls.rsplit(".", 1)[-1]):
                return  # db.add(PageView(...))
            self._write("update" if attr == "merge" else "create", _unparse(call), call)
        elif attr == "add" and self.django and self._related(receiver):
            self._write("relation", _unparse(call), call)  # post.likes.add(request.user)


class _Analyzer:
    """Per-scan memo of function summaries, function nodes and class MROs (no global state)."""

    def __init__(self, project: Project):
        self.project = project
        self._index: dict[str, dict[tuple[int, str], ast.AST]] = {}
        self._summaries: dict[tuple[str, tuple[str, ...]], _Summary | None] = {}
        self._mros: dict[str, tuple[str, ...]] = {}
        self._models: dict[str, bool] = {}

    def node(self, function: FunctionFacts):
        path = function.location.path
        if path not in self._index:
            tree = self.project.tree(path)
            index: dict[tuple[int, str], ast.AST] = {}
            if tree is not None:
                for child in ast.walk(tree):
                    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        index[(child.lineno, child.name)] = child
            self._index[path] = index
        return self._index[path].get((function.location.line, function.name))

    def mro(self, cls: str | None) -> tuple[str, ...]:
        """Project classes from ``cls`` up, in (depth-first) MRO order."""
        if not cls:
            return ()
        if cls not in self._mros:
            classes = self.project.classes
            self._mros[cls] = tuple(name for name in self.project.ancestors(cls) if name in classes)[:40]
        return self._mros[cls]

    def is_model(self, cls: str) -> bool:
        """An ORM model class: some base (project or not) reads like ``Base``, ``Model``, ``SQLModel``."""
        if cls not in self._models:
            self._models[cls] = False
            found = False
            for name in self.mro(cls):
                for base in self.project.classes[name].bases:
                    tail = base.rsplit(".", 1)[-1]
                    if tail in ("Base", "Model", "SQLModel", "DeclarativeBase", "Document") or \
                            tail.endswith(("Model", "Base")) and "View" not in tail and "Form" not in tail \
                            and "Serializer" not in tail and "Settings" not in tail:
                        found = True
            self._models[cls] = found
        return self._models[cls]

    def context_of(self, function: FunctionFacts) -> tuple[str, ...]:
        return self.mro(function.class_name) if function.class_name else ()

    def summary(self, function: FunctionFacts, classes: tuple[str, ...]) -> _Summary | None:
        key = (function.qualname, classes)
        if key not in self._summaries:
            self._summaries[key] = None
            node = self.node(function)
            if node is not None:
                self._summaries[key] = _Body(self, function, node, classes).summary()
        return self._summaries[key]

    def reach(self, function: FunctionFacts, classes: tuple[str, ...]) -> _Reach:
        """Writes on a GET in ``function`` and the project functions it calls (three levels deep)."""
        writes: list[_Write] = []
        pending: list[_Write] = []
        commits = verifies = False
        keys: set[str] = set()
        seen: set[tuple[str, tuple[str, ...]]] = set()
        queue: list[tuple[FunctionFacts, tuple[str, ...], int]] = [(function, classes, 0)]
        while queue and len(seen) < 40:
            current, context, depth = queue.pop(0)
            if (current.qualname, context) in seen:
                continue
            seen.add((current.qualname, context))
            summary = self.summary(current, context)
            if summary is None:
                continue
            writes.extend(summary.writes)
            pending.extend(summary.pending)
            commits = commits or summary.commits
            verifies = verifies or summary.verifies
            keys |= summary.query_keys
            if depth < 3:
                for qualname, callee_context in summary.callees:
                    callee = self.project.functions.get(qualname)
                    if callee is not None:
                        queue.append((callee, callee_context, depth + 1))
        if not writes and commits and pending:
            return _Reach(tuple(pending), True, verifies, frozenset(keys))
        return _Reach(tuple(writes), False, verifies, frozenset(keys))


# ====================================================================== FastAPI
def _cookie_identity(analyzer: _Analyzer, function: FunctionFacts | None) -> str | None:
    """The function identifies the caller from a cookie: the Starlette session or an auth cookie."""
    if function is None:
        return None
    for param in function.params:
        if param.marker == "Cookie" and _AUTH_COOKIE.search(param.name):
            return f"Cookie parameter {param.name}"
    if not function.reads & {"session", "cookies"}:
        return None
    node = analyzer.node(function)
    if node is None:
        return None
    requests = set(_REQUEST_NAMES) | {p.name for p in function.params if (p.annotation or "").endswith(_REQUEST_TYPES)}
    for child in _own(node):
        if isinstance(child, ast.Attribute) and child.attr == "session" and isinstance(child.value, ast.Name) \
                and child.value.id in requests:
            return "request.session"
        key = None
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "get" \
                and isinstance(child.func.value, ast.Attribute) and child.func.value.attr == "cookies" and child.args:
            key = child.args[0]
        elif isinstance(child, ast.Subscript) and isinstance(child.value, ast.Attribute) \
                and child.value.attr == "cookies":
            key = child.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and _AUTH_COOKIE.search(key.value):
            return f"request.cookies[{key.value!r}]"
        if isinstance(key, (ast.Name, ast.Attribute)) and _AUTH_COOKIE.search(dotted(key) or ""):
            return f"request.cookies[{dotted(key)}]"
    return None


def _fastapi_cookie(project: Project, analyzer: _Analyzer, route: Route) -> str | None:
    if route.auth is not None:
        return route.auth.symbol.rsplit(".", 1)[-1] if route.auth.via_cookie else None  # bearer/header auth
    for name in (route.handler_name, *route.dependencies):
        found = _cookie_identity(analyzer, project.function(name.rstrip("()") if name else None))
        if found:
            return found
    return None


def _sp301():
    try:
        from secprofile.rules.csrf import sp301_cookie_auth_without_csrf as module
    except ImportError:
        return None
    return module


def _sp301_reports(project: Project, route: Route, memo: dict) -> bool:
    """SP301 owns cookie-authenticated routes that also accept POST/PUT/PATCH/DELETE without CSRF protection."""
    if not route.state_changing or route.auth is None or not route.auth.via_cookie:
        return False
    module = _sp301()
    if module is None:
        return True
    try:
        if "apps" not in memo:
            memo["apps"] = module._app_protected(project)
        return not (memo["apps"].get(route.app) or module._route_protected(project, route))
    except Exception:  # SP301's helpers changed: stay quiet rather than report its line twice
        return True


def _samesite(project: Project, route: Route) -> str:
    module = _sp301()
    if module is None:
        return "lax"
    try:
        return str(module._samesite(project, route))
    except Exception:  # SP301's helper changed: assume Starlette's default
        return "lax"


def _csrf_checks_get(project: Project, route: Route) -> bool:
    """A CSRF middleware configured to check safe methods too (``safe_methods={"OPTIONS"}``)."""
    for app in project.fastapi.apps:
        if app.symbol != route.app and route.app != "<unattached>":
            continue
        for middleware in app.middleware:
            if not _CSRF_WORD.search(middleware.middleware.rsplit(".", 1)[-1]):
                continue
            option = middleware.option("safe_methods")
            if isinstance(option, Literal) and isinstance(option.value, (list, tuple, set, frozenset)) and \
                    "GET" not in {str(m).upper() for m in option.value}:
                return True
    return False


def _token_params(route: Route) -> bool:
    """A secret in the link: ``/confirm/{token}`` or ``?token=...``."""
    if route.is_capability_url or any(_TOKEN_NAME.match(p) for p in route.path_params()):
        return True
    handler = route.handler
    path = set(route.path_params())
    return handler is not None and any(
        _TOKEN_NAME.match(p.name) and p.marker in (None, "Query") and p.name not in path for p in handler.params)


def _fastapi_hits(project: Project, analyzer: _Analyzer) -> Iterator[Hit]:
    routes = [r for r in project.fastapi.routes
              if r.kind == "http" and _READ_METHODS.intersection(r.methods) and r.handler is not None]
    memo: dict = {}
    for route in routes:
        handler = route.handler
        if _AUTH_FLOW.search(route.path or "") or _AUTH_FLOW.search(handler.name):
            continue
        if _token_params(route):
            continue
        via = _fastapi_cookie(project, analyzer, route)
        if via is None or _csrf_checks_get(project, route) or _sp301_reports(project, route, memo):
            continue
        found = analyzer.reach(handler, analyzer.context_of(handler))
        if not found.writes or found.verifies or any(_TOKEN_NAME.match(k) for k in found.query_keys):
            continue
        write = _pick(found.writes)
        samesite = _samesite(project, route)
        notes = []
        severity = Severity.HIGH if write.kind == "delete" else None
        if samesite == "strict":
            severity = Severity.LOW
            notes.append("SameSite=Strict on the cookie limits this to same-site pages")
        elif samesite == "none":
            notes.append("the cookie is SameSite=None, so even an <img> on another site sends it")
        confidence = Confidence.MEDIUM if found.inferred or not route.attached else None
        name = route.handler_name.rsplit(".", 1)[-1]
        verbs = "/".join(sorted(_READ_METHODS.intersection(route.methods), reverse=True))
        path = route.path or "<dynamic path>"
        yield Hit(
            route.location,
            f"{verbs} {path} ({name}) {_WRITE_WORDS[write.kind]} on a GET: `{write.text}`{_where(write, handler)}; "
            f"the caller is identified by a cookie ({via}), so a link or <img> on any site can trigger it"
            + (f" ({'; '.join(notes)})" if notes else ""),
            severity=severity,
            confidence=confidence,
            symbol=route.handler_name,
        )


# ====================================================================== Django
def _auth_flow(view: View) -> bool:
    return bool(_AUTH_FLOW.search(view.name) or _AUTH_FLOW.search(re.sub(r"(?<!^)(?=[A-Z])", "_", view.name))
                or any(_AUTH_FLOW.search(r.path or "") for r in view.routes))


def _route_tokens(view: View) -> bool:
    for route in view.routes:
        for name in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route.path or ""):
            if any(part and _TOKEN_NAME.match(part) for part in name):
                return True
    return False


def _is_session_auth(project: Project, name: str, depth: int = 0) -> bool:
    if name.rsplit(".", 1)[-1] == "SessionAuthentication":
        return True
    cls = project.classes.get(name)
    if cls is None or depth > 6:
        return False
    return any(_is_session_auth(project, project.names.canonical(b) or b, depth + 1) for b in cls.bases)


def _django_session(project: Project, view: View) -> str | None:
    """How the view knows its caller through the session cookie, or None (public, or token-only)."""
    uses_user = any(code.uses_user for code in view.code)
    if view.framework == "drf":
        names = view.authentication.names if view.authentication is not None else ()
        if not any(_is_session_auth(project, n) for n in names):
            return None  # token/JWT only: a forged request carries no credentials
        if uses_user or view.permission_kind in ("authenticated", "staff", "model", "custom", "object"):
            return "SessionAuthentication"
        return None
    if view.framework == "ninja":
        return next((e.symbol for e in view.evidence if "django_auth" in e.symbol), None)
    if view.public is not None and not uses_user:
        return None
    for evidence in view.evidence:
        if evidence.kind == "body":
            return "a request.user check"
        if evidence.kind in ("login", "permission", "staff", "test", "middleware", "name"):
            return evidence.symbol.rsplit(".", 1)[-1]
    if uses_user:
        return "request.user"
    if any("session" in code.reads for code in view.code):
        return "request.session"
    return None


def _get_entries(project: Project, analyzer: _Analyzer, view: View) -> list[tuple[FunctionFacts, tuple[str, ...]]]:
    """The project functions that run when the view answers GET."""
    if view.kind in ("function", "ninja"):
        function = project.function(view.target)
        return [(function, analyzer.context_of(function))] if function is not None else []
    classes = tuple(c for c in view.mro if c in project.classes)
    names = list(_DRF_GET_METHODS if view.framework == "drf" else _DJANGO_GET_METHODS)
    for cls in classes:
        facts = project.file_of(cls)
        for decl in (facts.django.classes if facts is not None and facts.django else ()):
            if decl.qualname == cls:
                names.extend(action for action, verbs in decl.actions if "GET" in verbs)
    for route in view.routes:
        names.extend(action for method, action in route.actions if method.lower() == "get")
    entries = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        for cls in classes:
            function = project.functions.get(f"{cls}.{name}")
            if function is not None:
                entries.append((function, classes))
                break
    return entries


def _django_hits(project: Project, analyzer: _Analyzer) -> Iterator[Hit]:
    model = project.django
    if not model:
        return
    samesite = str(setting_value(project, "SESSION_COOKIE_SAMESITE") or "lax").lower()
    reported: set[tuple[str, int]] = set()
    for view in model.views:
        if not _READ_METHODS.intersection(view.methods) or not (view.routed or not model.has_urlconf):
            continue
        if _auth_flow(view) or _route_tokens(view) or any(code.verifies_signature for code in view.code):
            continue
        session = _django_session(project, view)
        if session is None:
            continue
        for function, classes in _get_entries(project, analyzer, view):
            found = analyzer.reach(function, classes)
            if found.verifies or any(_TOKEN_NAME.match(k) for k in found.query_keys):
                break
            if not found.writes:
                continue
            location = Location(function.location.path, function.location.line, function.location.column,
                                function.location.line)
            if (location.path, location.line) in reported:
                break
            reported.add((location.path, location.line))
            write = _pick(found.writes)
            severity = Severity.HIGH if write.kind == "delete" else None
            note = ""
            if samesite == "strict":
                severity = Severity.LOW
                note = " (SESSION_COOKIE_SAMESITE = 'Strict' limits this to same-site pages)"
            paths = sorted({r.path for r in view.routes if r.path}, key=len)
            label = f"GET {paths[0]}" if paths else "GET"
            method = f".{function.name}" if view.kind not in ("function", "ninja") else ""
            yield Hit(
                location,
                f"{label} ({view.name}{method}) {_WRITE_WORDS[write.kind]} on a GET: "
                f"`{write.text}`{_where(write, function)}; the view relies on the session ({session}) and Django "
                "checks CSRF tokens only on POST, PUT, PATCH and DELETE, so a link or <img> on any site can "
                "trigger it" + note,
                severity=severity,
                confidence=Confidence.MEDIUM if found.inferred or not view.routed else None,
                symbol=f"{view.target}{method}" if method else view.target,
            )
            break


def _pick(writes: tuple[_Write, ...]) -> _Write:
    """The most serious write to name: a delete first, then the first one in the code."""
    order = {"delete": 0, "update": 1, "create": 1, "relation": 2}
    return sorted(writes, key=lambda w: order.get(w.kind, 3))[0]


def _where(write: _Write, entry: FunctionFacts) -> str:
    if write.function == entry.qualname:
        return f" (line {write.line})"
    return f" in {write.function.rsplit('.', 1)[-1]} ({write.path}:{write.line})"


@rule(
    code="SP302",
    slug="state-change-on-get",
    title="State change on a GET request of a cookie-authenticated app",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=352,
    control="csrf",
    kind="project",
    frameworks=("fastapi", "django"),
    hint=_HINT,
)
def state_change_on_get(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags GET (and HEAD) endpoints that delete, update or create stored data when the caller
    is identified by a cookie. The write is found in the handler or in the project helpers and
    service methods it calls, in the same module or another: SQLAlchemy `db.delete(obj)`,
    `db.add(obj)`, `session.execute(delete(...)/update(...)/insert(...))`, attribute changes
    followed by `commit()`, `query(...).delete()`/`.update(...)`; Django ORM `.delete()`,
    `.save()`, queryset `.update(...)`, `.create(...)`, `get_or_create` with values from the
    request, related-manager `.add()`/`.remove()`; raw `INSERT`/`UPDATE`/`DELETE` SQL passed to
    `execute`; document-store `insert_one`/`update_one`/`delete_one`.

    FastAPI: `@router.get`, `api_route(methods=["GET", ...])` and `add_api_route` routes whose
    authentication reads a cookie (session cookie, `Cookie()`, `request.session` with
    `SessionMiddleware`, `APIKeyCookie`) or whose handler reads the session itself. Django: function
    views that accept GET (no `require_POST`, no `require_http_methods(["POST"])`) and class-based
    views' `get()` (and the hooks a GET runs: `dispatch`, `get_object`, `get_queryset`,
    `get_context_data`, DRF `list`/`retrieve` and GET `@action`s), behind the session (login
    required, `LoginRequiredMixin`, `request.user`, DRF `SessionAuthentication`).

    Code that cannot run on a GET is skipped: branches under `if request.method == "POST"`, after
    `if request.method != "POST": return ...`, and under `form.is_valid()` for a form bound to
    `request.POST`. One finding per handler, at its decorator/`def` line, naming the write;
    deletes are high severity. SameSite=Strict session cookies lower it to low.

    ## Why is this bad?
    CSRF defences protect unsafe methods only: Django's `CsrfViewMiddleware`, DRF's
    `SessionAuthentication` and starlette-csrf never check a token on GET, and `SameSite=Lax`
    (the default of Django and Starlette) still sends the cookie on top-level GET navigations.
    A link in an e-mail, a redirect or an `<img src>` on any site makes the victim's browser call
    `/notes/42/delete` with their session, and the note is gone (CWE-352). Prefetchers, link
    previews and crawlers follow GET links too. Code assistants often turn "add a delete link"
    into a GET route.

    ## Example
    ```python
    from fastapi import Depends, FastAPI, HTTPException, Request
    from sqlalchemy.orm import Session

    from notes.db import Note, get_db

    app = FastAPI()

    def current_user(request: Request) -> int:
        user_id = request.session.get("user_id")
        if user_id is None:
            raise HTTPException(status_code=401)
        return user_id

    @app.get("/notes/{note_id}/delete")
    def delete_note(note_id: int, user_id: int = Depends(current_user), db: Session = Depends(get_db)):
        note = db.get(Note, note_id)
        if note is None or note.owner_id != user_id:
            raise HTTPException(status_code=404)
        db.delete(note)
        db.commit()
        return {"deleted": note_id}
    ```

    ```python
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import get_object_or_404, redirect

    from notes.models import Note

    @login_required
    def delete_note(request, pk):
        note = get_object_or_404(Note, pk=pk, owner=request.user)
        note.delete()
        return redirect("notes:list")
    ```

    ## Use instead
    ```python
    from fastapi import Depends, FastAPI, HTTPException, Request
    from sqlalchemy.orm import Session
    from starlette_csrf import CSRFMiddleware

    from notes.db import Note, get_db

    app = FastAPI()
    app.add_middleware(CSRFMiddleware, secret="from-the-environment")

    def current_user(request: Request) -> int:
        user_id = request.session.get("user_id")
        if user_id is None:
            raise HTTPException(status_code=401)
        return user_id

    @app.post("/notes/{note_id}/delete")
    def delete_note(note_id: int, user_id: int = Depends(current_user), db: Session = Depends(get_db)):
        note = db.get(Note, note_id)
        if note is None or note.owner_id != user_id:
            raise HTTPException(status_code=404)
        db.delete(note)
        db.commit()
        return {"deleted": note_id}
    ```

    ```python
    from django.contrib.auth.decorators import login_required
    from django.shortcuts import get_object_or_404, redirect
    from django.views.decorators.http import require_POST

    from notes.models import Note

    @login_required
    @require_POST
    def delete_note(request, pk):
        note = get_object_or_404(Note, pk=pk, owner=request.user)
        note.delete()
        return redirect("notes:list")
    ```

    ## Known problems
    Not reported, by design: view counters and "last seen" timestamps (`post.views += 1`,
    `save(update_fields=["views"])`, `.update(views=F("views") + 1)`, `UPDATE ... SET views =
    views + 1`), rows of visit/audit-log models (`PageView`, `AccessLog`), lazy set-up of the
    caller's own row (`Profile.objects.get_or_create(user=request.user)`), capability links with a
    secret (`/confirm/{token}`, `?token=`, a signature check), login/logout/OAuth-callback
    endpoints, bearer-token APIs, and FastAPI routes that also accept POST/PUT/PATCH/DELETE
    without CSRF protection (SP301 reports those). Counters and log models are recognised by
    name.

    Writes are found through names the scan can resolve: a method called on an object whose
    class is unknown (a value returned by an unannotated factory), signals, model `save()`
    overrides and database triggers are not followed; a change whose `commit()` happens only in
    the `get_db` dependency's teardown is not seen.

    ## References
    - https://cwe.mitre.org/data/definitions/352.html
    - https://cheatsheetseries.owasp.org/cheatsheets/Cross-Site_Request_Forgery_Prevention_Cheat_Sheet.html
    - https://docs.djangoproject.com/en/stable/ref/csrf/
    - https://www.rfc-editor.org/rfc/rfc9110#section-9.2.1
    """
    analyzer = _Analyzer(project)
    if project.fastapi:
        yield from _fastapi_hits(project, analyzer)
    if project.django:
        yield from _django_hits(project, analyzer)
