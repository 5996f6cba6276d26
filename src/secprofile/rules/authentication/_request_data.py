"""Where a value inside one function comes from: the client (request data) or not.

Shared by the comparison rules (SP102, SP103). The analysis is intra-procedural and
syntactic on purpose: a function's parameters (FastAPI markers, Django/Starlette
request objects), reads of ``request.headers/cookies/query_params/META/GET/...``,
and local variables assigned from those, through harmless wrappers such as
``.lower()``, ``.strip()``, ``str()`` or ``x or ""``.

Nothing here keeps state between files: a :class:`FunctionScope` lives for one
function of one file check.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

from secprofile.model.module import Param, iter_functions, params_of
from secprofile.source.names import ModuleNames

REQUEST_TYPES = (
    "starlette.requests.Request", "fastapi.Request", "fastapi.requests.Request", "starlette.requests.HTTPConnection",
    "fastapi.requests.HTTPConnection", "fastapi.WebSocket", "fastapi.websockets.WebSocket",
    "starlette.websockets.WebSocket", "django.http.HttpRequest", "django.http.request.HttpRequest",
    "django.core.handlers.wsgi.WSGIRequest", "rest_framework.request.Request", "flask.Request",
    "ninja.NinjaAPI",
)
REQUEST_PARAM_NAMES = frozenset({"request", "req", "http_request"})
GLOBAL_REQUESTS = frozenset({"flask.request", "quart.request", "bottle.request"})

# request.<attr> -> what the client controls there
_READ_KINDS = {
    "headers": "header", "cookies": "cookie", "COOKIES": "cookie", "query_params": "query", "GET": "query",
    "args": "query", "POST": "body", "data": "body", "form": "body", "FILES": "body", "META": "meta",
    "path_params": "path",
}
_BODY_METHODS = frozenset({"json", "body", "form", "stream", "get_json", "get_data"})
_MARKER_KINDS = {"Header": "header", "Cookie": "cookie", "Query": "query", "Path": "path", "Body": "body",
                 "Form": "body", "File": "body"}
# Wrappers that keep a value client-controlled: x.lower(), x.strip(), str(x), x.encode() ...
_KEEP_METHODS = frozenset(
    {"lower", "upper", "strip", "lstrip", "rstrip", "casefold", "encode", "decode", "removeprefix", "removesuffix",
     "replace", "split", "rsplit", "partition", "title", "capitalize", "getlist", "first"}
)
_KEEP_CALLS = frozenset({"builtins.str", "builtins.int", "builtins.bool", "builtins.bytes", "builtins.float",
                         "str", "int", "bool", "bytes", "float", "urllib.parse.unquote"})
_SCHEME_CLASSES = ("APIKeyHeader", "APIKeyQuery", "APIKeyCookie", "HTTPBearer", "HTTPBasic", "HTTPDigest",
                   "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OAuth2", "HTTPBase", "OpenIdConnect")
_SCHEME_NAME = re.compile(r"(api_?key|apikey|header|cookie|scheme|bearer|oauth2|credentials|http_basic|basic_auth)",
                          re.I)
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "options", "head", "api_route", "route",
                         "websocket"})


@dataclass(frozen=True)
class ClientValue:
    """A client-controlled value: where it comes from and under which name the client sends it."""

    kind: str  # header, cookie, query, path, body, credential, param (a plain function parameter)
    key: str  # "X-Admin", "role", "is_admin" ...; "" when unknown
    via: str  # short text of the read, for messages

    @property
    def described(self) -> str:
        what = {"header": "header", "cookie": "cookie", "query": "query parameter", "path": "path parameter",
                "body": "request body field", "credential": "credential", "param": "parameter"}[self.kind]
        return f"{what} `{self.key}`" if self.key else what


def words(name: str) -> list[str]:
    """``X-Admin-Role`` → ["admin", "role"]; ``HTTP_X_USER_ID`` → ["user", "id"]; ``isAdmin`` → ["is", "admin"]."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name.lower()) if p]
    if parts[:1] == ["http"] and len(parts) > 1:
        parts = parts[1:]
    if parts[:1] == ["x"] and len(parts) > 1:
        parts = parts[1:]
    return parts


