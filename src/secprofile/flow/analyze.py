"""Intra-procedural taint analysis: one pass over one function → a :class:`FunctionFlow`.

The pass walks statements in order with a map from variables to their taint (a dict
``label → (sanitized, steps)``); branches are analysed on copies and merged, a branch that
returns or raises does not flow on (so ``if x not in ALLOWED: raise`` leaves ``x`` clean
after it), loops run twice when the second pass can add anything. Calls to the project's own
functions become :class:`CallSite` records whose results are the labels ``("r", index)``,
resolved across modules at link time (:mod:`secprofile.flow.graph`).

Only functions that can matter are analysed in the worker (route handlers, functions taking
a request, functions that call a sink); :func:`summarize_function` is also used at link time,
on demand, for helpers in between.
"""

from __future__ import annotations

import ast
import re
import sys

from secprofile.flow import catalog as C
from secprofile.flow.model import (NORMALIZED, WEAK, CallSite, FlowFacts, FunctionFlow, SinkSite, SourceSite,
                                   Step, Taint)
from secprofile.source.names import iter_module_level, resolve_relative

_STDLIB = frozenset(sys.stdlib_module_names) | {"builtins", "__future__"}
_EMPTY: dict = {}
_NOSAN: frozenset = frozenset()
_MAX_STEPS = 6
_URL_KINDS = frozenset({"ssrf", "redirect"})
_REFERER = frozenset({"redirect"})  # redirecting back where the user came from is not an open redirect
_PATH = frozenset({"path"})
_WEAK = frozenset({WEAK})
_XSS = frozenset({"xss"})
_PATH_RESULTS = frozenset({"resolve", "absolute", "joinpath", "with_name", "with_suffix", "with_stem", "expanduser",
                           "parent"})
_METHOD_SINK_NAMES = C.SQL_METHODS | C.HTTP_VERBS | frozenset({"raw", "extra", "from_string"})
_NUMERIC = frozenset("diouxXeEfFgG")
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
_FIXED_HOST = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://[^/?#{}\s@]+[/?#]")
_NUMERIC_SPEC = re.compile(r"^[^a-zA-Z]*[diouxXeEfFgGn%]$")
_SQL_QUERY_KEYWORDS = ("sql", "query", "statement", "operation", "stmt", "raw_query")
_PLACEHOLDER = re.compile(r"%s|%\(\w+\)s|\?|(?<![:\w]):\w|\$\d")
_DB_NAME_HINTS = re.compile(r"(?i)(session|connection|cursor|engine|database)")


# --- taint values -------------------------------------------------------------------------

def union(a: dict, b: dict) -> dict:
    if not a:
        return b
    if not b or a is b:
        return a
    out = dict(a)
    for label, value in b.items():
        mine = out.get(label)
        if mine is None:
            out[label] = value
        elif mine[0] != value[0]:
            sanitized = mine[0] & value[0]
            out[label] = (sanitized, mine[1] if mine[0] == sanitized else value[1])
    return out


def sanitize(taint: dict, kinds: frozenset) -> dict:
    if not taint:
        return taint
    return {label: (sanitized | kinds, steps) for label, (sanitized, steps) in taint.items()}


def with_step(taint: dict, step: Step) -> dict:
    if not taint:
        return taint
    out = {}
    for label, (sanitized, steps) in taint.items():
        if steps and steps[-1].line == step.line:
            out[label] = (sanitized, steps)
            continue
        steps = steps + (step,)
        if len(steps) > _MAX_STEPS:
            steps = steps[:1] + steps[-(_MAX_STEPS - 1):]
        out[label] = (sanitized, steps)
    return out


def _field(taint: dict, attr: str) -> dict:
    """``payload.name``: a parameter's label remembers the first attribute read on it."""
    if not taint:
        return taint
    out = None
    for label in taint:
        if label[0] == "p" and not label[2]:
            out = {}
            break
    if out is None:
        return taint
    for label, value in taint.items():
        if label[0] == "p" and not label[2]:
            out[("p", label[1], attr)] = value
        else:
            out[label] = value
    return out


def _freeze(taint: dict) -> tuple[Taint, ...]:
    return tuple(Taint(label, sanitized, steps) for label, (sanitized, steps) in taint.items())


def _prefix_kinds(text: str) -> frozenset:
    """A constant prefix that fixes the host (``https://api.example.com/...``) or keeps a URL local."""
    if _FIXED_HOST.match(text):
        return _URL_KINDS
    if len(text) > 1 and text[0] == "/" and text[1] not in "/\\":
        return _URL_KINDS  # a path on this site (or under an HTTP client's base_url)
    return _NOSAN


def _compose(parts: list) -> dict:
    """A string built from ``(constant text, None)`` and ``(None, taint)`` parts, left to right.

    Data after a constant ``?``/``#`` (a query string) or after a fixed ``scheme://host/`` prefix cannot
    change where a URL points; neither can data after ``{base}/`` when ``base`` is server data.
    """
    out = _EMPTY
    fixed = _NOSAN
    for index, (text, taint) in enumerate(parts):
        if text is not None:
            if index == 0 and text:
                fixed = fixed | _prefix_kinds(text)
            if "?" in text or "#" in text:
                fixed = fixed | _URL_KINDS
            elif index == 1 and parts[0][0] is None and not parts[0][1] and text[:1] == "/":
                fixed = fixed | _URL_KINDS
            continue
        if taint:
            out = union(out, sanitize(taint, fixed) if fixed else taint)
    return out


def _conversions(fmt: str) -> tuple[list[str], list[str]]:
    """The conversions of a ``%`` format (``s``, ``d`` ...) and the constant text before each."""
    conversions: list[str] = []
    constants: list[str] = []
    current, position = "", 0
    for match in _CONVERSION.finditer(fmt):
        current += fmt[position:match.start()]
        position = match.end()
        if match.group(1) == "%":
            current += "%"
            continue
        constants.append(current)
        conversions.append(match.group(1))
        current = ""
    constants.append(current + fmt[position:])
    return conversions, constants


def _flatten_add(node) -> list:
    pieces = []
    while type(node) is ast.BinOp and type(node.op) is ast.Add:
        pieces.append(node.right)
        node = node.left
    pieces.append(node)
    pieces.reverse()
    return pieces


def _const_str(node) -> str | None:
    if type(node) is ast.Constant and isinstance(node.value, str):
        return node.value
    return None


def _leftmost(node) -> ast.AST:
    while type(node) is ast.BinOp and type(node.op) is ast.Add:
        node = node.left
    if type(node) is ast.JoinedStr and node.values:
        return node.values[0]
    return node


def _dotted(node) -> str:
    parts = []
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is ast.Name:
        parts.append(node.id)
    elif type(node) is ast.Call:
        parts.append(_dotted(node.func) + "()")
    else:
        parts.append("…")
    return ".".join(reversed(parts))


_READ = "\x00"
_SUBJECTS = frozenset({"url", "path", "value", "target", "location", "redirect_to", "next_url", "filename", "name"})


def _read_key(attribute: str, key_node) -> str | None:
    """The state key of a keyed request read (``request.GET.get("next")`` → ``"\\x00GET[next]"``)."""
    if key_node is None:
        return None
    key = _const_str(key_node)
    if key is None:
        if type(key_node) not in (ast.Name, ast.Attribute):
            return None
        key = "=" + _dotted(key_node)  # request.GET.get(self.redirect_field_name)
    return f"{_READ}{attribute}[{key}]".replace(".", "\x01")


def _type_name(annotation, names) -> str | None:
    """Qualified name of a parameter's type, through ``Annotated``/``Optional``/``X | None``."""
    node = annotation
    for _ in range(4):
        if type(node) is ast.Constant and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        elif type(node) is ast.Subscript:
            head = names.resolve(node.value) or ""
            if head.endswith(("Literal",)):
                return "typing.Literal"
            inner = node.slice
            if type(inner) is ast.Tuple and inner.elts:
                inner = inner.elts[0]
            if head.endswith(("Annotated", "Optional", "Union")):
                node = inner
            else:
                return names.resolve(node.value)
        elif type(node) is ast.BinOp:
            node = node.left
        else:
            break
    return names.resolve(node) if node is not None else None


# --- per-module context -------------------------------------------------------------------

