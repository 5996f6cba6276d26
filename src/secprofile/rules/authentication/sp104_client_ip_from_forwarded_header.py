from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.authentication._request_data import (
    FunctionScope, forwarded_ip_header, iter_scopes, meta_header, module_constants, route_handlers_of,
)
from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.source.location import Location
from secprofile.source.parsing import Unreadable, decode_source

# Cheap looks at the text first: most files never name a forwarding header.
_FUNCTION_TEXT = re.compile(r"(?i)forwarded|real[-_]?ip|client[-_]?ip|connecting[-_]?ip|originating[-_]?ip|xff")
_HEADER_READS = frozenset({"headers", "meta"})
# Headers a proxy or CDN overwrites with one address: trustworthy once the peer is known to be that proxy.
_SINGLE_VALUED = frozenset({"X-Real-IP", "CF-Connecting-IP", "True-Client-IP", "Fastly-Client-IP", "X-Client-IP"})
# Wrappers that keep the address: ip_address(x), str(x), x.strip(), x.split(",")[0] ...
_WRAPPERS = frozenset({
    "ipaddress.ip_address", "ipaddress.IPv4Address", "ipaddress.IPv6Address", "ipaddress.ip_interface",
    "ipaddress.ip_network", "builtins.str", "netaddr.IPAddress", "netaddr.IPNetwork", "urllib.parse.unquote",
})
_KEEP_METHODS = frozenset({"strip", "lstrip", "rstrip", "lower", "split", "rsplit", "partition", "rpartition",
                           "replace", "removeprefix", "removesuffix", "decode", "casefold"})
_ADDRESS_ATTRS = frozenset({"exploded", "compressed", "ipv4_mapped", "ip", "network_address"})
_RANGE_ATTRS = frozenset({"is_private", "is_loopback", "is_global", "is_link_local", "is_reserved", "is_site_local",
                          "is_unspecified", "is_multicast"})
_COMPARE_OPS = (ast.In, ast.NotIn, ast.Eq, ast.NotEq)
_IP_LIKE = re.compile(r"^(\d{1,3}(\.\d{1,3}){3}(/\d{1,2})?|[0-9a-f]*:[0-9a-f:]*:[0-9a-f]*(/\d{1,3})?|localhost)$", re.I)
_IP_PREFIX = re.compile(r"^((\d{1,3}\.){1,3}\d{0,3}|::1|fe80:.*|f[cd][0-9a-f]{2}:.*|localhost)$", re.I)
_ALLOW_WORDS = re.compile(r"(?i)allow|permit|trust|white|black|block|deny|denied|ban|admin|internal|office|private|"
                          r"local|intranet|vpn|staff|safe|net|cidr|range|_ips\b|^ips\b|addresses")
_CONFIG_ROOTS = frozenset({"settings", "config", "conf", "cfg", "app_settings", "self", "os", "env", "environ"})
_DENY_NAMES = re.compile(r"(?i)permission|forbid|unauthori[sz]|denied|notauthenticated|authenticationfailed|"
                         r"notallowed|accessdenied")
_STATUS_NAME = re.compile(r"HTTP_(\d{3})")
_RESPONSE_NAMES = re.compile(r"(Response|^render|^redirect|^render_to_response|^TemplateResponse)$")
_PASS_THROUGH = frozenset({"call_next", "get_response", "app", "handler", "process_request", "dispatch"})
_MIDDLEWARE_METHODS = frozenset({"dispatch", "__call__", "process_request", "process_view"})
_PERMISSION_METHODS = frozenset({"has_permission", "has_object_permission"})
_GUARD_NAME = re.compile(
    r"^_?(is|has|can|check|verify|require|ensure|allow|deny|block|restrict|assert|validate|only)_|"
    r"_(allowed|permitted|trusted|internal|whitelisted|allowlisted|blocked|banned|authori[sz]ed|only)$|"
    r"allowlist|whitelist|blocklist|blacklist|show_toolbar"
)
_MAX_CALLEES = 200
_DENY = "decides a 401/403"
_RETURNED = "is returned as the access decision"


@dataclass(frozen=True)
class _Src:
    """A client address taken from a forwarding header."""

    header: str  # X-Forwarded-For ...
    via: str = ""  # the project helper it came through: get_client_ip()
    guarded: bool = False  # read only when the socket peer is a trusted proxy

    @property
    def described(self) -> str:
        return f"the `{self.header}` header" + (f" (via `{self.via}`)" if self.via else "")


@dataclass(frozen=True)
class _Check:
    node: ast.AST  # where the decision is reported
    src: _Src
    text: str
    allowlist: bool  # compared with an allowlist-like reference (an address, a network, ALLOWED_IPS ...)
    note: str = ""  # for a project function deciding on it: what it checks


@dataclass
class _File:
    relpath: str
    facts: object
    tree: ast.Module
    constants: dict
    handlers: frozenset[str]
    lines: list[str] | None = None