# Headers a proxy or CDN uses to name the original client (their words joined → display name).
# Any client can send them too; access decisions on them are SP104's (SP102 leaves them alone).
FORWARDED_IP_HEADERS = {
    "forwardedfor": "X-Forwarded-For", "realip": "X-Real-IP", "forwarded": "Forwarded",
    "trueclientip": "True-Client-IP", "cfconnectingip": "CF-Connecting-IP", "clientip": "X-Client-IP",
    "clusterclientip": "X-Cluster-Client-IP", "fastlyclientip": "Fastly-Client-IP", "originatingip": "X-Originating-IP",
    "originalforwardedfor": "X-Original-Forwarded-For",
}


def forwarded_ip_header(key: str) -> str | None:
    """``x-forwarded-for`` / ``HTTP_X_REAL_IP`` (a META key) / ``x_real_ip`` → the header's usual name."""
    if not key:
        return None
    return FORWARDED_IP_HEADERS.get("".join(words(key)))


def meta_header(key: str) -> str | None:
    """``HTTP_X_ROLE`` → ``X-Role``; other META keys are not request headers."""
    if not key.startswith("HTTP_"):
        return None
    return "-".join(part.capitalize() for part in key[5:].split("_"))


def iter_scopes(tree: ast.Module, module: str, names: ModuleNames, route_handlers: frozenset[str],
                lines: list[str] | None = None, wanted=None) -> Iterator["FunctionScope"]:
    """Every function of the module as a :class:`FunctionScope`.

    ``wanted(source_text, is_route)`` filters on the function's source text first, which is
    far cheaper than walking its nodes.
    """
    for qualname, node, _cls in iter_functions(tree.body, module):
        is_route = qualname in route_handlers or _looks_like_route(node)
        if wanted is not None and lines is not None:
            start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            text = "\n".join(lines[start - 1:getattr(node, "end_lineno", None) or node.lineno])
            if not wanted(text, is_route):
                continue
        yield FunctionScope(node, names, is_route=is_route, qualname=qualname)


def route_handlers_of(facts) -> frozenset[str]:
    fastapi = getattr(facts, "fastapi", None)
    return frozenset(r.handler for r in fastapi.routes) if fastapi else frozenset()


def _looks_like_route(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute) \
                and decorator.func.attr in _HTTP_VERBS and decorator.args \
                and isinstance(decorator.args[0], ast.Constant) and isinstance(decorator.args[0].value, str) \
                and decorator.args[0].value.startswith("/"):
            return True
    return False


def own_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """Every node of a function's body, without descending into nested functions or classes."""
    stack: list[ast.AST] = list(reversed(getattr(node, "body", [])))
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(current))))