class ModuleContext:
    """What every function of a module shares: names, module-level variable kinds."""

    def __init__(self, tree: ast.Module, facts):
        self.tree = tree
        self.names = facts.names
        self.module = facts.module
        self.path = facts.relpath
        self.top = facts.module.split(".", 1)[0]
        self.is_package = facts.is_package
        self._globals: dict[str, str] | None = None
        self._variables: set[str] | None = None
        self._classes = facts.module_facts.classes if facts.module_facts is not None else ()
        self._view_status: dict[str, str | None] = {}

    def view_status(self, class_qualname: str) -> str | None:
        """Whether a class is a Django class-based view: ``""`` when one of its bases is Django's (FormView,
        LoginView ...), the class's own name when only the link step can tell (a base or mixin of the
        project's), ``None`` when it derives only from other libraries' classes."""
        if class_qualname in self._view_status:
            return self._view_status[class_qualname]
        status = None
        for cls in self._classes:
            if cls.qualname != class_qualname:
                continue
            status = class_qualname
            for base in cls.bases:
                if base in C.DJANGO_VIEW_NAMES or base.startswith(C.DJANGO_VIEW_PREFIXES):
                    status = ""
                    break
            else:
                bases = [b for b in cls.bases if b not in ("builtins.object", "object")]
                if bases and not any(self.is_project_callee(b) for b in bases):
                    status = None
            break
        self._view_status[class_qualname] = status
        return status

    def global_kind(self, name: str) -> str | None:
        if self._globals is None:
            found: dict[str, str] = {}
            self._globals = found  # filled in order: a later global may use an earlier one (conn.cursor())
            for stmt in iter_module_level(self.tree.body):
                if type(stmt) is ast.Assign and type(stmt.value) is ast.Call:
                    kind = _call_kind(stmt.value, self, None)
                    if kind:
                        for target in stmt.targets:
                            if type(target) is ast.Name:
                                found[target.id] = kind
        return self._globals.get(name)

    def is_global_method(self, qualname: str) -> bool:
        """``logger.info`` where ``logger`` is a variable of this module: a method of some object."""
        if not qualname.startswith(self.module + "."):
            return False
        parts = qualname[len(self.module) + 1:].split(".")
        if len(parts) < 2:
            return False
        if self._variables is None:
            defined = {stmt.name for stmt in self.tree.body
                       if type(stmt) in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)}
            assigned = set()
            for stmt in iter_module_level(self.tree.body):
                if type(stmt) in (ast.Assign, ast.AnnAssign):
                    for target in (stmt.targets if type(stmt) is ast.Assign else [stmt.target]):
                        if type(target) is ast.Name:
                            assigned.add(target.id)
            self._variables = assigned - defined
        return parts[0] in self._variables

    def is_project_callee(self, qualname: str) -> bool:
        top = qualname.split(".", 1)[0]
        if top == self.top:
            return True
        return top not in _STDLIB and top not in C.LIBRARIES


def _call_kind(call: ast.Call, ctx: ModuleContext, analyzer) -> str | None:
    """What a call returns, when it matters: a DB connection, an HTTP client, a Jinja template ..."""
    func = call.func
    if type(func) is ast.Attribute:
        found = _method_kind(call, func, ctx, analyzer)
        if found:
            return found
    qualname = ctx.names.resolve(func) if analyzer is None else analyzer._resolve(func)
    if qualname is None and type(func) is ast.Attribute:
        root = func.value
        while type(root) is ast.Call and type(root.func) is ast.Attribute:
            root = root.func.value
        if type(root) is ast.Call and (ctx.names.resolve(root.func) or "").startswith(("sqlalchemy.", "sqlmodel.")):
            return "sqlobj"  # select(User).where(...), update(Product).values(...)
        return None
    if qualname:
        if qualname in C.HTTP_CLIENT_TYPES:
            return "http"
        if C.DB_FACTORIES.match(qualname):
            return "db"
        if qualname in ("tarfile.open", "tarfile.TarFile", "tarfile.TarFile.open"):
            return "tar"
        if qualname.startswith("pathlib.") or qualname in ("os.path.join", "os.path.realpath", "os.path.abspath"):
            return "fspath"
        if qualname in ("jinja2.Environment", "jinja2.environment.Environment"):
            for keyword in call.keywords:
                if keyword.arg == "autoescape":
                    value = keyword.value
                    if type(value) is ast.Constant and not value.value:
                        return "jinja-noescape"
                    return "jinja"
            return "jinja-noescape"
        if qualname in ("jinja2.Template", "jinja2.environment.Template"):
            return "jinja-template"
        if qualname.startswith(("sqlalchemy.", "sqlmodel.")) and qualname.rsplit(".", 1)[-1] in (
                "text", "select", "insert", "update", "delete", "union", "literal_column", "TextClause"):
            return "sqlobj"
        last = qualname.rsplit(".", 1)[-1]
        top = qualname.split(".", 1)[0]
        if last[:1].isupper() and _DB_NAME_HINTS.search(last) and top not in _STDLIB:
            return "db"
        if last[:1].isupper() and top not in _STDLIB and top not in C.LIBRARIES:
            return f"instance:{qualname}"
    return None


def _method_kind(call: ast.Call, func: ast.Attribute, ctx: ModuleContext, analyzer) -> str | None:
    """``conn.cursor()``, ``engine.connect()`` → a DB handle; ``env.from_string(...)`` → a template."""
    method = func.attr
    receiver = func.value
    if method in _PATH_RESULTS:
        kind = analyzer._kind(receiver) if analyzer is not None else _name_kind(receiver, ctx)
        if kind == "fspath":
            return "fspath"
    if method in C.DB_METHOD_RESULTS:
        kind = analyzer._kind(receiver) if analyzer is not None else _name_kind(receiver, ctx)
        tail = receiver.attr if type(receiver) is ast.Attribute else receiver.id if type(receiver) is ast.Name else ""
        if kind == "db" or C.DB_RECEIVER.search(tail) or (ctx.names.resolve(receiver) or "").startswith("django.db"):
            return "db"
    elif method in ("from_string", "get_template", "select_template", "get_or_select_template"):
        kind = analyzer._kind(receiver) if analyzer is not None else _name_kind(receiver, ctx)
        if kind == "jinja-noescape":
            return "jinja-template"
        if kind == "jinja":
            return "jinja-escaped"
    return None


def _name_kind(node, ctx: ModuleContext) -> str | None:
    if type(node) is ast.Name:
        return ctx.global_kind(node.id)
    return None


# --- the function pass --------------------------------------------------------------------