@dataclass
class _Run:
    """One scan's analysis: project helpers returning a forwarded address, and callees deciding on one."""

    project: Project
    helpers: dict[str, _Src] = field(default_factory=dict)  # canonical qualname -> what it returns
    aliases: dict[str, _Src] = field(default_factory=dict)  # Annotated[str, Depends(helper)] aliases
    files: dict[str, _File] = field(default_factory=dict)
    callees: dict[tuple[str, str], tuple[str, str] | None] = field(default_factory=dict)
    passed: dict[tuple[str, str], bool] = field(default_factory=dict)

    def canonical(self, qualname: str | None) -> str | None:
        if not qualname:
            return None
        return self.project.names.canonical(qualname) or qualname

    def file(self, relpath: str) -> _File | None:
        if relpath in self.files:
            return self.files[relpath]
        facts = self.project.files.get(relpath)
        tree = self.project.tree(relpath) if facts is not None and facts.names is not None else None
        if tree is None:
            return None
        loaded = _File(relpath, facts, tree, module_constants(facts), route_handlers_of(facts))
        self.files[relpath] = loaded
        return loaded

    def lines(self, loaded: _File) -> list[str]:
        if loaded.lines is None:
            loaded.lines = _read_text(self.project, loaded.relpath).splitlines()
        return loaded.lines

    def helper(self, qualname: str | None) -> _Src | None:
        name = self.canonical(qualname)
        return self.helpers.get(name) if name else None

    def callee_decides(self, qualname: str, param: str, src: _Src, depth: int) -> tuple[str, str] | None:
        """``(kind, text)`` when the project function decides access on its parameter ``param``."""
        key = (qualname, param)
        if key in self.callees:
            return self.callees[key]
        self.callees[key] = None  # recursion guard, and the answer when it cannot be analysed
        if len(self.callees) > _MAX_CALLEES or depth > 2:
            return None
        function = self.project.function(qualname)
        if function is None:
            return None
        loaded = self.file(function.location.path)
        node = self.project.function_node(function)
        if loaded is None or node is None:
            return None
        scope = FunctionScope(node, loaded.facts.names, is_route=False, qualname=function.qualname)
        fn = _Fn(self, loaded, scope, extra={param: src}, depth=depth + 1)
        result = None
        for check, _confidence, outcome in fn.decisions(callee=True):
            result = ("deny" if outcome == _DENY else "check", check.text)
            break
        self.callees[key] = result
        return result

    def passes(self, qualname: str, param: str, src: _Src, depth: int) -> bool:
        """The project function returns (a transformation of) its parameter ``param``: ``normalize_ip(ip)``."""
        key = (qualname, param)
        if key in self.passed:
            return self.passed[key]
        self.passed[key] = False
        if len(self.passed) > _MAX_CALLEES or depth > 2:
            return False
        function = self.project.function(qualname)
        loaded = self.file(function.location.path) if function is not None else None
        node = self.project.function_node(function) if loaded is not None else None
        if node is None:
            return False
        scope = FunctionScope(node, loaded.facts.names, is_route=False, qualname=function.qualname)
        fn = _Fn(self, loaded, scope, extra={param: src}, depth=depth + 1)
        result = any(isinstance(n, ast.Return) and fn.ip(n.value) is not None for n in scope.nodes)
        self.passed[key] = result
        return result


def _read_text(project: Project, relpath: str) -> str:
    try:
        path = project.root / relpath if project.root.is_dir() else project.root
        return decode_source(path.read_bytes())
    except (OSError, Unreadable):
        return ""