class FunctionScope:
    """One function: its parameters, request objects and local assignments."""

    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef, names: ModuleNames, is_route: bool,
                 qualname: str = ""):
        self.node = node
        self.names = names
        self.is_route = is_route
        self.qualname = qualname
        self.params: dict[str, Param] = {p.name: p for p in params_of(node, names)}
        self.requests = {
            name for name, param in self.params.items()
            if name in REQUEST_PARAM_NAMES or (param.annotation or "").endswith(REQUEST_TYPES)
        }
        self._assignments: dict[str, list[ast.AST]] | None = None
        self._nodes: list[ast.AST] | None = None

    # -- the function's own nodes, walked once
    @property
    def nodes(self) -> list[ast.AST]:
        if self._nodes is None:
            self._nodes = list(own_nodes(self.node))
        return self._nodes

    @property
    def assignments(self) -> dict[str, list[ast.AST]]:
        if self._assignments is None:
            found: dict[str, list[ast.AST]] = {}
            for node in self.nodes:
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name):
                            found.setdefault(target.id, []).append(node.value)
                elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name) \
                        and node.value is not None:
                    found.setdefault(node.target.id, []).append(node.value)
                elif isinstance(node, ast.NamedExpr) and isinstance(node.target, ast.Name):
                    found.setdefault(node.target.id, []).append(node.value)
            self._assignments = found
        return self._assignments

    def is_request(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Name):
            if node.id in self.requests:
                return True
            if node.id in self.params or node.id in self.assignments:
                return False
            return self.names.resolve(node) in GLOBAL_REQUESTS
        if isinstance(node, ast.Attribute):
            if node.attr == "request" and isinstance(node.value, ast.Name) and node.value.id == "self":
                return True
            return self.names.resolve(node) in GLOBAL_REQUESTS
        return False

    def client(self, node: ast.AST | None, depth: int = 0) -> ClientValue | None:
        """The client-controlled value ``node`` carries, if any."""
        if node is None or depth > 6:
            return None
        if isinstance(node, ast.Await):
            return self.client(node.value, depth + 1)
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            for value in node.values:
                found = self.client(value, depth + 1)
                if found:
                    return found
            return None
        if isinstance(node, ast.Call):
            return self._client_call(node, depth)
        if isinstance(node, ast.Subscript):
            read = self._read(node.value, node.slice)
            if read is not None:
                return read
            inner = self.client(node.value, depth + 1)
            if inner is not None and inner.kind in ("body", "param", "credential") and not inner.key:
                key = node.slice.value if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str) \
                    else ""
                return ClientValue(inner.kind, key, _text(node))
            return inner
        if isinstance(node, ast.Attribute):
            inner = self.client(node.value, depth + 1)
            if inner is not None and inner.kind in ("body", "param", "credential", "query"):
                # payload.token, credentials.credentials, form.username
                key = node.attr if inner.kind != "credential" or node.attr != "credentials" else inner.key
                return ClientValue(inner.kind, key, _text(node))
            return None
        if isinstance(node, ast.Name):
            return self._client_name(node, depth)
        return None

    def _client_call(self, node: ast.Call, depth: int) -> ClientValue | None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in ("get", "getlist", "pop") and node.args:
                read = self._read(func.value, node.args[0])
                if read is not None:
                    return read
            if func.attr in _BODY_METHODS and self.is_request(func.value):
                return ClientValue("body", "", _text(node))
            if func.attr in _KEEP_METHODS:
                return self.client(func.value, depth + 1)
            return None
        callee = self.names.resolve(func) or ""
        if callee in _KEEP_CALLS and node.args:
            return self.client(node.args[0], depth + 1)
        return None

    def _read(self, container: ast.AST, key_node: ast.AST) -> ClientValue | None:
        """``request.headers`` + ``"X-Admin"`` → header X-Admin."""
        if not isinstance(container, ast.Attribute) or container.attr not in _READ_KINDS:
            return None
        if not self.is_request(container.value):
            return None
        key = key_node.value if isinstance(key_node, ast.Constant) and isinstance(key_node.value, str) else ""
        kind = _READ_KINDS[container.attr]
        if kind == "meta":
            header = meta_header(key) if key else None
            if header is None:
                return None  # REMOTE_ADDR, REMOTE_USER ... are set by the server
            return ClientValue("header", header, _text(container) + f"[{key!r}]")
        return ClientValue(kind, key, f"{_text(container)}[{key!r}]" if key else _text(container))

    def _client_name(self, node: ast.Name, depth: int) -> ClientValue | None:
        param = self.params.get(node.id)
        if param is not None and node.id not in self.assignments:
            return self.param_source(param)
        for value in self.assignments.get(node.id, ()):
            found = self.client(value, depth + 1)
            if found is not None:
                return found
        return None

    def param_source(self, param: Param) -> ClientValue | None:
        if param.name in self.requests or param.name in ("self", "cls"):
            return None
        if param.marker in _MARKER_KINDS:
            key = self._alias(param) or (
                "-".join(part.capitalize() for part in param.name.split("_")) if param.marker == "Header" else param.name
            )
            return ClientValue(_MARKER_KINDS[param.marker], key, param.name)
        if param.marker in ("Depends", "Security"):
            target = (param.dependency or "").rstrip("()")
            last = target.rsplit(".", 1)[-1]
            if last in _SCHEME_CLASSES or target.startswith("fastapi.security.") or _SCHEME_NAME.search(last):
                return ClientValue("credential", param.name, param.name)
            return None
        if self.is_route:
            if _is_scalar(param.annotation):
                return ClientValue("query", param.name, param.name)
            return ClientValue("body", "", param.name) if param.annotation else None
        return ClientValue("param", param.name, param.name)

    def _alias(self, param: Param) -> str | None:
        """``x_admin: str = Header(alias="X-Admin")``."""
        arguments = self.node.args
        for arg, default in _defaults(arguments):
            if arg.arg != param.name:
                continue
            candidates = [default] if default is not None else []
            if isinstance(arg.annotation, ast.Subscript):
                slice_ = arg.annotation.slice
                candidates += list(slice_.elts) if isinstance(slice_, ast.Tuple) else [slice_]
            for candidate in candidates:
                if isinstance(candidate, ast.Call):
                    for keyword in candidate.keywords:
                        if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant) \
                                and isinstance(keyword.value.value, str):
                            return keyword.value.value
        return None