class _Analyzer:
    def __init__(self, ctx: ModuleContext, node, qualname: str, class_qualname: str | None):
        self.ctx = ctx
        self.node = node
        self.qualname = qualname
        self.class_qualname = class_qualname
        self.resolve = ctx.names.resolve
        self.state: dict[str, dict] = {}
        self.kinds: dict[str, str] = {}
        self.views: dict[str, str] = {}
        self.locals: set[str] = set()
        self.request_names: set[str] = set()
        self.websocket_names: set[str] = set()
        self.sources: list[SourceSite] = []
        self.source_keys: dict[tuple, int] = {}
        self.sinks: dict[tuple, list] = {}
        self.calls: list[list] = []
        self.call_keys: dict[tuple, int] = {}
        self.returns: dict = _EMPTY
        self.params: list[str] = []
        self.nested: dict[str, str] = {}
        self.imports: dict[str, str] = {}
        self.guards: dict[str, tuple] = {}  # ``ok = is_safe_url(x)``: ok → (its test, the names the test reads)
        # Django CBVs: get_success_url() and friends return the redirect target (None: not such a method).
        self.redirect_owner = ctx.view_status(class_qualname) \
            if class_qualname is not None and node.name in C.CBV_REDIRECT_METHODS else None

    # -- entry
    def run(self) -> FunctionFlow | None:
        node = self.node
        self._parameters(node)
        for stmt in node.body:
            if type(stmt) in (ast.FunctionDef, ast.AsyncFunctionDef):
                self.nested[stmt.name] = f"{self.qualname}.<locals>.{stmt.name}"
        self._block(node.body)
        return self._result()

    def _parameters(self, node) -> None:
        arguments = node.args
        ordered = arguments.posonlyargs + arguments.args
        positional_defaults = [None] * (len(ordered) - len(arguments.defaults)) + list(arguments.defaults)
        pairs = list(zip(ordered, positional_defaults)) + list(zip(arguments.kwonlyargs, arguments.kw_defaults))
        decorators = {self.resolve(d) or "" for d in node.decorator_list if type(d) is ast.Name}
        is_method = self.class_qualname is not None and "builtins.staticmethod" not in decorators
        names = self.ctx.names
        for index, (arg, default) in enumerate(pairs):
            name = arg.arg
            self.params.append(name)
            self.locals.add(name)
            if index == 0 and is_method and name in ("self", "cls"):
                self.kinds[name] = "self"
                continue
            annotation = _type_name(arg.annotation, names) if arg.annotation is not None else None
            if name in C.REQUEST_PARAM_NAMES or annotation in C.REQUEST_TYPES:
                self.request_names.add(name)
                continue
            if name in C.WEBSOCKET_PARAM_NAMES or annotation in C.WEBSOCKET_TYPES:
                self.websocket_names.add(name)
                continue
            if annotation in C.SAFE_TYPES:
                continue
            if annotation:
                if C.DB_TYPES_HINT.match(annotation):
                    self.kinds[name] = "db"
                elif annotation in C.HTTP_CLIENT_TYPES:
                    self.kinds[name] = "http"
                elif annotation.rsplit(".", 1)[-1][:1].isupper() and self.ctx.is_project_callee(annotation):
                    self.kinds[name] = f"instance:{annotation}"
            if type(default) is ast.Call and default.args:
                marker = (self.resolve(default.func) or "").rsplit(".", 1)[-1]
                if marker in ("Depends", "Security"):
                    target = self.resolve(default.args[0]) or ""
                    if C.DB_DEPENDENCY.search(target.rsplit(".", 1)[-1]):
                        self.kinds[name] = "db"
            self.state[name] = {("p", name, ""): (_NOSAN, ())}
        for extra in (arguments.vararg, arguments.kwarg):
            if extra is not None:
                self.params.append(extra.arg)
                self.locals.add(extra.arg)
                self.state[extra.arg] = {("p", extra.arg, ""): (_NOSAN, ())}

    def _result(self) -> FunctionFlow | None:
        used: set[int] = set()

        def mark(taint: dict) -> None:
            for label in taint:
                if label[0] == "r":
                    used.add(label[1])

        sinks = []
        for kind, name, line, column, end, taint, shape, weak, owner, returned in self.sinks.values():
            mark(taint)
            sinks.append(SinkSite(kind, name, line, column, end, _freeze(taint), shape, weak, owner, returned))
        mark(self.returns)
        for entry in self.calls:
            for taint in entry[4].values():
                mark(taint)
        calls = tuple(
            CallSite(index, callee, bound, line, column,
                     tuple((position, _freeze(taint)) for position, taint in args.items()), text)
            for index, (callee, bound, line, column, args, text) in enumerate(self.calls)
            if args or index in used
        )
        if not (sinks or calls or self.sources or self.returns):
            return None
        node = self.node
        return FunctionFlow(
            qualname=self.qualname, name=node.name, path=self.ctx.path, line=node.lineno, params=tuple(self.params),
            sources=tuple(self.sources), sinks=tuple(sinks), calls=calls, returns=_freeze(self.returns),
        )

    # -- helpers
    def _shadowed(self, func) -> bool:
        while type(func) is ast.Attribute:
            func = func.value
        return type(func) is ast.Name and func.id in self.locals

    def _resolve(self, node) -> str | None:
        if self.imports:
            root = node
            parts = []
            while type(root) is ast.Attribute:
                parts.append(root.attr)
                root = root.value
            if type(root) is ast.Name and root.id in self.imports:
                return ".".join([self.imports[root.id], *reversed(parts)])
        return None if self._shadowed(node) else self.resolve(node)

    def _s_import(self, stmt) -> bool:
        """``import subprocess`` inside the function: its names resolve like module-level ones."""
        if type(stmt) is ast.Import:
            for alias in stmt.names:
                if alias.asname:
                    self.imports[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    self.imports[head] = head
        else:
            source = resolve_relative(self.ctx.module, self.ctx.is_package, stmt.level, stmt.module)
            for alias in stmt.names:
                if alias.name != "*":
                    self.imports[alias.asname or alias.name] = f"{source}.{alias.name}" if source else alias.name
        return False

    def _key(self, node) -> str | None:
        kind = type(node)
        if kind is ast.Name:
            return node.id
        if kind is ast.Attribute:
            base = self._key(node.value)
            return f"{base}.{node.attr}" if base else None
        if kind is ast.Call:
            func = node.func
            if type(func) is ast.Name and func.id == "str" and len(node.args) == 1:
                return self._key(node.args[0])
            if type(func) is ast.Attribute and func.attr in C.KEYED_READS and type(func.value) is ast.Attribute \
                    and self._is_request(func.value.value):
                return _read_key(func.value.attr, node.args[0] if node.args else None)
        elif kind is ast.Subscript and type(node.value) is ast.Attribute and self._is_request(node.value.value):
            return _read_key(node.value.attr, node.slice)
        return None

    def _read(self, state: dict, key: str) -> dict:
        found = state.get(key)
        if found is not None:
            return found
        if "." not in key:
            return _EMPTY
        base, _, rest = key.partition(".")
        return _field(state.get(base, _EMPTY), rest.split(".", 1)[0])

    def _kind(self, node) -> str | None:
        kind = type(node)
        if kind is ast.Await:
            return self._kind(node.value)
        if kind is ast.Name:
            found = self.kinds.get(node.id)
            if found is None and node.id not in self.locals:
                return self.ctx.global_kind(node.id)
            return found
        if kind is ast.Attribute:
            key = self._key(node)
            return self.kinds.get(key) if key else None
        if kind is ast.Call:
            return _call_kind(node, self.ctx, self)
        if kind is ast.BinOp and type(node.op) is ast.Div:
            return "fspath" if self._kind(node.left) == "fspath" or type(node.left) is ast.Call else None
        return None

    def _is_request(self, node) -> bool:
        kind = type(node)
        if kind is ast.Name:
            if node.id in self.request_names:
                return True
            return node.id not in self.locals and self.resolve(node) in C.GLOBAL_REQUESTS
        if kind is ast.Attribute:
            return node.attr == "request" and type(node.value) is ast.Name and node.value.id == "self"
        return False

    def _source(self, node, kind: str, description: str, sanitized: frozenset = _NOSAN) -> dict:
        key = (node.lineno, node.col_offset)
        index = self.source_keys.get(key)
        if index is None:
            index = len(self.sources)
            self.sources.append(SourceSite(kind, description, node.lineno, node.col_offset + 1))
            self.source_keys[key] = index
        return {("s", index, ""): (sanitized, ())}

    def _request_attribute(self, node, attribute: str, key_node) -> dict:
        spec = C.REQUEST_ATTRIBUTES.get(attribute)
        if spec is None:
            return _EMPTY
        kind, noun = spec
        sanitized = _PATH if attribute == "FILES" else _NOSAN  # Django keeps only the basename of upload names
        key = _const_str(key_node) if key_node is not None else None
        memo = _read_key(attribute, key_node)
        if memo is not None:
            # The same read seen again (``request.GET.get("next")`` checked, then returned) is the same value,
            # as narrowed by the checks on the way.
            found = self.state.get(memo)
            if found is not None:
                return found
        if key is not None:
            if attribute == "META" and key in C.SERVER_META:
                return _EMPTY
            if key.lower() in ("http_referer", "referer"):
                sanitized = sanitized | _REFERER
            taint = self._source(node, kind, f"{noun} '{key}'", sanitized)
        else:
            taint = self._source(node, kind, f"request.{attribute}", sanitized)
        if memo is not None:
            self.state[memo] = taint
        return taint

    # -- statements
    def _block(self, body) -> bool:
        stmt_handlers = _STATEMENTS
        for stmt in body:
            handler = stmt_handlers.get(type(stmt))
            if handler is not None and handler(self, stmt):
                return True
        return False

    def _s_expr(self, stmt) -> bool:
        self._e(stmt.value)
        return False

    def _s_assign(self, stmt) -> bool:
        taint = self._e(stmt.value)
        for target in stmt.targets:
            self._bind(target, taint, stmt.value)
        return False

    def _s_annassign(self, stmt) -> bool:
        if stmt.value is not None:
            self._bind(stmt.target, self._e(stmt.value), stmt.value)
        return False

    def _s_augassign(self, stmt) -> bool:
        taint = self._e(stmt.value)
        target = stmt.target
        key = self._key(target.value if type(target) is ast.Subscript else target)
        if key is None:
            return False
        if type(target) is ast.Name:
            self.locals.add(key)
        if taint:
            current = self._read(self.state, key)
            self.state[key] = with_step(union(current, taint),
                                        Step(stmt.lineno, stmt.col_offset + 1, f"appended to '{key}'"))
        return False

    def _s_return(self, stmt) -> bool:
        if stmt.value is not None:
            taint = self._e(stmt.value)
            if taint:
                self.returns = union(self.returns, taint)
                if self.redirect_owner is not None:
                    self._add_sink(stmt, stmt.value, "redirect",
                                   f"the redirect target returned by {self.node.name}()", taint,
                                   self.redirect_owner, True)
        return True

    def _add_sink(self, node, last, kind: str, name: str, taint: dict, owner: str = "", returned: bool = False):
        key = (node.lineno, node.col_offset, kind)
        entry = self.sinks.get(key)
        if entry is None:
            self.sinks[key] = [kind, name, node.lineno, node.col_offset + 1, last.end_lineno or node.lineno,
                               taint, "", False, owner, returned]
        elif taint:
            entry[5] = union(entry[5], taint)

    def _s_raise(self, stmt) -> bool:
        return True

    def _s_stop(self, stmt) -> bool:
        return True

    def _s_if(self, stmt) -> bool:
        test = stmt.test
        self._e(test)
        before = self.state
        negative = self._narrowed(test, before, False)  # before the body rebinds what a guard variable checked
        self.state = self._narrowed(test, before, True)
        body_ends = self._block(stmt.body)
        after_body = self.state
        self.state = negative
        else_ends = self._block(stmt.orelse) if stmt.orelse else False
        after_else = self.state
        if body_ends and else_ends:
            return True
        if body_ends:
            self.state = after_else
        elif else_ends:
            self.state = after_body
        else:
            self.state = self._merge(after_body, after_else)
        return False

    def _loop(self, stmt, bind) -> bool:
        before = self.state
        self.state = dict(before)
        bind()
        self._block(stmt.body)
        for _ in range(2):  # values carried from one iteration to the next: at most two more passes
            previous = self._merge(before, self.state)
            if not self._grew(before, previous):
                break
            before, self.state = previous, dict(previous)
            bind()
            self._block(stmt.body)
        self.state = self._merge(before, self.state)
        if stmt.orelse:
            self._block(stmt.orelse)
        return False

    def _s_for(self, stmt) -> bool:
        taint = self._e(stmt.iter)

        def bind():
            self._bind(stmt.target, taint, None)

        return self._loop(stmt, bind)

    def _s_while(self, stmt) -> bool:
        self._e(stmt.test)
        return self._loop(stmt, lambda: None)

    def _s_with(self, stmt) -> bool:
        for item in stmt.items:
            taint = self._e(item.context_expr)
            if item.optional_vars is not None:
                self._bind(item.optional_vars, taint, item.context_expr)
        return self._block(stmt.body)

    def _s_try(self, stmt) -> bool:
        before = dict(self.state)
        body_ends = self._block(stmt.body)
        if not body_ends and stmt.orelse:
            body_ends = self._block(stmt.orelse)
        after_body = self.state
        outcomes = [] if body_ends else [after_body]
        for handler in stmt.handlers:
            self.state = self._merge(before, after_body)
            if handler.name:
                self.state[handler.name] = _EMPTY
                self.locals.add(handler.name)
            if not self._block(handler.body):
                outcomes.append(self.state)
        if outcomes:
            merged = outcomes[0]
            for other in outcomes[1:]:
                merged = self._merge(merged, other)
            self.state = merged
        else:
            self.state = after_body
        if stmt.finalbody:
            ends = self._block(stmt.finalbody)
            return ends or not outcomes
        return not outcomes

    def _s_match(self, stmt) -> bool:
        self._e(stmt.subject)
        before = self.state
        outcomes = []
        for case in stmt.cases:
            self.state = dict(before)
            if not self._block(case.body):
                outcomes.append(self.state)
        merged = before
        for other in outcomes:
            merged = self._merge(merged, other)
        self.state = merged
        return False

    def _s_assert(self, stmt) -> bool:
        self._e(stmt.test)
        self.state = self._narrowed(stmt.test, self.state, True)
        return False

    def _s_delete(self, stmt) -> bool:
        for target in stmt.targets:
            if type(target) is ast.Name:
                self.state.pop(target.id, None)
        return False

    def _s_skip(self, stmt) -> bool:
        return False

    # -- merging
    def _merge(self, a: dict, b: dict) -> dict:
        if a is b:
            return a
        out = dict(a)
        for key, taint in b.items():
            mine = a.get(key)
            if mine is None:
                mine = self._read(a, key) if "." in key else _EMPTY
            out[key] = union(mine, taint) if mine is not taint else mine
        for key in a:
            if key not in b and "." in key:
                out[key] = union(a[key], self._read(b, key))
        return out

    @staticmethod
    def _grew(before: dict, after: dict) -> bool:
        for key, taint in after.items():
            if taint and (key not in before or not before[key].keys() >= taint.keys()):
                return True
        return False

    # -- binding
    def _bind(self, target, taint: dict, value) -> None:
        kind = type(target)
        if kind is ast.Name:
            name = target.id
            self.locals.add(name)
            if taint:
                taint = with_step(taint, Step(target.lineno, target.col_offset + 1, f"assigned to '{name}'"))
            self.state[name] = taint
            if self.guards:
                for guard in [g for g, (_, used) in self.guards.items() if name in used or g == name]:
                    del self.guards[guard]
            if value is not None:
                self._remember(name, value)
                self._guard(name, value)
            else:
                self.kinds.pop(name, None)
                self.views.pop(name, None)
        elif kind is ast.Tuple or kind is ast.List:
            if value is not None and type(value) in (ast.Tuple, ast.List) and len(value.elts) == len(target.elts) \
                    and not any(type(e) is ast.Starred for e in value.elts):
                for element, part in zip(target.elts, value.elts):
                    self._bind(element, self._e(part), part)
            else:
                for element in target.elts:
                    self._bind(element, taint, None)
        elif kind is ast.Starred:
            self._bind(target.value, taint, None)
        elif kind is ast.Attribute:
            key = self._key(target)
            if key is None:
                return
            if taint:
                taint = with_step(taint, Step(target.lineno, target.col_offset + 1, f"assigned to '{key}'"))
            self.state[key] = taint
            base = key.split(".", 1)[0]
            if taint and base != "self" and base in self.state:
                self.state[base] = union(self.state[base], taint)
            elif taint and base == "self" and target.attr in C.CBV_REDIRECT_ATTRIBUTES and \
                    key.count(".") == 1 and self.class_qualname is not None:
                owner = self.ctx.view_status(self.class_qualname)
                if owner is not None:  # self.success_url = request.GET["next"]: the view redirects there
                    self._add_sink(target, value if value is not None else target, "redirect",
                                   f"self.{target.attr} (the view's redirect target)", taint, owner)
            if value is not None:
                self._remember(key, value)
        elif kind is ast.Subscript:
            key = self._key(target.value)
            if key is not None and taint:
                self.state[key] = union(self._read(self.state, key), taint)

    def _guard(self, name: str, value) -> None:
        """``url_is_safe = url_has_allowed_host_and_scheme(url=target, ...)``: ``if url_is_safe`` checks ``target``."""
        inner = value
        while type(inner) is ast.UnaryOp and type(inner.op) is ast.Not:
            inner = inner.operand
        if type(inner) not in (ast.Call, ast.Compare, ast.BoolOp):
            return
        used = frozenset(n.id for n in ast.walk(value) if type(n) is ast.Name)
        if name not in used:
            self.guards[name] = (value, used)

    def _remember(self, key: str, value) -> None:
        """Kinds (request, db, http client, template, project instance) and URL-part views of a variable."""
        inner = value.value if type(value) is ast.Await else value
        if self._is_request(inner):
            self.request_names.add(key)
        node_kind = type(inner)
        if node_kind is ast.BinOp and type(inner.op) is ast.Div:
            kind = self._kind(inner)
        elif node_kind in (ast.Call, ast.Name, ast.Attribute):
            kind = self._kind(inner)
            if node_kind is ast.Call and kind is None and type(inner.func) is ast.Attribute and \
                    inner.func.attr in ("format", "join"):
                kind = "sql-" + self._shape(inner)
        elif node_kind in (ast.JoinedStr, ast.BinOp):
            kind = "sql-" + self._shape(inner)
        else:
            kind = None
        if kind:
            self.kinds[key] = kind
        else:
            self.kinds.pop(key, None)
        view = self._url_view(inner)
        if view:
            self.views[key] = view
        else:
            self.views.pop(key, None)

    def _url_view(self, node) -> str | None:
        """``urlparse(url)`` or ``urlparse(url).netloc`` (or a view's part): the variable it looks at."""
        kind = type(node)
        if kind is ast.Call and node.args and self._resolve(node.func) in C.URL_PARSERS:
            return self._key(node.args[0])
        if kind is ast.Attribute and node.attr in C.URL_PARTS:
            inner = node.value
            if type(inner) is ast.Name and inner.id in self.views:
                return self.views[inner.id]
            return self._url_view(inner)
        if kind is ast.Name:
            return self.views.get(node.id)
        return None

    # -- narrowing
    def _narrowed(self, test, state: dict, positive: bool) -> dict:
        """The state where ``test`` is known to be ``positive`` (always a new dict: callers write to it)."""
        new = self._narrow(test, state, positive)
        return dict(state) if new is state else new

    def _narrow(self, test, state: dict, positive: bool) -> dict:
        kind = type(test)
        if kind is ast.UnaryOp and type(test.op) is ast.Not:
            return self._narrow(test.operand, state, not positive)
        if kind is ast.BoolOp:
            if (type(test.op) is ast.And) == positive:  # every part holds
                for value in test.values:
                    state = self._narrow(value, state, positive)
                local = self._local_path_checks(test.values, positive)
                if local:
                    state = dict(state)
                    for key in local:
                        state[key] = sanitize(self._read(state, key), _URL_KINDS)
                return state
            branches = [self._narrow(value, state, positive) for value in test.values]  # one part holds
            if all(branch is state for branch in branches):
                return state
            merged = branches[0]
            for branch in branches[1:]:
                merged = self._merge(merged, branch)
            return merged
        if kind is ast.Name and self.guards:
            guard = self.guards.get(test.id)
            if guard is not None:
                state = self._narrow(guard[0], state, positive)
        facts: list = []
        if not positive and kind in (ast.Name, ast.Attribute):
            key = self._key(test)
            if key:
                facts.append((key, None, False))  # falsy: empty, nothing to inject
            base = self._url_view(test)
            if base:
                facts.append((base, _URL_KINDS, False))  # no netloc/scheme: a local URL
        else:
            self._facts(test, positive, facts)
        if not facts:
            return state
        new = dict(state)
        for key, kinds, needs_norm in facts:
            current = self._read(new, key)
            if not current:
                continue
            if needs_norm and not all(NORMALIZED in sanitized for sanitized, _ in current.values()):
                continue
            new[key] = _EMPTY if kinds is None else sanitize(current, kinds)
            base = self.views.get(key)
            if base:
                new[base] = sanitize(self._read(new, base), _URL_KINDS)
        return new

    def _local_path_checks(self, values, positive: bool) -> list[str]:
        """Keys checked with ``x.startswith("/") and not x.startswith("//")``: a path on this site."""
        starts: dict[str, set] = {}
        for value in values:
            truth = positive
            while type(value) is ast.UnaryOp and type(value.op) is ast.Not:
                value, truth = value.operand, not truth
            if type(value) is ast.Call and type(value.func) is ast.Attribute and value.func.attr == "startswith" \
                    and value.args:
                key = self._key(value.func.value)
                argument = value.args[0]
                prefixes = [_const_str(e) for e in argument.elts] if type(argument) is ast.Tuple else \
                    [_const_str(argument)]
                if key:
                    for prefix in prefixes:
                        if prefix is not None:
                            starts.setdefault(key, set()).add((prefix, truth))
        return [key for key, seen in starts.items() if ("/", True) in seen and ("//", False) in seen]

    def _facts(self, test, positive: bool, out: list) -> None:
        kind = type(test)
        if kind is ast.Compare and len(test.ops) == 1:
            op = type(test.ops[0])
            left, right = test.left, test.comparators[0]
            if op in (ast.In, ast.NotIn):
                if (op is ast.In) == positive and self._is_allowlist(right):
                    self._target(left, out)
            elif op in (ast.Eq, ast.NotEq, ast.Is, ast.IsNot):
                if (op in (ast.Eq, ast.Is)) == positive:
                    if self._is_constant(right):
                        self._target(left, out)
                    elif self._is_constant(left):
                        self._target(right, out)
                    elif type(left) is ast.Call and (self._resolve(left.func) or "").endswith("commonpath"):
                        for element in (left.args[0].elts if left.args and type(left.args[0]) in (ast.List, ast.Tuple)
                                        else ()):
                            key = self._key(element)
                            if key:
                                out.append((key, _PATH, True))
        elif kind is ast.Call and positive:
            self._call_facts(test, out)

    def _call_facts(self, test: ast.Call, out: list) -> None:
        func = test.func
        if type(func) is ast.Attribute:
            method = func.attr
            if method in ("isdigit", "isnumeric", "isdecimal", "isalnum", "isalpha", "isidentifier"):
                key = self._key(func.value)
                if key:
                    out.append((key, None, False))
                return
            if method in ("is_relative_to", "startswith"):
                key = self._key(func.value)
                if key:
                    prefix = _const_str(test.args[0]) if test.args else None
                    if prefix and _FIXED_HOST.match(prefix):
                        out.append((key, _URL_KINDS, False))
                    else:
                        out.append((key, _PATH, True))
                return
            if method in ("fullmatch", "match") and test.args and self._resolve(func) not in C.REGEX_MATCHERS:
                key = self._key(test.args[0])
                if key:
                    out.append((key, None, False))
                return
        qualname = self._resolve(func)
        if qualname in C.REGEX_MATCHERS and len(test.args) >= 2:
            pattern = _const_str(test.args[0])
            if pattern is not None and (qualname == "re.fullmatch" or (
                    pattern.startswith("^") and pattern.endswith(("$", "\\Z")))):
                key = self._key(test.args[1])
                if key:
                    out.append((key, None, False))
            return
        name = qualname or (func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else "")
        last = name.rsplit(".", 1)[-1]
        first = test.args[0] if test.args else None
        if first is None and test.keywords:  # url_has_allowed_host_and_scheme(allowed_hosts=..., url=target)
            first = next((k.value for k in test.keywords if k.arg in _SUBJECTS), test.keywords[0].value)
        if first is not None and C.VALIDATOR_NAME.search(last):
            key = self._key(first)
            if key:
                out.append((key, _URL_KINDS if C.URL_VALIDATOR_NAME.search(last) else None, False))

    def _target(self, node, out: list) -> None:
        key = self._key(node)
        if key:
            out.append((key, None, False))
            return
        if type(node) is ast.Call and type(node.func) is ast.Attribute and node.func.attr in (
                "lower", "upper", "strip", "casefold", "lstrip", "rstrip"):
            key = self._key(node.func.value)
            if key:
                out.append((key, None, False))
            return
        base = self._url_view(node)
        if base:
            out.append((base, _URL_KINDS, False))

    def _is_constant(self, node) -> bool:
        return type(node) is ast.Constant

    def _is_allowlist(self, node) -> bool:
        kind = type(node)
        if kind in (ast.List, ast.Tuple, ast.Set):
            return all(type(e) is ast.Constant for e in node.elts)
        if kind is ast.Dict:
            return all(type(k) is ast.Constant for k in node.keys if k is not None)
        if kind is ast.Call and type(node.func) is ast.Attribute and node.func.attr in ("keys", "values"):
            return self._is_allowlist(node.func.value)
        key = self._key(node)
        if key is None or key[:1] == _READ:
            return False
        base = key.split(".", 1)[0]
        if base in self.request_names or (base == "self" and key.startswith("self.request")):
            return False
        return not self._read(self.state, key)

    # -- expressions
    def _e(self, node) -> dict:
        handler = _EXPRESSIONS.get(type(node))
        return handler(self, node) if handler is not None else _EMPTY

    def _e_name(self, node) -> dict:
        return self.state.get(node.id, _EMPTY)

    def _e_attribute(self, node) -> dict:
        value = node.value
        if self._is_request(value):
            return self._request_attribute(node, node.attr, None)
        key = self._key(node)
        if key is not None and key in self.state:
            return self.state[key]
        base = self._e(value)
        if not base:
            return base
        if node.attr in ("name", "stem", "suffix") and type(value) is ast.Call and \
                (self._resolve(value.func) or "").startswith("pathlib."):
            return sanitize(base, _PATH)
        return _field(base, node.attr)

    def _e_subscript(self, node) -> dict:
        value = node.value
        if type(value) is ast.Attribute and self._is_request(value.value):
            return self._request_attribute(node, value.attr, node.slice)
        return self._e(value)

    def _e_joinedstr(self, node) -> dict:
        parts = []
        for part in node.values:
            if type(part) is ast.FormattedValue:
                taint = self._e(part.value)
                if taint and part.format_spec is not None and type(part.format_spec) is ast.JoinedStr:
                    spec = "".join(v.value for v in part.format_spec.values if type(v) is ast.Constant)
                    if _NUMERIC_SPEC.match(spec or "s"):
                        taint = _EMPTY
                parts.append((None, taint))
            else:
                parts.append((_const_str(part) or "", _EMPTY))
        return _compose(parts)

    def _e_formatted(self, node) -> dict:
        return self._e(node.value)

    def _e_binop(self, node) -> dict:
        op = type(node.op)
        left = node.left
        if op is ast.Mod and _const_str(left) is not None:
            return self._percent(left.value, node.right)
        if op is ast.Add:
            pieces = _flatten_add(node)
            if any(_const_str(piece) is not None for piece in pieces):
                return _compose([(text, _EMPTY) if text is not None else (None, self._e(piece))
                                 for piece in pieces for text in (_const_str(piece),)])
        return union(self._e(left), self._e(node.right))

    def _percent(self, fmt: str, right) -> dict:
        conversions, constants = _conversions(fmt)
        values = right.elts if type(right) is ast.Tuple else [right]
        if type(right) is not ast.Tuple and len(conversions) != 1:
            taint = self._e(right)  # a dict or a mapping: %(name)s
            if taint and conversions and all(c in _NUMERIC for c in conversions):
                return _EMPTY
            return taint
        parts: list = []
        for index, value in enumerate(values):
            parts.append((constants[index] if index < len(constants) else "", _EMPTY))
            taint = self._e(value)
            if taint and index < len(conversions) and conversions[index] in _NUMERIC:
                taint = _EMPTY
            parts.append((None, taint))
        return _compose(parts)

    def _e_boolop(self, node) -> dict:
        out = _EMPTY
        for value in node.values:
            out = union(out, self._e(value))
        return out

    def _e_unary(self, node) -> dict:
        taint = self._e(node.operand)
        return _EMPTY if type(node.op) in (ast.Not, ast.USub, ast.UAdd, ast.Invert) else taint

    def _e_compare(self, node) -> dict:
        self._e(node.left)
        for comparator in node.comparators:
            self._e(comparator)
        return _EMPTY

    def _e_ifexp(self, node) -> dict:
        test = node.test
        self._e(test)
        before = self.state
        negative = self._narrowed(test, before, False)
        self.state = self._narrowed(test, before, True)
        a = self._e(node.body)
        self.state = negative
        b = self._e(node.orelse)
        self.state = before
        return union(a, b)

    def _e_sequence(self, node) -> dict:
        out = _EMPTY
        for element in node.elts:
            out = union(out, self._e(element))
        return out

    def _e_dict(self, node) -> dict:
        out = _EMPTY
        for key, value in zip(node.keys, node.values):
            if key is not None:
                out = union(out, self._e(key))
            out = union(out, self._e(value))
        return out

    def _e_comprehension(self, node) -> dict:
        before = self.state
        self.state = dict(before)
        for generator in node.generators:
            self._bind(generator.target, self._e(generator.iter), None)
            for condition in generator.ifs:
                self._e(condition)
                self.state = self._narrowed(condition, self.state, True)
        if type(node) is ast.DictComp:
            out = union(self._e(node.key), self._e(node.value))
        else:
            out = self._e(node.elt)
        self.state = before
        return out

    def _e_await(self, node) -> dict:
        return self._e(node.value)

    def _e_yield(self, node) -> dict:
        if node.value is not None:
            taint = self._e(node.value)
            if taint:
                self.returns = union(self.returns, taint)
        return _EMPTY

    def _e_starred(self, node) -> dict:
        return self._e(node.value)

    def _e_namedexpr(self, node) -> dict:
        taint = self._e(node.value)
        self._bind(node.target, taint, node.value)
        return taint

    # -- calls
    def _e_call(self, node: ast.Call) -> dict:
        func = node.func
        func_kind = type(func)
        method = func.attr if func_kind is ast.Attribute else None
        if method is not None:
            receiver = func.value
            if self._is_request(receiver):
                spec = C.REQUEST_METHODS.get(method)
                return self._source(node, spec[0], f"request.{method}()") if spec else _EMPTY
            if type(receiver) is ast.Name and receiver.id in self.websocket_names:
                if method in C.WEBSOCKET_METHODS:
                    return self._source(node, "websocket", "WebSocket message")
                return _EMPTY
            if method in C.KEYED_READS and type(receiver) is ast.Attribute and self._is_request(receiver.value):
                return self._request_attribute(node, receiver.attr, node.args[0] if node.args else None)
        args = [self._e(a) for a in node.args]
        keywords = {}
        for keyword in node.keywords:
            taint = self._e(keyword.value)
            if taint:
                keywords[keyword.arg or "**"] = taint
        qualname = self._resolve(func)
        if qualname is not None and method is not None and self.ctx.is_global_method(qualname):
            qualname = None  # a method of a module-level object (logger.info, client.get, BASE.joinpath)
        receiver_taint = _EMPTY
        if method is not None and qualname is None:
            receiver_taint = self._e(func.value)
        if method in C.TEMPLATE_RENDER:
            template = self._kind(func.value)
            if template in ("jinja-template", "jinja-escaped"):
                out = receiver_taint
                for taint in args:
                    out = union(out, taint)
                for taint in keywords.values():
                    out = union(out, taint)
                # Without autoescaping the output is HTML carrying the context as it came.
                return sanitize(out, _XSS) if template == "jinja-escaped" and out else out
        if self._sink(node, qualname, method, args, keywords, receiver_taint):
            return _EMPTY
        if qualname is not None:
            return self._known_call(node, qualname, args, keywords)
        if method is None:
            if func_kind is ast.Name and func.id in self.nested:
                return self._edge(node, self.nested[func.id], False, args, keywords, f"{func.id}()")
            return _EMPTY
        receiver = func.value
        if type(receiver) is ast.Name and receiver.id == "self" and self.class_qualname and \
                self.kinds.get("self") == "self":
            return self._edge(node, f"{self.class_qualname}.{method}", True, args, keywords, f"self.{method}()")
        receiver_kind = self._kind(receiver)
        if receiver_kind and receiver_kind.startswith("instance:"):
            return self._edge(node, f"{receiver_kind[9:]}.{method}", True, args, keywords,
                              f"{_dotted(receiver)}.{method}()")
        if receiver_taint:
            if method in C.CLEAN_METHODS:
                return _EMPTY
            out = receiver_taint
            if method in C.NORMALIZING_METHODS:
                return {label: (sanitized | {NORMALIZED}, steps) for label, (sanitized, steps) in out.items()}
            if method in C.ARG_METHODS:
                for taint in args:
                    out = union(out, taint)
                for taint in keywords.values():
                    out = union(out, taint)
            return out
        if method in C.ARG_METHODS:
            out = _EMPTY
            for taint in args:
                out = union(out, taint)
            for taint in keywords.values():
                out = union(out, taint)
            if out and method == "format":
                prefix = _const_str(receiver)
                if prefix:
                    kinds = _prefix_kinds(prefix.split("{", 1)[0])
                    if kinds:
                        out = sanitize(out, kinds)
            elif out and method in C.MUTATORS:
                self._mutate(receiver, out)
            return out if method not in ("get", "pop", "setdefault", "add") else _EMPTY
        if method in C.MUTATORS and (args or keywords):
            out = _EMPTY
            for taint in args:
                out = union(out, taint)
            for taint in keywords.values():
                out = union(out, taint)
            if out:
                self._mutate(receiver, out)
        return _EMPTY

    def _mutate(self, receiver, taint: dict) -> None:
        key = self._key(receiver)
        if key is not None and key.split(".", 1)[0] != "self":
            self.state[key] = union(self._read(self.state, key), taint)

    def _known_call(self, node, qualname: str, args: list, keywords: dict) -> dict:
        if qualname in C.CLEAN_CALLS:
            return _EMPTY
        kinds = C.SANITIZERS.get(qualname)
        if kinds is not None or qualname in C.PROPAGATORS or qualname in C.NORMALIZERS:
            out = _EMPTY
            for taint in args:
                out = union(out, taint)
            for taint in keywords.values():
                out = union(out, taint)
            if not out:
                return out
            if kinds is not None:
                return sanitize(out, kinds)
            if qualname in C.NORMALIZERS:
                return sanitize(out, frozenset({NORMALIZED}))
            return out
        last = qualname.rsplit(".", 1)[-1]
        if last[:1].isupper():
            # A class: its instance carries what it was built from (forms, serializers, models).
            out = _EMPTY
            for taint in args:
                out = union(out, taint)
            for taint in keywords.values():
                out = union(out, taint)
            return sanitize(out, _WEAK) if out else out
        if type(node.func) is ast.Attribute:
            receiver = node.func.value
            if type(receiver) is ast.Name and receiver.id not in self.locals:
                kind = self.ctx.global_kind(receiver.id)
                if kind and kind.startswith("instance:"):
                    return self._edge(node, f"{kind[9:]}.{node.func.attr}", True, args, keywords,
                                      f"{receiver.id}.{node.func.attr}()")
        if self.ctx.is_project_callee(qualname) and not self.ctx.is_global_method(qualname):
            return self._edge(node, qualname, False, args, keywords, f"{qualname.rsplit('.', 1)[-1]}()")
        return _EMPTY

    def _edge(self, node, callee: str, bound: bool, args: list, keywords: dict, text: str) -> dict:
        key = (node.lineno, node.col_offset)
        index = self.call_keys.get(key)
        if index is None:
            index = len(self.calls)
            self.calls.append([callee, bound, node.lineno, node.col_offset + 1, {}, text])
            self.call_keys[key] = index
        recorded = self.calls[index][4]
        step = Step(node.lineno, node.col_offset + 1, f"passed to {text}")
        starred = False
        for position, (argument, taint) in enumerate(zip(node.args, args)):
            if type(argument) is ast.Starred:
                starred = True
            if taint and not starred:
                recorded[position] = union(recorded.get(position, _EMPTY), with_step(taint, step))
        for name, taint in keywords.items():
            if name != "**":
                recorded[name] = union(recorded.get(name, _EMPTY), with_step(taint, step))
        return {("r", index, ""): (_NOSAN, (Step(node.lineno, node.col_offset + 1, f"returned by {text}"),))}

    # -- sinks
    def _sink(self, node, qualname, method, args: list, keywords: dict, receiver_taint: dict) -> bool:
        found = self._sink_spec(node, qualname, method, args, keywords, receiver_taint)
        if found is None:
            return False
        kind, name, taint, shape, weak = found
        key = (node.lineno, node.col_offset, kind)
        entry = self.sinks.get(key)
        if entry is None:
            self.sinks[key] = [kind, name, node.lineno, node.col_offset + 1, node.end_lineno or node.lineno,
                               taint, shape, weak, "", False]
        elif taint:
            entry[5] = union(entry[5], taint)
        return True

    @staticmethod
    def _pick(node, args: list, keywords: dict, positions, names) -> dict:
        out = _EMPTY
        for position in positions:
            if position < len(args):
                out = union(out, args[position])
        for name in names:
            taint = keywords.get(name)
            if taint:
                out = union(out, taint)
        return out

    @staticmethod
    def _argument(node, position: int, names) -> ast.AST | None:
        if position < len(node.args) and type(node.args[position]) is not ast.Starred:
            return node.args[position]
        for keyword in node.keywords:
            if keyword.arg in names:
                return keyword.value
        return None

    def _sink_spec(self, node, qualname, method, args, keywords, receiver_taint):
        if qualname is not None:
            spec = C.SINK_FUNCTIONS.get(qualname)
            if spec is not None:
                kind, name, positions, names = spec
                shape = self._shape(self._argument(node, positions[0], names)) if kind == "sql" else ""
                return kind, name, self._pick(node, args, keywords, positions, names), shape, False
            if qualname in C.YAML_LOADS:
                loader = self._argument(node, 1, ("Loader",))
                loader_name = (self._resolve(loader) or "") if loader is not None else ""
                if loader is not None and (loader_name.endswith(C.SAFE_YAML_LOADERS) or not loader_name):
                    return None
                return "deserialization", f"{qualname}()", self._pick(node, args, keywords, (0,), ("stream",)), "", \
                    False
            if qualname in C.SUBPROCESS:
                return self._subprocess(node, qualname, args, keywords)
            if qualname in C.EXEC_SUBPROCESS:
                return self._exec_shell(node, qualname, args)
            if qualname in C.DJANGO_HTML_RESPONSES:
                content_type = self._argument(node, 1, ("content_type",))
                text = _const_str(content_type) if content_type is not None else None
                if content_type is not None and (text is None or "html" not in text.lower()):
                    return None
                return "xss", qualname.rsplit(".", 1)[-1], self._pick(node, args, keywords, (0,), ("content",)), "", \
                    False
            if qualname in C.GENERIC_RESPONSES:
                media_type = self._argument(node, 3, ("media_type",))
                text = _const_str(media_type) if media_type is not None else None
                if text is None or "html" not in text.lower():
                    return None
                return "xss", "Response(media_type='text/html')", \
                    self._pick(node, args, keywords, (0,), ("content",)), "", False
            head, _, last = qualname.rpartition(".")
            if head in C.HTTP_MODULES or head in ("requests.api", "httpx._api"):
                if last in C.HTTP_VERBS:
                    position = 1 if last == "request" else 0
                    return "ssrf", f"{head.split('.')[0]}.{last}()", \
                        self._pick(node, args, keywords, (position,), ("url",)), "", False
                return None
            if method is not None and method in _METHOD_SINK_NAMES:
                return self._method_sink(node, method, None, node.func.value, args, keywords, receiver_taint)
            return None
        if method is None:
            return None
        receiver = node.func.value
        return self._method_sink(node, method, None, receiver, args, keywords, receiver_taint)

    def _method_sink(self, node, method, receiver_kind, receiver, args, keywords, receiver_taint):
        if method in C.SQL_METHODS:
            receiver_kind = receiver_kind or self._kind(receiver)
            weak = False
            if receiver_kind != "db":
                tail = receiver.attr if type(receiver) is ast.Attribute else \
                    receiver.id if type(receiver) is ast.Name else ""
                if type(receiver) is ast.Call and type(receiver.func) is ast.Attribute and \
                        receiver.func.attr in C.DB_METHOD_RESULTS:
                    pass
                elif C.DB_RECEIVER.search(tail):
                    weak = True
                else:
                    return None
            query = self._argument(node, 0, _SQL_QUERY_KEYWORDS)
            if query is None:
                return None
            query_kind = self._kind(query) if type(query) in (ast.Name, ast.Call, ast.Attribute) else None
            if query_kind == "sqlobj":
                return None
            if type(query) is ast.Call and (self._resolve(query.func) or "").startswith(("sqlalchemy.", "sqlmodel.")):
                return None
            if query_kind is None and type(query) is ast.Call and _call_kind(query, self.ctx, self) == "sqlobj":
                return None
            bound = len(node.args) > 1 or any(k.arg in C.SQL_PARAM_KEYWORDS for k in node.keywords)
            shape = "parameterised" if bound else self._shape(query)
            return "sql", f"{_dotted(receiver)}.{method}", \
                self._pick(node, args, keywords, (0,), _SQL_QUERY_KEYWORDS), shape, weak
        if method == "raw":
            text = _dotted(receiver)
            if "objects" in text or "manager" in text.lower():
                query = self._argument(node, 0, ("raw_query",))
                bound = len(node.args) > 1 or any(k.arg == "params" for k in node.keywords)
                return "sql", f"{text}.raw", self._pick(node, args, keywords, (0,), ("raw_query",)), \
                    "parameterised" if bound else self._shape(query), False
            return None
        if method == "extra":
            positions, names = (0, 1, 3, 4), ("select", "where", "tables", "order_by")
            if not node.args and not any(k.arg in names for k in node.keywords):
                return None
            bound = len(node.args) > 2 or any(k.arg in ("params", "select_params") for k in node.keywords)
            taint = self._pick(node, args, keywords, positions, names)
            shape = "parameterised" if bound and not taint else ("built" if taint else "constant")
            return "sql", f"{_dotted(receiver)}.extra", taint, shape, False
        if method in C.HTTP_VERBS:
            if (receiver_kind or self._kind(receiver)) != "http":
                return None
            position = 1 if method == "request" else 0
            return "ssrf", f"{_dotted(receiver)}.{method}()", \
                self._pick(node, args, keywords, (position,), ("url",)), "", False
        if method == "from_string":
            if (receiver_kind or self._kind(receiver)) not in ("jinja", "jinja-noescape"):
                return None
            return "template", f"{_dotted(receiver)}.from_string()", \
                self._pick(node, args, keywords, (0,), ("source",)), "", False
        if method in C.PATH_METHODS or (method == "open" and (receiver_kind or self._kind(receiver)) == "fspath"):
            if not receiver_taint:
                return None
            return "path", f"Path.{method}()", receiver_taint, "", False
        if method in ("extractall", "extract"):
            if (receiver_kind or self._kind(receiver)) != "tar":
                return None
            for keyword in node.keywords:
                if keyword.arg == "filter" and _const_str(keyword.value) in ("data", "tar"):
                    return None
            return "archive", f"TarFile.{method}()", receiver_taint or self._e(receiver), "", False
        return None

    def _subprocess(self, node, qualname, args, keywords):
        shell = None
        for keyword in node.keywords:
            if keyword.arg == "shell":
                shell = keyword.value
        command = self._argument(node, 0, ("args",))
        if command is None:
            return None
        name = qualname
        if shell is not None and not (type(shell) is ast.Constant and not shell.value):
            return "command", f"{name}(shell=True)", self._pick(node, args, keywords, (0,), ("args",)), "", False
        if type(command) in (ast.List, ast.Tuple):
            elements = command.elts
            if len(elements) >= 3 and _const_str(elements[0]) in C.SHELLS and _const_str(elements[1]) in ("-c", "/c"):
                out = _EMPTY
                for element in elements[2:]:
                    out = union(out, self._e(element))
                return "command", f"{name}([shell, '-c', ...])", out, "", False
            return None
        return None  # no shell: the arguments reach the program as they are (argument injection at most)

    def _exec_shell(self, node, qualname, args):
        if len(node.args) >= 3 and _const_str(node.args[0]) in C.SHELLS and _const_str(node.args[1]) in ("-c", "/c"):
            out = _EMPTY
            for taint in args[2:]:
                out = union(out, taint)
            return "command", f"{qualname}(shell, '-c', ...)", out, "", False
        return None

    def _shape(self, query) -> str:
        """How a SQL string is made: constant, built from parts, or a variable."""
        if query is None:
            return "dynamic"
        kind = type(query)
        if kind is ast.Constant:
            return "parameterised" if _PLACEHOLDER.search(str(query.value)) else "constant"
        if kind is ast.Name:
            known = self.kinds.get(query.id)
            if known in ("sql-constant", "sql-built"):
                return known[4:]
            return "constant" if query.id not in self.locals else "dynamic"
        if kind in (ast.JoinedStr, ast.BinOp) or (
                kind is ast.Call and type(query.func) is ast.Attribute and query.func.attr in ("format", "join")):
            return "built" if self._has_locals(query) else "constant"
        return "dynamic"

    def _has_locals(self, node) -> bool:
        for child in ast.walk(node):
            if type(child) is ast.Name and child.id in self.locals:
                return True
        return False


_STATEMENTS = {
    ast.Expr: _Analyzer._s_expr,
    ast.Assign: _Analyzer._s_assign,
    ast.AnnAssign: _Analyzer._s_annassign,
    ast.AugAssign: _Analyzer._s_augassign,
    ast.Return: _Analyzer._s_return,
    ast.Raise: _Analyzer._s_raise,
    ast.Break: _Analyzer._s_stop,
    ast.Continue: _Analyzer._s_stop,
    ast.If: _Analyzer._s_if,
    ast.For: _Analyzer._s_for,
    ast.AsyncFor: _Analyzer._s_for,
    ast.While: _Analyzer._s_while,
    ast.With: _Analyzer._s_with,
    ast.AsyncWith: _Analyzer._s_with,
    ast.Try: _Analyzer._s_try,
    ast.Match: _Analyzer._s_match,
    ast.Assert: _Analyzer._s_assert,
    ast.Delete: _Analyzer._s_delete,
    ast.Import: _Analyzer._s_import,
    ast.ImportFrom: _Analyzer._s_import,
}
if hasattr(ast, "TryStar"):
    _STATEMENTS[ast.TryStar] = _Analyzer._s_try

_EXPRESSIONS = {
    ast.Name: _Analyzer._e_name,
    ast.Attribute: _Analyzer._e_attribute,
    ast.Subscript: _Analyzer._e_subscript,
    ast.Call: _Analyzer._e_call,
    ast.JoinedStr: _Analyzer._e_joinedstr,
    ast.FormattedValue: _Analyzer._e_formatted,
    ast.BinOp: _Analyzer._e_binop,
    ast.BoolOp: _Analyzer._e_boolop,
    ast.UnaryOp: _Analyzer._e_unary,
    ast.Compare: _Analyzer._e_compare,
    ast.IfExp: _Analyzer._e_ifexp,
    ast.List: _Analyzer._e_sequence,
    ast.Tuple: _Analyzer._e_sequence,
    ast.Set: _Analyzer._e_sequence,
    ast.Dict: _Analyzer._e_dict,
    ast.ListComp: _Analyzer._e_comprehension,
    ast.SetComp: _Analyzer._e_comprehension,
    ast.GeneratorExp: _Analyzer._e_comprehension,
    ast.DictComp: _Analyzer._e_comprehension,
    ast.Await: _Analyzer._e_await,
    ast.Yield: _Analyzer._e_yield,
    ast.YieldFrom: _Analyzer._e_yield,
    ast.Starred: _Analyzer._e_starred,
    ast.NamedExpr: _Analyzer._e_namedexpr,
}


def summarize_function(ctx: ModuleContext, node, qualname: str, class_qualname: str | None) -> FunctionFlow | None:
    """The flow summary of one function (``None`` when nothing in it can matter)."""
    try:
        return _Analyzer(ctx, node, qualname, class_qualname).run()
    except (RecursionError, ValueError, TypeError, AttributeError, KeyError, IndexError):
        return None  # odd code (deep nesting, unusual AST shapes) loses this function's summary, not the scan


# --- which functions the worker summarises -----------------------------------------------

_DATA_READS = frozenset({"GET", "POST", "FILES", "body", "data", "query_params", "COOKIES", "META", "headers",
                         "REQUEST", "raw_post_data"})
_OWN_READS = ("query_params", "path_params", "headers", "cookies", "meta")
_VIEW_PACKAGES = ("django.views", "rest_framework.", "starlette.endpoints", "ninja")


def _django_readers(facts) -> set[str] | None:
    """Functions the Django model saw reading request data (``None``: the module is not Django code)."""
    django = facts.django
    views = getattr(django, "views", None) if django is not None else None
    if views is None:
        return None
    found = set()
    for view in views:
        reads = getattr(view, "reads", None)
        if reads and not _DATA_READS.isdisjoint(reads):
            found.add(getattr(view, "qualname", ""))
    return found


def _view_classes(facts) -> set[str]:
    """Class-based views: their helper methods read ``self.request`` where the Django model does not look."""
    found = set()
    for cls in facts.module_facts.classes:
        for base in cls.bases:
            if base.startswith(_VIEW_PACKAGES) or base.rsplit(".", 1)[-1].endswith(("View", "ViewSet")):
                found.add(cls.qualname)
                break
    return found


def _is_candidate(function, handlers: set, readers: set | None, views: set, imports) -> bool:
    if function.qualname in handlers or (function.class_name and function.class_name in views):
        return True
    if function.class_name and function.name in C.CBV_REDIRECT_METHODS:
        return True  # a mixin's get_success_url(): whether its class is a view is known when linking
    if readers is not None and function.qualname in readers:
        return True
    for param in function.params:
        name = param.name
        if param.marker in C.SOURCE_MARKERS or name in C.WEBSOCKET_PARAM_NAMES:
            return True
        if readers is None and (name in C.REQUEST_PARAM_NAMES or param.annotation in C.REQUEST_TYPES):
            return True  # outside Django modules (FastAPI, Starlette, Flask) a request parameter is rare enough
    if function.reads and not function.reads.isdisjoint(_OWN_READS):
        return True
    calls = function.calls
    if not calls.isdisjoint(C.SINK_FUNCTIONS):
        return True
    for call in calls:
        if call.startswith(C.SINK_PREFIXES):
            return True
    methods = function.method_calls
    if not methods.isdisjoint(C.SINK_METHODS):
        return True
    if not methods.isdisjoint(C.HTTP_VERBS) and imports("httpx", "requests", "aiohttp", "urllib3"):
        return True
    return not methods.isdisjoint(C.TEMPLATE_RENDER) and imports("jinja2")


def _functions_at(body: list, prefix: str, lines: set, cls: str | None = None):
    """``(qualname, node, class)`` of the functions defined at ``lines``, descending only where they are."""
    for stmt in body:
        kind = type(stmt)
        if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            if stmt.lineno in lines:
                yield f"{prefix}.{stmt.name}", stmt, cls
            if _contains(stmt, lines):
                yield from _functions_at(stmt.body, f"{prefix}.{stmt.name}.<locals>", lines)
        elif kind is ast.ClassDef:
            if _contains(stmt, lines):
                qualname = f"{prefix}.{stmt.name}"
                for item in stmt.body:
                    if type(item) in (ast.FunctionDef, ast.AsyncFunctionDef):
                        if item.lineno in lines:
                            yield f"{qualname}.{item.name}", item, qualname
                        if _contains(item, lines):
                            yield from _functions_at(item.body, f"{qualname}.{item.name}.<locals>", lines)
        elif kind in (ast.If, ast.Try, ast.With, ast.AsyncWith, ast.For, ast.While) and _contains(stmt, lines):
            for block in (stmt.body, getattr(stmt, "orelse", ()), getattr(stmt, "finalbody", ())):
                yield from _functions_at(block, prefix, lines, cls)
            for handler in getattr(stmt, "handlers", ()):
                yield from _functions_at(handler.body, prefix, lines, cls)


def _contains(stmt, lines: set) -> bool:
    start, end = stmt.lineno, stmt.end_lineno or stmt.lineno
    for line in lines:
        if start < line <= end:
            return True
    return False


def summarize_module(tree: ast.Module, facts) -> FlowFacts | None:
    """Summaries of the functions of one module that read requests, call sinks or handle routes."""
    module_facts = facts.module_facts
    if module_facts is None or facts.names is None or not module_facts.functions:
        return None
    handlers = {route.handler for route in facts.fastapi.routes} if facts.fastapi else set()
    readers = _django_readers(facts)
    views = _view_classes(facts) if module_facts.classes else set()
    wanted = {f.qualname: f.location.line for f in module_facts.functions
              if _is_candidate(f, handlers, readers, views, facts.imports_any)}
    if not wanted:
        return None
    ctx = ModuleContext(tree, facts)
    functions = []
    for qualname, node, class_qualname in _functions_at(tree.body, facts.module, set(wanted.values())):
        if qualname in wanted:
            flow = summarize_function(ctx, node, qualname, class_qualname)
            if flow is not None:
                functions.append(flow)
    sites = tuple((sink.kind, sink.shape, sink.line) for flow in functions for sink in flow.sinks if not sink.owner)
    if not functions:
        return None
    return FlowFacts(tuple(functions), sites)