def _short(node: ast.AST, limit: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # never let an odd node break the rule
        return "the check"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _compare_text(node: ast.Compare) -> str:
    ops = {ast.In: "in", ast.NotIn: "not in", ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.Gt: ">",
           ast.LtE: "<=", ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not"}
    parts = [_short(node.left, 36)]
    for op, right in zip(node.ops, node.comparators):
        parts += [ops.get(type(op), "?"), _short(right, 36)]
    return " ".join(parts)


def _tail(node: ast.AST) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _root(node: ast.AST) -> str:
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def _ip_like(value: object) -> bool:
    values = value if isinstance(value, (tuple, list, set, frozenset)) else (value,)
    return any(isinstance(item, str) and _IP_LIKE.match(item.strip()) for item in values)


def _status(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, (ast.Attribute, ast.Name)):
        match = _STATUS_NAME.search(node.attr if isinstance(node, ast.Attribute) else node.id)
        return int(match.group(1)) if match else None
    return None


def _call_statuses(call: ast.Call) -> set[int]:
    found = set()
    for keyword in call.keywords:
        if keyword.arg in ("status_code", "status", "code"):
            status = _status(keyword.value)
            if status:
                found.add(status)
    tail = _tail(call)
    positional = call.args[:1] if tail.endswith(("Exception", "Error")) or tail == "abort" else \
        call.args[1:2] if tail.endswith("Response") else []
    for arg in positional:
        status = _status(arg)
        if status and 100 <= status <= 599:
            found.add(status)
    return found


def _walk_own(nodes) -> Iterator[ast.AST]:
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _denies(nodes) -> bool:
    """A 401/403 answer among ``nodes``: ``raise HTTPException(403)``, ``PermissionDenied``, a 403 response."""
    for node in _walk_own(nodes):
        if isinstance(node, ast.Raise) and node.exc is not None:
            if _DENY_NAMES.search(_tail(node.exc)):
                return True
        elif isinstance(node, ast.Call):
            tail = _tail(node)
            if tail == "HttpResponseForbidden" or (_DENY_NAMES.search(tail) and not tail.startswith(("has_", "get_"))):
                return True
            if _call_statuses(node) & {401, 403}:
                return True
    return False


def _explicit_statuses(nodes) -> set[int]:
    found: set[int] = set()
    for node in _walk_own(nodes):
        if isinstance(node, ast.Call):
            found |= _call_statuses(node)
    return found


def _exits(block: list[ast.stmt]) -> bool:
    return bool(block) and isinstance(block[-1], (ast.Return, ast.Raise))


def _statements(body: list[ast.stmt]) -> Iterator[tuple[ast.stmt, list[ast.stmt], int]]:
    """Every statement of a function body with its block and index, not entering nested defs."""
    for index, stmt in enumerate(body):
        yield stmt, body, index
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, name, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield from _statements(block)
        for handler in getattr(stmt, "handlers", None) or ():
            yield from _statements(handler.body)
        for case in getattr(stmt, "cases", None) or ():
            yield from _statements(case.body)


def _parts(test: ast.AST) -> Iterator[ast.AST]:
    if isinstance(test, ast.BoolOp):
        for value in test.values:
            yield from _parts(value)
    elif isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        yield from _parts(test.operand)
    elif isinstance(test, ast.Await):
        yield from _parts(test.value)
    else:
        yield test


class _Fn:
    """One function: where its forwarded addresses come from and which decisions they feed."""

    def __init__(self, run: _Run, loaded: _File, scope: FunctionScope, extra: dict[str, _Src] | None = None,
                 depth: int = 0):
        self.run = run
        self.file = loaded
        self.scope = scope
        self.names = scope.names
        self.extra = extra or {}
        self.depth = depth
        self.owner = scope.qualname.rsplit(".", 1)[0] if "<locals>" not in scope.qualname else ""
        self._loops: dict[str, list[ast.AST]] | None = None
        self._parents: dict[int, ast.AST] | None = None
        self._names: dict[str, _Src | None] = {}
        self._check_names: dict[str, list[_Check]] = {}
        self._kind: str | None = None

    # -- where addresses come from
    @property
    def loops(self) -> dict[str, list[ast.AST]]:
        if self._loops is None:
            found: dict[str, list[ast.AST]] = {}
            for node in self.scope.nodes:
                if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)) and isinstance(node.target, ast.Name):
                    found.setdefault(node.target.id, []).append(node.iter)
            self._loops = found
        return self._loops

    def ip(self, node: ast.AST | None, depth: int = 0) -> _Src | None:
        """The forwarded address ``node`` carries, if any."""
        if node is None or depth > 10:
            return None
        if isinstance(node, ast.Await):
            return self.ip(node.value, depth + 1)
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                found = self.ip(value, depth + 1)
                if found:
                    return found
            return None
        if isinstance(node, ast.IfExp):
            return self.ip(node.body, depth + 1) or self.ip(node.orelse, depth + 1)
        if isinstance(node, ast.Subscript):
            read = self._read(node.value, node.slice, node)
            if read is not None:
                return read or None
            inner = self.ip(node.value, depth + 1)
            if inner is not None and inner.guarded and _rightmost(node.slice):
                return None  # the address the trusted proxy appended
            return inner
        if isinstance(node, ast.Call):
            return self._ip_call(node, depth)
        if isinstance(node, ast.Attribute):
            return self.ip(node.value, depth + 1) if node.attr in _ADDRESS_ATTRS else None
        if isinstance(node, ast.Name):
            return self._ip_name(node.id, depth)
        return None

    def _ip_call(self, node: ast.Call, depth: int) -> _Src | None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in ("get", "getlist", "get_all", "pop") and node.args:
                read = self._read(func.value, node.args[0], node)
                if read is not None:
                    return read or None
            if func.attr in _KEEP_METHODS:
                return self.ip(func.value, depth + 1)
            if isinstance(func.value, ast.Name) and func.value.id == "self" and self.owner:
                found = self.run.helper(f"{self.owner}.{func.attr}")
                if found:
                    return found
        callee = self.names.resolve(func)
        if callee in _WRAPPERS and node.args:
            return self.ip(node.args[0], depth + 1)
        if callee:
            found = self.run.helper(callee)
            if found is not None:
                return found
        return self._passed(node, depth)

    def _ip_name(self, name: str, depth: int) -> _Src | None:
        if name in self.extra:
            return self.extra[name]
        if name in self._names:
            return self._names[name]
        self._names[name] = None  # a cycle (`ip = ip.strip()`) ends here
        found = None
        param = self.scope.params.get(name)
        if param is not None:
            found = self._ip_param(param)
        if found is None:
            for value in self.scope.assignments.get(name, ()):
                found = self.ip(value, depth + 1)
                if found:
                    break
        if found is None:
            for iterable in self.loops.get(name, ()):
                found = self.ip(iterable, depth + 1)
                if found:
                    break
        self._names[name] = found
        return found

    def _ip_param(self, param) -> _Src | None:
        if param.marker == "Header":
            value = self.scope.param_source(param)
            header = forwarded_ip_header(value.key) if value is not None and value.kind == "header" else None
            return _Src(header) if header else None
        if param.marker in ("Depends", "Security") and param.dependency and not param.dependency.endswith("()"):
            return self.run.helper(param.dependency)
        if param.marker is None and param.annotation:
            return self.run.aliases.get(self.run.canonical(param.annotation) or "")
        return None

    def _read(self, container: ast.AST, key_node: ast.AST, read: ast.AST) -> _Src | bool | None:
        """``request.headers["X-Forwarded-For"]`` / ``request.META.get("HTTP_X_REAL_IP")``.

        ``None``: not a header read; ``False``: a forwarding header read only behind a trusted proxy.
        """
        if isinstance(container, ast.Name) and container.id not in self.scope.params:
            for value in self.scope.assignments.get(container.id, ()):
                if isinstance(value, ast.Attribute):  # headers = request.headers
                    container = value
                    break
        if not isinstance(container, ast.Attribute) or container.attr not in ("headers", "META"):
            return None
        if not self.scope.is_request(container.value):
            return None
        key = self._key(key_node)
        if not key:
            return None
        if container.attr == "META":
            key = meta_header(key)
            if key is None:
                return None  # REMOTE_ADDR and the like are set by the server
        header = forwarded_ip_header(key)
        if header is None:
            return None
        guarded = self._peer_guarded(read)
        if guarded and header in _SINGLE_VALUED:
            return False
        return _Src(header, guarded=guarded)

    def _key(self, node: ast.AST) -> str | None:
        """A header name: a literal, a module constant, or a constant imported from another module."""
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.Name) and node.id in self.file.constants:
            value = self.file.constants[node.id]
            return value if isinstance(value, str) else None
        if isinstance(node, (ast.Name, ast.Attribute)):
            value = self.run.project.value_of(self.names.resolve(node))
            if type(value).__name__ == "Literal" and isinstance(getattr(value, "value", None), str):
                return value.value
        return None

    # -- the socket peer and trusted-proxy guards
    def _peer(self, node: ast.AST, depth: int = 0) -> bool:
        """``request.client.host``, ``request.META["REMOTE_ADDR"]``: the connection's address."""
        if depth > 5 or node is None:
            return False
        if isinstance(node, ast.Attribute):
            if node.attr == "host" and isinstance(node.value, ast.Attribute) and node.value.attr == "client":
                return True
            return node.attr in ("remote_addr",) or (node.attr in _ADDRESS_ATTRS and self._peer(node.value, depth + 1))
        if isinstance(node, ast.Subscript):
            key = node.slice.value if isinstance(node.slice, ast.Constant) else None
            if key in ("REMOTE_ADDR", "client"):
                return True
            return isinstance(node.value, ast.Attribute) and node.value.attr == "client"
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "get" and node.args \
                    and isinstance(node.args[0], ast.Constant) and node.args[0].value == "REMOTE_ADDR":
                return True
            if isinstance(func, ast.Attribute) and func.attr in _KEEP_METHODS:
                return self._peer(func.value, depth + 1)
            if self.names.resolve(func) in _WRAPPERS and node.args:
                return self._peer(node.args[0], depth + 1)
            return False
        if isinstance(node, ast.Name):
            return any(self._peer(value, depth + 1) for value in self.scope.assignments.get(node.id, ()))
        if isinstance(node, ast.BoolOp):
            return all(self._peer(value, depth + 1) for value in node.values)
        if isinstance(node, ast.IfExp):  # request.client.host if request.client else ""
            return self._peer(node.body, depth + 1) or self._peer(node.orelse, depth + 1)
        return False

    def _peer_guarded(self, node: ast.AST) -> bool:
        """The read sits under ``if request.client.host in TRUSTED_PROXIES:`` (either branch), or after
        ``if peer not in TRUSTED_PROXIES: return peer``."""
        if self._parents is None:
            parents: dict[int, ast.AST] = {}
            for parent in self.scope.nodes:
                for child in ast.iter_child_nodes(parent):
                    parents[id(child)] = parent
            for child in self.scope.node.body:
                parents[id(child)] = self.scope.node
            self._parents = parents
        current, child = self._parents.get(id(node)), node
        while current is not None:
            if isinstance(current, (ast.If, ast.IfExp)) and self._peer_test(current.test):
                return True
            if isinstance(child, ast.stmt):
                for name in ("body", "orelse", "finalbody"):
                    block = getattr(current, name, None)
                    if isinstance(block, list) and child in block:
                        for before in block[:block.index(child)]:
                            if isinstance(before, ast.If) and _exits(before.body) and self._peer_test(before.test):
                                return True
            if current is self.scope.node:
                break
            current, child = self._parents.get(id(current)), current
        return False

    def _peer_test(self, test: ast.AST) -> bool:
        """``peer in TRUSTED_PROXIES`` / ``is_trusted_proxy(request.client.host)``."""
        for part in _parts(test):
            if isinstance(part, ast.Compare) and any(isinstance(op, _COMPARE_OPS) for op in part.ops) \
                    and any(self._peer(side) for side in (part.left, *part.comparators)):
                return True
            if isinstance(part, ast.Call) and any(self._peer(arg) for arg in part.args):
                return True
        return False

    # -- checks on an address
    def checks(self, expr: ast.AST, depth: int = 0) -> list[_Check]:
        if depth > 4:
            return []
        found: list[_Check] = []
        for part in _parts(expr):
            check = None
            if isinstance(part, ast.Compare):
                check = self._compare(part)
            elif isinstance(part, ast.Call):
                check = self._call_check(part, depth)
            elif isinstance(part, ast.Attribute) and part.attr in _RANGE_ATTRS:
                src = self.ip(part.value)
                if src:
                    check = _Check(part, src, _short(part), True)
            elif isinstance(part, ast.Name):
                found.extend(self._check_name(part.id, depth))
            if check is not None:
                found.append(check)
        return found

    def _check_name(self, name: str, depth: int) -> list[_Check]:
        """``allowed = ip in ALLOWED_IPS`` ... ``if not allowed:``."""
        if name in self._check_names:
            return self._check_names[name]
        self._check_names[name] = []
        found: list[_Check] = []
        if name not in self.scope.params:
            for value in self.scope.assignments.get(name, ()):
                found.extend(self.checks(value, depth + 1))
        self._check_names[name] = found
        return found

    def _compare(self, node: ast.Compare) -> _Check | None:
        left = node.left
        for op, right in zip(node.ops, node.comparators):
            if isinstance(op, _COMPARE_OPS):
                strict = isinstance(op, (ast.Eq, ast.NotEq))
                for a, b in ((left, right), (right, left)):
                    src = self.ip(a)
                    if src is None:
                        continue
                    ok, allowlist = self._reference(b, strict)
                    if ok:
                        return _Check(node, src, _compare_text(node), allowlist)
            left = right
        return None

    def _reference(self, node: ast.AST, strict: bool, depth: int = 0) -> tuple[bool, bool]:
        """``(is a server-side reference, looks like an allowlist)`` for the other side of a comparison."""
        if depth > 4 or self.ip(node) is not None or self._peer(node) or self.scope.client(node) is not None:
            return False, False
        if isinstance(node, ast.Constant):
            like = _ip_like(node.value)
            return like, like
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            constants = [e.value for e in node.elts if isinstance(e, ast.Constant)]
            if _ip_like(constants):
                return True, True
            others = [e for e in node.elts if not isinstance(e, ast.Constant)]
            if others and not constants:
                results = [self._reference(e, strict, depth + 1) for e in others]
                return any(r[0] for r in results), any(r[1] for r in results)
            return False, False
        if isinstance(node, ast.Name):
            name = node.id
            if name in self.file.constants:
                like = _ip_like(self.file.constants[name])
                return like, like
            assigned = self.scope.assignments.get(name)
            if assigned:
                results = [self._reference(value, strict, depth + 1) for value in assigned]
                return any(r[0] for r in results), any(r[1] for r in results)
            if name in self.loops:
                return True, True  # for net in NETWORKS / any(... for net in ALLOWED)
            if name in self.scope.params:
                return not strict, bool(_ALLOW_WORDS.search(name))
            listed = name.isupper() or bool(_ALLOW_WORDS.search(name))
            return (True, listed) if not strict else (listed, listed)
        if isinstance(node, ast.Attribute):
            listed = node.attr.isupper() or _root(node) in _CONFIG_ROOTS or bool(_ALLOW_WORDS.search(node.attr))
            return (True, listed) if not strict else (listed, listed)
        if isinstance(node, ast.Call):
            callee = self.names.resolve(node.func) or ""
            if callee.startswith(("ipaddress.", "netaddr.")):
                return True, True
            listed = bool(_ALLOW_WORDS.search(_short(node)))
            return (not strict, listed)
        if isinstance(node, ast.Subscript):
            return not strict, bool(_ALLOW_WORDS.search(_short(node)))
        if isinstance(node, (ast.SetComp, ast.ListComp, ast.GeneratorExp, ast.DictComp)):
            return not strict, True
        return False, False

    def _call_check(self, node: ast.Call, depth: int) -> _Check | None:
        func = node.func
        callee = self.names.resolve(func) or ""
        if callee in ("builtins.any", "builtins.all") and node.args \
                and isinstance(node.args[0], (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
            inner = self.checks(node.args[0].elt, depth + 1)
            if inner:
                return _Check(node, inner[0].src, _short(node), inner[0].allowlist)
            return None
        if isinstance(func, ast.Attribute) and func.attr == "startswith" and node.args:
            src = self.ip(func.value)
            if src is not None and self._prefixes(node.args[0]):
                return _Check(node, src, _short(node), True)
            return None
        if callee in ("re.match", "re.fullmatch", "re.search") and len(node.args) >= 2:
            src = self.ip(node.args[1])
            return _Check(node, src, _short(node), True) if src is not None else None
        if isinstance(func, ast.Attribute) and func.attr in ("match", "fullmatch", "search") and node.args \
                and not callee.startswith("re."):
            src = self.ip(node.args[0])
            if src is not None and _root(func.value).isupper():
                return _Check(node, src, _short(node), True)  # INTERNAL_RE.match(ip)
            return None
        decided = self._callee(node)
        if decided is not None:
            src, name, (_kind, text) = decided
            return _Check(node, src, _short(node), True, note=f" (`{name}()` checks `{text}`)")
        return None

    def _prefixes(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return isinstance(node.value, str) and bool(_IP_PREFIX.match(node.value))
        if isinstance(node, ast.Tuple):
            return any(self._prefixes(e) for e in node.elts)
        if isinstance(node, ast.Name):
            if node.id in self.file.constants:
                value = self.file.constants[node.id]
                values = value if isinstance(value, (tuple, list)) else (value,)
                return any(isinstance(v, str) and _IP_PREFIX.match(v) for v in values)
            if node.id in self.loops:  # any(ip.startswith(p) for p in PREFIXES)
                return any(self._prefixes(iterable) for iterable in self.loops[node.id] if iterable is not node)
            return node.id.isupper()
        if isinstance(node, ast.Attribute):
            return node.attr.isupper() or _root(node) in _CONFIG_ROOTS
        return False

    def _project_callee(self, call: ast.Call):
        """The project function ``call`` invokes, and its parameters as the call binds them."""
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self":
            qualname = f"{self.owner}.{func.attr}" if self.owner else None
        else:
            qualname = self.names.resolve(func)
        if not qualname or qualname.startswith("builtins."):
            return None, []
        function = self.run.project.function(qualname)
        if function is None:
            return None, []
        params = [p.name for p in function.params]
        if function.class_name and params[:1] and params[0] in ("self", "cls"):
            params = params[1:]
        return function, params

    def _bound_sources(self, call: ast.Call, params: list[str], depth: int = 0) -> list[tuple[str, _Src]]:
        bound = []
        for index, arg in enumerate(call.args):
            if isinstance(arg, ast.Starred):
                break
            if index < len(params):
                src = self.ip(arg, depth + 1)
                if src is not None:
                    bound.append((params[index], src))
        for keyword in call.keywords:
            if keyword.arg and keyword.arg in params:
                src = self.ip(keyword.value, depth + 1)
                if src is not None:
                    bound.append((keyword.arg, src))
        return bound

    def _passed(self, call: ast.Call, depth: int) -> _Src | None:
        """``normalize_ip(ip)``: a project function that returns the address it is handed."""
        if self.depth > 2 or not call.args and not call.keywords:
            return None
        function, params = self._project_callee(call)
        if function is None:
            return None
        for param, src in self._bound_sources(call, params, depth):
            if self.run.passes(function.qualname, param, src, self.depth):
                return src
        return None

    def _callee(self, call: ast.Call) -> tuple[_Src, str, tuple[str, str]] | None:
        """A project function handed a forwarded address that decides access on it."""
        if self.depth > 2 or not call.args and not call.keywords:
            return None
        function, params = self._project_callee(call)
        if function is None:
            return None
        for param, src in self._bound_sources(call, params):
            decided = self.run.callee_decides(function.qualname, param, src, self.depth)
            if decided is not None:
                return src, function.name, decided
        return None

    # -- what kind of function this is
    @property
    def kind(self) -> str:
        if self._kind is None:
            node = self.scope.node
            name = node.name
            params = set(self.scope.params)
            if self.scope.is_route:
                kind = "route"
            elif name in _PERMISSION_METHODS:
                kind = "permission"
            elif name in _MIDDLEWARE_METHODS or params & {"call_next", "get_response"}:
                kind = "middleware"
            elif _GUARD_NAME.search(name):
                kind = "guard"
            elif self.scope.requests:
                kind = "view"
            else:
                kind = ""
            self._kind = kind
        return self._kind

    def returned_ip(self) -> _Src | None:
        """The forwarded address this function returns (a ``get_client_ip(request)`` helper)."""
        if self.scope.is_route:
            return None
        for node in self.scope.nodes:
            if isinstance(node, ast.Return) and node.value is not None:
                found = self.ip(node.value)
                if found is not None:
                    return _Src(found.header, via=f"{self.scope.node.name}()")
        return None

    # -- decisions
    def decisions(self, callee: bool = False) -> Iterator[tuple[_Check, Confidence, str]]:
        """``(check, confidence, outcome)`` for each access decision on a forwarded address."""
        is_helper = not callee and self.returned_ip() is not None
        for stmt, block, index in _statements(self.scope.node.body):
            if isinstance(stmt, ast.If):
                checks = self.checks(stmt.test)
                if not checks:
                    continue
                outcome = self._outcome(stmt, block, index, checks, is_helper)
                if outcome is not None:
                    for check in checks:
                        yield check, outcome[0], outcome[1]
            elif isinstance(stmt, ast.Return) and stmt.value is not None:
                value = stmt.value
                if isinstance(value, ast.IfExp):
                    checks = self.checks(value.test)
                    if checks and _denies([value.body, value.orelse]):
                        for check in checks:
                            yield check, Confidence.HIGH, _DENY
                    continue
                if callee or self.kind in ("permission", "guard"):
                    for check in self.checks(value):
                        confidence = Confidence.HIGH if self.kind == "permission" or callee else Confidence.MEDIUM
                        yield check, confidence, _RETURNED
            elif isinstance(stmt, ast.Expr):
                call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
                if isinstance(call, ast.Call):
                    decided = self._callee(call)
                    if decided is not None and decided[2][0] == "deny":
                        src, name, (_kind, text) = decided
                        yield _Check(call, src, _short(call), True, note=f" (`{name}()` checks `{text}`)"), \
                            Confidence.HIGH, _DENY

    def _outcome(self, node: ast.If, block: list[ast.stmt], index: int, checks: list[_Check],
                 is_helper: bool) -> tuple[Confidence, str] | None:
        after = block[index + 1:] if _exits(node.body) else []
        if _denies(node.body) or _denies(node.orelse) or (after and _denies(after)):
            return Confidence.HIGH, _DENY
        if is_helper or not _exits(node.body) or not any(c.allowlist for c in checks):
            return None
        last = node.body[-1]
        if not isinstance(last, ast.Return):
            return None
        value = last.value
        if self._pass_through(value):
            return None
        statuses = _explicit_statuses(node.body)
        if statuses and not statuses & {401, 403}:
            return None  # 429, 400 ...: not an access decision
        kind = self.kind
        if kind == "route":
            return Confidence.MEDIUM, "gates the rest of the route"
        if kind in ("view", "middleware") and self._response(value):
            return Confidence.MEDIUM, f"gates the rest of the {kind}"
        if kind in ("permission", "guard") and isinstance(value, ast.Constant) and isinstance(value.value, bool):
            confidence = Confidence.HIGH if kind == "permission" else Confidence.MEDIUM
            return confidence, _RETURNED
        return None

    def _pass_through(self, value: ast.AST | None, depth: int = 0) -> bool:
        """``return await call_next(request)`` / ``return self.get_response(request)``."""
        if value is None or depth > 3:
            return False
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            return _tail(value) in _PASS_THROUGH
        if isinstance(value, ast.Name):
            return any(self._pass_through(v, depth + 1) for v in self.scope.assignments.get(value.id, ()))
        return False

    def _response(self, value: ast.AST | None, depth: int = 0) -> bool:
        if value is None or depth > 3:
            return False
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            return bool(_RESPONSE_NAMES.search(_tail(value)))
        if isinstance(value, ast.Name):
            return any(self._response(v, depth + 1) for v in self.scope.assignments.get(value.id, ()))
        return False


def _rightmost(index: ast.AST) -> bool:
    return isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub) \
        and isinstance(index.operand, ast.Constant) and index.operand.value == 1


def _may_read_headers(facts) -> bool:
    module_facts = facts.module_facts
    if module_facts is None:
        return False
    for function in module_facts.functions:
        if function.reads & _HEADER_READS or any(p.marker == "Header" for p in function.params):
            return True
    return False


def _scout(ctx: FileContext) -> bool | None:
    """Files that read headers and name a forwarded address: the only ones the project check loads."""
    if ctx.facts is None or not _may_read_headers(ctx.facts):
        return None
    return True if any(_FUNCTION_TEXT.search(line) for line in ctx.lines) else None


@rule(
    code="SP104",
    slug="client-ip-from-forwarded-header",
    title="Access decided on a client IP from a forwarding header",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=290,
    control="authentication",
    kind="project",
    frameworks=("fastapi", "django"),
    scout=_scout,
    hint="Decide on the connection's address: `request.client.host` (run uvicorn with `--proxy-headers "
    "--forwarded-allow-ips=<your proxy>` so it is the real client behind a proxy) or `request.META[\"REMOTE_ADDR\"]`; "
    "better, require authentication for the protected routes.",
)
def client_ip_from_forwarded_header(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags access decisions taken on a client address read from a forwarding header:
    `X-Forwarded-For`, `X-Real-IP`, `Forwarded`, `True-Client-IP`, `CF-Connecting-IP`,
    `X-Client-IP` (and the `X-Cluster-Client-IP`/`Fastly-Client-IP` family). The address is
    read as a FastAPI `Header()` parameter (plain or `Annotated`), through
    `request.headers.get(...)`/`[...]` or Django's `request.META["HTTP_X_FORWARDED_FOR"]`,
    directly or through a project helper (`get_client_ip(request)`, in the same or another
    module, also as `Depends(get_client_ip)`), kept through `.split(",")[0]`, `.strip()`,
    `ipaddress.ip_address(...)` and local variables.

    A decision is a membership test or comparison with an allowlist or denylist
    (`ip not in ALLOWED_IPS`, `any(ip_address(ip) in net for net in NETS)`,
    `ip == "127.0.0.1"`, `ip.startswith("10.")`, `ip_address(ip).is_private`), or a project
    function handed the address that makes one, whose outcome answers 401/403
    (`HTTPException`, `PermissionDenied`, `HttpResponseForbidden`, a 403 response) or gates
    the rest of a route, view or middleware; or that a DRF permission (or an `is_*`/`*_allowed`
    guard) returns. Reported once per function and header, at the check.

    ## Why is this bad?
    These headers are ordinary request headers: any client can send
    `X-Forwarded-For: 127.0.0.1` or `X-Real-IP: 10.0.0.5`. An "internal network only" admin
    route or an office-IP allowlist built on them lets everyone in (CWE-290, authentication
    bypass by spoofing; CWE-348). A reverse proxy does not fix it: nginx's
    `$proxy_add_x_forwarded_for` appends to what the client sent, so the first entry stays
    the client's choice, and uvicorn's `--proxy-headers` (`ProxyHeadersMiddleware`) rewrites
    `request.client`, never the header itself.

    ## Example
    ```python
    # file: app/net.py
    def get_client_ip(request):
        return request.headers.get("x-forwarded-for", "").split(",")[0].strip()

    # file: app/main.py
    from fastapi import FastAPI, HTTPException, Request

    from app.net import get_client_ip

    app = FastAPI()
    ALLOWED_IPS = {"10.0.0.5", "10.0.0.6"}

    @app.post("/admin/reindex")
    def reindex(request: Request):
        ip = get_client_ip(request)
        if ip not in ALLOWED_IPS:
            raise HTTPException(status_code=403, detail="Forbidden")
        return {"reindexed": True}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI, HTTPException, Request

    app = FastAPI()
    ALLOWED_IPS = {"10.0.0.5", "10.0.0.6"}

    @app.post("/admin/reindex")
    def reindex(request: Request):
        # uvicorn --proxy-headers --forwarded-allow-ips=10.0.0.1 sets request.client from the proxy
        if request.client is None or request.client.host not in ALLOWED_IPS:
            raise HTTPException(status_code=403, detail="Forbidden")
        return {"reindexed": True}
    ```

    ## Known problems
    A header that the deployment's proxy always overwrites (nginx
    `proxy_set_header X-Real-IP $remote_addr`, Cloudflare's `CF-Connecting-IP` with the origin
    reachable only from Cloudflare) is trustworthy, but the scan cannot see the proxy: suppress
    with a reason. Proxy settings in the code do not silence the rule: uvicorn `proxy_headers`/
    `forwarded_allow_ips` and `ProxyHeadersMiddleware` only make `request.client.host`
    trustworthy, and Django's `SECURE_PROXY_SSL_HEADER` concerns `is_secure()` only. A read
    inside `if request.client.host in TRUSTED_PROXIES:` is trusted when it takes a
    single-valued header or the rightmost `X-Forwarded-For` entry; the same check done with an
    early return before the read is not recognised. Forwarded addresses used as a rate-limit
    key, logged or stored are not decisions and are not reported (a spoofed key still lets a
    client dodge a per-IP limit). Not followed: raw ASGI `scope["headers"]`, django-ipware's
    `get_client_ip` (spoofable unless configured with trusted proxies), middleware that
    rewrites `REMOTE_ADDR` from the header, and helpers inherited from a base class.

    ## References
    - https://cwe.mitre.org/data/definitions/290.html
    - https://cwe.mitre.org/data/definitions/348.html
    - https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/X-Forwarded-For#security_and_privacy_concerns
    - https://www.uvicorn.org/deployment/#proxies-and-forwarded-headers
    - https://docs.djangoproject.com/en/stable/ref/settings/#secure-proxy-ssl-header
    """
    run = _Run(project)
    sources: list[str] = []
    for facts in sorted(project.python_files(), key=lambda f: f.relpath):
        if facts.names is not None and facts.note("SP104"):
            sources.append(facts.relpath)
    if not sources:
        return
    for relpath in sources:
        run.file(relpath)
    try:
        _find_helpers(run)
        yield from _report(run)
    except RecursionError:
        return


def _functions(run: _Run, loaded: _File) -> Iterator[_Fn]:
    tails = {name.rsplit(".", 1)[-1] for name in (*run.helpers, *run.aliases)}
    tails.update(name for name, value in loaded.constants.items()  # XFF = "X-Forwarded-For"
                 if isinstance(value, str) and forwarded_ip_header(value))

    def wanted(text: str, is_route: bool) -> bool:
        return bool(_FUNCTION_TEXT.search(text)) or any(tail in text for tail in tails)

    lines = run.lines(loaded)
    if not lines:
        return
    for scope in iter_scopes(loaded.tree, loaded.facts.module, loaded.facts.names, loaded.handlers, lines, wanted):
        yield _Fn(run, loaded, scope)


def _find_helpers(run: _Run) -> None:
    """Helpers returning a forwarded address, to a fixpoint (helpers calling helpers), and the files using them."""
    project = run.project
    for _round in range(4):
        new = False
        for loaded in list(run.files.values()):
            for fn in _functions(run, loaded):
                name = run.canonical(fn.scope.qualname)
                if not name or name in run.helpers:
                    continue
                found = fn.returned_ip()
                if found is not None:
                    run.helpers[name] = found
                    new = True
        if not new:
            return
        for variable in project.variables.values():
            if variable.marker in ("Depends", "Security") and variable.dependency:
                found = run.helper(variable.dependency)
                if found is not None:
                    run.aliases[variable.qualname] = found
        tails = {name.rsplit(".", 1)[-1] for name in (*run.helpers, *run.aliases)}
        for facts in project.python_files():
            if facts.relpath in run.files or facts.module_facts is None:
                continue
            if _uses(run, facts, tails):
                run.file(facts.relpath)


def _uses(run: _Run, facts, tails: set[str]) -> bool:
    for function in facts.module_facts.functions:
        for call in function.calls:
            if call.rsplit(".", 1)[-1] in tails and (run.helper(call) is not None):
                return True
        for param in function.params:
            target = param.dependency or param.annotation or ""
            if target.rsplit(".", 1)[-1] in tails \
                    and (run.helper(target) or run.aliases.get(run.canonical(target) or "")):
                return True
    return False


def _report(run: _Run) -> Iterator[Hit]:
    seen: set[tuple[str, int]] = set()
    for relpath in sorted(run.files):
        loaded = run.files[relpath]
        for fn in _functions(run, loaded):
            headers: set[str] = set()
            for check, confidence, outcome in fn.decisions():
                if check.src.header in headers:
                    continue
                location = Location.of(relpath, check.node)
                if (relpath, location.line) in seen:
                    continue
                headers.add(check.src.header)
                seen.add((relpath, location.line))
                yield Hit(
                    location,
                    f"access decided on the client IP from {check.src.described}: `{check.text}`{check.note} "
                    f"{outcome}; any client can send this header",
                    symbol=fn.scope.qualname,
                    confidence=confidence,
                )