def _defaults(arguments: ast.arguments):
    positional = arguments.posonlyargs + arguments.args
    defaults: list[ast.AST | None] = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    return list(zip(positional, defaults)) + list(zip(arguments.kwonlyargs, arguments.kw_defaults))


def _is_scalar(annotation: str | None) -> bool:
    return annotation is None or annotation in (
        "builtins.str", "builtins.int", "builtins.bool", "builtins.float", "uuid.UUID", "builtins.bytes",
        "str", "int", "bool", "float",
    )


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # odd nodes must not break a rule
        return ""
    return text if len(text) <= 80 else text[:77] + "..."


def constant_of(node: ast.AST, names: ModuleNames, module_constants: dict[str, object]) -> tuple[bool, object]:
    """``(True, value)`` when ``node`` is a constant: a literal, a module constant, an enum member.

    Enum members and ``UPPER_CASE`` names from elsewhere come back as ``(True, <their name>)``.
    """
    if isinstance(node, ast.Constant):
        return True, node.value
    if isinstance(node, ast.Attribute) and node.attr == "value" and isinstance(node.value, ast.Attribute):
        node = node.value  # Role.ADMIN.value
    if isinstance(node, ast.Name):
        if node.id in module_constants:
            return True, module_constants[node.id]
        if node.id.isupper() and len(node.id) > 1:
            return True, node.id.lower()
        if node.id in ("True", "False", "None"):
            return True, {"True": True, "False": False, "None": None}[node.id]
        return False, None
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id[:1].isupper() \
            and (node.attr.isupper() or node.attr.islower()) and node.value.id not in ("self",):
        # Role.ADMIN / UserRole.admin: an enum member (a class attribute of a capitalised name)
        return True, node.attr.lower()
    return False, None


def module_constants(facts) -> dict[str, object]:
    """Module-level names bound to literal str/int/bool values (``ADMIN_ROLE = "admin"``)."""
    found: dict[str, object] = {}
    module_facts = getattr(facts, "module_facts", None)
    if module_facts is None:
        return found
    prefix = facts.module + "."
    for variable in module_facts.variables:
        value = getattr(variable.value, "value", None)
        if type(variable.value).__name__ == "Literal" and isinstance(value, (str, int, bool, tuple, list, frozenset,
                                                                             set)):
            found[variable.qualname[len(prefix):] if variable.qualname.startswith(prefix) else variable.qualname] = \
                value
    return found
