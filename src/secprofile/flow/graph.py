"""The link step of the flow engine: per-function summaries joined across modules.

Built once per scan through ``project.derived("flow", FlowGraph)``. From every *entry* —
a request read inside a function, a FastAPI handler parameter (or a value a ``Depends``
returns when it derives from one), a Django URL argument once the Django model exposes
views — data is followed forward:

- to the sinks of the same function;
- into callees, through the ``CallSite`` arguments that carry it (a helper in ``db.py``
  called from a route in ``api.py``), transitively, with a depth bound and memoisation;
- out of helpers through their return values (``("r", index)`` labels), where a callee's
  parameter flows to its return (``build_query(term)``) or a helper returns request data
  (``get_search_term(request)``).

Helpers the worker did not summarise (they neither read requests nor call sinks) are
summarised here on demand from their parsed file. One :class:`TaintFinding` per sink.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterator

from secprofile.flow import catalog as C
from secprofile.flow.analyze import ModuleContext, summarize_function
from secprofile.flow.model import WEAK, FlowFacts, FunctionFlow, SinkSite
from secprofile.model.module import iter_functions
from secprofile.source.names import module_name_for

MAX_DEPTH = 8
_NOSAN: frozenset = frozenset()


@dataclass(frozen=True)
class Origin:
    """Where tainted data enters: a handler parameter or a request read."""

    description: str  # "query parameter 'q'"
    kind: str  # query, path, form, body, header, cookie, file, websocket
    path: str
    line: int
    column: int
    function: str  # qualified name of the function it enters


@dataclass(frozen=True)
class Hop:
    path: str
    line: int
    column: int
    text: str


@dataclass(frozen=True)
class TaintFinding:
    sink: SinkSite
    function: FunctionFlow  # the function holding the sink
    origin: Origin
    hops: tuple[Hop, ...]  # from the source to the sink
    via: tuple[str, ...]  # functions the data passed through before the sink's: "search() in app/api.py:12"
    weak: bool  # a heuristic step on the way: report at medium confidence
    others: int = 0  # further sources reaching the same sink


@dataclass(frozen=True)
class _Reach:
    sink: SinkSite
    function: FunctionFlow
    sanitized: frozenset
    hops: tuple[Hop, ...]
    via: tuple[str, ...]
    field: str


def display(flow: FunctionFlow) -> str:
    """``ProductRepo.search`` for a method, ``search`` for a function (without the module)."""
    module = module_name_for(flow.path)[0]
    if flow.qualname.startswith(module + "."):
        return flow.qualname[len(module) + 1:].replace(".<locals>", "")
    return flow.name


def _hops(function: FunctionFlow, steps) -> tuple[Hop, ...]:
    return tuple(Hop(function.path, s.line, s.column, s.text) for s in steps)


def _match(label: tuple, carried: dict):
    found = carried.get(label)
    if found is not None:
        return found
    if label[0] == "p" and label[2]:
        base = carried.get(("p", label[1], ""))
        if base is not None:
            return base[0], base[1], base[2] or label[2]
    return None


class FlowGraph:
    """Source-to-sink reachability over the project's flow summaries."""

    def __init__(self, project):
        self.project = project
        self.flows: dict[str, FunctionFlow] = {}
        for facts in project.python_files():
            if isinstance(facts.flow, FlowFacts):
                for flow in facts.flow.functions:
                    self.flows.setdefault(flow.qualname, flow)
        self._lazy: dict[str, FunctionFlow | None] = {}
        self._contexts: dict[str, tuple[ModuleContext, dict] | None] = {}
        self._callees: dict[tuple, tuple] = {}
        self._carried: dict[tuple, dict] = {}
        self._reaches: dict[tuple, tuple[_Reach, ...]] = {}
        self._returns: dict[tuple, tuple] = {}
        self._reverse: dict[str, list] | None = None
        self._by_name: dict[str, list] | None = None
        self._findings: tuple[TaintFinding, ...] | None = None
        self._views: frozenset[str] | None = None

    # -- summaries, from the worker or on demand
    def flow_of(self, function) -> FunctionFlow | None:
        qualname = function.qualname
        found = self.flows.get(qualname)
        if found is not None:
            return found
        if qualname not in self._lazy:
            self._lazy[qualname] = None  # guards against re-entry
            self._lazy[qualname] = self._summarize(function)
        return self._lazy[qualname]

    def _summarize(self, function) -> FunctionFlow | None:
        path = function.location.path
        if path not in self._contexts:
            facts = self.project.files.get(path)
            tree = self.project.tree(path) if facts is not None and facts.names is not None else None
            if tree is None:
                self._contexts[path] = None
            else:
                index = {q: (node, cls) for q, node, cls in iter_functions(tree.body, facts.module)}
                self._contexts[path] = (ModuleContext(tree, facts), index)
        entry = self._contexts[path]
        if entry is None:
            return None
        context, index = entry
        found = index.get(function.qualname)
        if found is None:
            return None
        return summarize_function(context, found[0], function.qualname, found[1])

    # -- calls
    def _callee(self, call) -> tuple:
        """The callee's FunctionFacts and how many leading parameters the call does not pass."""
        key = (call.callee, call.bound)
        if key in self._callees:
            return self._callees[key]
        project = self.project
        canonical = project.names.canonical(call.callee) or call.callee
        function = project.functions.get(canonical)
        bound = call.bound
        if function is None:
            head, _, method = canonical.rpartition(".")
            cls = project.classes.get(head)
            if cls is None:
                variable = project.variables.get(head)
                if variable is not None and variable.call:
                    cls = project.classes.get(project.names.canonical(variable.call) or variable.call)
                    bound = True
            if cls is not None and method:
                function = self._method(cls, method, 0)
        result: tuple = (None, 0)
        if function is not None:
            decorators = function.decorators
            shift = 0
            if bound and "builtins.staticmethod" not in decorators:
                shift = 1
            elif not bound and function.class_name and "builtins.classmethod" in decorators:
                shift = 1
            result = (function, shift)
        self._callees[key] = result
        return result

    def _method(self, cls, method: str, depth: int):
        function = self.project.functions.get(f"{cls.qualname}.{method}")
        if function is not None or depth > 4:
            return function
        for base in cls.bases:
            parent = self.project.classes.get(self.project.names.canonical(base) or base)
            if parent is not None and parent.qualname != cls.qualname:
                found = self._method(parent, method, depth + 1)
                if found is not None:
                    return found
        return None

    def _target(self, call, position) -> tuple[FunctionFlow, str] | None:
        function, shift = self._callee(call)
        if function is None:
            return None
        params = function.params
        if isinstance(position, int):
            index = position + shift
            if index >= len(params):
                return None
            name = params[index].name
        else:
            if not any(p.name == position for p in params):
                return None
            name = position
        flow = self.flow_of(function)
        return (flow, name) if flow is not None else None

    def _callers(self, qualname: str) -> list:
        """``(caller flow, call site)`` for every call of ``qualname``: summarised callers first, then the
        project's other functions that name it (summarised on demand)."""
        if self._reverse is None:
            reverse: dict[str, list] = {}
            for flow in list(self.flows.values()):
                for call in flow.calls:
                    function, _ = self._callee(call)
                    if function is not None:
                        reverse.setdefault(function.qualname, []).append((flow, call))
            self._reverse = reverse
        key = "more:" + qualname
        if key not in self._reverse:
            self._reverse[key] = self._unsummarised_callers(qualname)
        return self._reverse.get(qualname, []) + self._reverse[key]

    def _unsummarised_callers(self, qualname: str) -> list:
        target = self.project.functions.get(qualname)
        if target is None:
            return []
        name, owner = target.name, target.class_name
        if self._by_name is None:
            by_name: dict[str, list] = {}
            for function in self.project.functions.values():
                if function.qualname in self.flows:
                    continue
                names = {c.rsplit(".", 1)[-1] for c in function.calls}
                if function.class_name:
                    names.update(function.method_calls)
                for called in names:
                    by_name.setdefault(called, []).append(function)
            self._by_name = by_name
        canonical = self.project.names.canonical
        found = []
        for function in self._by_name.get(name, ()):
            if function.qualname == qualname:
                continue
            named = any(c.rsplit(".", 1)[-1] == name and (canonical(c) or c) == qualname for c in function.calls)
            if not named and not (owner and function.class_name == owner and name in function.method_calls):
                continue
            flow = self.flow_of(function)
            if flow is None:
                continue
            for call in flow.calls:
                callee, _ = self._callee(call)
                if callee is target:
                    found.append((flow, call))
        return found

    # -- propagation
    def carried(self, flow: FunctionFlow, label: tuple, depth: int) -> dict:
        """Labels of ``flow`` that carry ``label``: itself, and results of calls that return it."""
        key = (flow.qualname, label)
        found = self._carried.get(key)
        if found is not None:
            return found
        carried = {label: (_NOSAN, (), "")}
        self._carried[key] = carried
        if depth > MAX_DEPTH or not flow.calls:
            return carried
        changed = True
        rounds = 0
        while changed and rounds < 4:
            changed = False
            rounds += 1
            for call in flow.calls:
                result = ("r", call.index, "")
                if result in carried:
                    continue
                for position, taints in call.args:
                    for taint in taints:
                        came = _match(taint.label, carried)
                        if came is None:
                            continue
                        target = self._target(call, position)
                        if target is None:
                            continue
                        returned = self.returns(target[0], ("p", target[1], ""), depth + 1)
                        if returned:
                            sanitized, hops = returned[0]
                            carried[result] = (came[0] | taint.sanitized | sanitized,
                                               came[1] + _hops(flow, taint.steps) + hops, came[2])
                            changed = True
                            break
                    if result in carried:
                        break
        return carried

    def returns(self, flow: FunctionFlow, label: tuple, depth: int) -> tuple:
        """How ``label`` reaches the return value of ``flow``: ``((sanitized, hops), ...)``, least sanitised first."""
        key = (flow.qualname, label)
        found = self._returns.get(key)
        if found is not None:
            return found
        self._returns[key] = ()
        if depth > MAX_DEPTH or not flow.returns:
            return ()
        carried = self.carried(flow, label, depth)
        results = []
        for taint in flow.returns:
            came = _match(taint.label, carried)
            if came is not None:
                results.append((came[0] | taint.sanitized, came[1] + _hops(flow, taint.steps)))
        results.sort(key=lambda r: (len(r[0]), len(r[1])))
        found = tuple(results[:3])
        self._returns[key] = found
        return found

    def reaches(self, flow: FunctionFlow, label: tuple, depth: int = 0) -> tuple[_Reach, ...]:
        """Every sink ``label`` reaches from ``flow``, with the path and what sanitised it on the way."""
        key = (flow.qualname, label)
        found = self._reaches.get(key)
        if found is not None:
            return found
        self._reaches[key] = ()
        if depth > MAX_DEPTH:
            return ()
        carried = self.carried(flow, label, depth)
        results: list[_Reach] = []
        for sink in flow.sinks:
            if sink.owner and not self.is_view_class(sink.owner):
                continue
            for taint in sink.taints:
                came = _match(taint.label, carried)
                if came is not None:
                    hops = came[1] + _hops(flow, taint.steps) + (
                        Hop(flow.path, sink.line, sink.column, f"reaches {sink.name}"),)
                    results.append(_Reach(sink, flow, came[0] | taint.sanitized, hops, (), came[2]))
        for call in flow.calls:
            for position, taints in call.args:
                for taint in taints:
                    came = _match(taint.label, carried)
                    if came is None:
                        continue
                    target = self._target(call, position)
                    if target is None:
                        continue
                    callee, name = target
                    here = f"{display(flow)}() in {flow.path}:{call.line}"
                    for reach in self.reaches(callee, ("p", name, ""), depth + 1):
                        results.append(_Reach(reach.sink, reach.function,
                                              reach.sanitized | came[0] | taint.sanitized,
                                              came[1] + _hops(flow, taint.steps) + reach.hops,
                                              (here,) + reach.via, came[2] or reach.field))
        if label[0] != "p" and flow.returns:
            # A view's get_success_url() returning request data is reported there; the redirect Django (or the
            # view's own form_valid) makes of it is the same finding.
            redirects = not any(s.returned and s.kind == "redirect" and (not s.owner or self.is_view_class(s.owner))
                                for s in flow.sinks)
            for taint in flow.returns:
                came = _match(taint.label, carried)
                if came is None:
                    continue
                line = taint.steps[-1].line if taint.steps else flow.line
                here = f"{display(flow)}() in {flow.path}:{line}"
                for caller, call in self._callers(flow.qualname):
                    for reach in self.reaches(caller, ("r", call.index, ""), depth + 1):
                        if not redirects and reach.sink.kind == "redirect":
                            continue
                        results.append(_Reach(reach.sink, reach.function,
                                              reach.sanitized | came[0] | taint.sanitized,
                                              came[1] + _hops(flow, taint.steps) + reach.hops,
                                              (here,) + reach.via, reach.field))
        found = _dedup(results)
        self._reaches[key] = found
        return found

    def is_view_class(self, qualname: str) -> bool:
        """A project class deriving from a Django view (through the project's classes), or a mixin of one."""
        if self._views is None:
            self._views = self._view_classes()
        return qualname in self._views

    def _view_classes(self) -> frozenset[str]:
        classes = self.project.classes
        canonical = self.project.names.canonical
        memo: dict[str, bool] = {}

        def bases(cls) -> list:
            found = []
            for base in cls.bases:
                parent = classes.get(canonical(base) or base)
                if parent is not None and parent.qualname != cls.qualname:
                    found.append(parent)
            return found

        def derives(cls, depth: int) -> bool:
            if cls.qualname in memo:
                return memo[cls.qualname]
            memo[cls.qualname] = False  # cycles
            result = any(b in C.DJANGO_VIEW_NAMES or b.startswith(C.DJANGO_VIEW_PREFIXES)
                         or (canonical(b) or "").startswith(C.DJANGO_VIEW_PREFIXES) for b in cls.bases)
            if not result and depth < 12:
                result = any(derives(parent, depth + 1) for parent in bases(cls))
            memo[cls.qualname] = result
            return result

        views = {qualname for qualname, cls in classes.items() if derives(cls, 0)}
        found = set(views)
        stack = [classes[q] for q in views if q in classes]
        while stack:  # the views' own bases and mixins: their get_success_url() is the view's
            for parent in bases(stack.pop()):
                if parent.qualname not in found:
                    found.add(parent.qualname)
                    stack.append(parent)
        return frozenset(found)

    # -- entries
    def findings(self) -> tuple[TaintFinding, ...]:
        if self._findings is None:
            self._findings = self._compute()
        return self._findings

    def _compute(self) -> tuple[TaintFinding, ...]:
        best: dict[tuple, list] = {}
        for flow in list(self.flows.values()):
            for index, source in enumerate(flow.sources):
                origin = Origin(source.description, source.kind, flow.path, source.line, source.column,
                                flow.qualname)
                start = (Hop(flow.path, source.line, source.column, f"{source.description} is read here"),)
                for reach in self.reaches(flow, ("s", index, "")):
                    self._offer(best, origin, reach, _NOSAN, start)
        for function, param, origins, model in self._parameter_entries():
            flow = self.flow_of(function)
            if flow is None:
                continue
            reaches = self.reaches(flow, ("p", param, ""))
            if not reaches:
                continue
            for reach in reaches:
                if model is not None and reach.field and self._safe_field(model, reach.field):
                    continue
                for origin, sanitized, hops in origins:
                    if reach.field and origin.function == function.qualname and origin.description.endswith("'"):
                        origin = replace(origin, description=f"{origin.description[:-1]}.{reach.field}'")
                    self._offer(best, origin, reach, sanitized, hops)
        findings = []
        for _, finding, seen in best.values():
            findings.append(TaintFinding(finding.sink, finding.function, finding.origin, finding.hops, finding.via,
                                         finding.weak, len(seen) - 1))
        findings.sort(key=lambda f: (f.function.path, f.sink.line, f.sink.column, f.sink.kind))
        return tuple(findings)

    @staticmethod
    def _offer(best: dict, origin: Origin, reach: _Reach, sanitized: frozenset, start: tuple) -> None:
        sanitized = sanitized | reach.sanitized
        sink = reach.sink
        if sink.kind in sanitized:
            return
        weak = WEAK in sanitized or sink.weak
        hops = start + reach.hops
        finding = TaintFinding(sink, reach.function, origin, hops, reach.via, weak)
        key = (reach.function.path, sink.line, sink.column, sink.kind)
        score = (weak, len(reach.via), len(hops))
        current = best.get(key)
        if current is None:
            best[key] = [score, finding, {origin.description}]
            return
        current[2].add(origin.description)
        if score < current[0]:
            current[0], current[1] = score, finding

    def _parameter_entries(self) -> Iterator[tuple]:
        """(function facts, parameter, origins, body model) for handler parameters that carry request data."""
        project = self.project
        if any(f.fastapi for f in project.python_files()):
            for route in project.fastapi.routes:
                function = route.handler
                if function is None:
                    continue
                path_params = fastapi_path_params(route.path or "")
                for param in function.params:
                    origins = self._param_origins(function, param, path_params, 0)
                    if origins:
                        yield function, param.name, origins, self._model_of(param)
        yield from self._django_entries()

    def _param_origins(self, function, param, path_params: dict, depth: int) -> list:
        """Where a handler (or dependency) parameter's value comes from, when it is request data."""
        marker = param.marker
        if marker in ("Depends", "Security"):
            return self._depends_origins(param.dependency, path_params, depth + 1)
        if param.name in ("self", "cls"):
            return []
        annotation = self.project.names.canonical(param.annotation) if param.annotation else None
        if annotation in C.FRAMEWORK_TYPES or param.name in C.REQUEST_PARAM_NAMES:
            return []
        if self._safe_type(param, annotation):
            return []
        sanitized = _NOSAN
        if param.name in path_params and marker in (None, "Path"):
            kind, noun = "path", "path parameter"
            sanitized = path_params[param.name]
        elif marker in C.SOURCE_MARKERS:
            kind, noun = C.SOURCE_MARKERS[marker]
        elif annotation and annotation.endswith("UploadFile"):
            kind, noun = "file", "uploaded file"
        elif annotation and (annotation in self.project.classes or annotation in ("builtins.dict", "typing.Dict")):
            kind, noun = "body", "request body"
        else:
            kind, noun = "query", "query parameter"
        location = function.location
        origin = Origin(f"{noun} '{param.name}'", kind, location.path, location.line, location.column,
                        function.qualname)
        hop = Hop(location.path, location.line, location.column, f"{noun} '{param.name}' of {function.name}()")
        return [(origin, sanitized, (hop,))]

    def _depends_origins(self, dependency: str | None, path_params: dict, depth: int) -> list:
        if not dependency or depth > 4 or dependency.endswith("()"):
            return []
        function = self.project.function(dependency)
        if function is None:
            return []
        flow = self.flow_of(function)
        if flow is None or not flow.returns:
            return []
        results = []
        for param in function.params:
            origins = self._param_origins(function, param, path_params, depth)
            if not origins:
                continue
            for sanitized, hops in self.returns(flow, ("p", param.name, ""), 0):
                for origin, before, start in origins:
                    results.append((origin, before | sanitized, start + hops))
        for index, source in enumerate(flow.sources):
            origin = Origin(source.description, source.kind, flow.path, source.line, source.column, flow.qualname)
            start = (Hop(flow.path, source.line, source.column, f"{source.description} is read here"),)
            for sanitized, hops in self.returns(flow, ("s", index, ""), 0):
                results.append((origin, sanitized, start + hops))
        return results

    def _safe_type(self, param, annotation: str | None) -> bool:
        if annotation in C.SAFE_TYPES or (param.annotation_text or "").startswith(("Literal[", "typing.Literal[")):
            return True
        if annotation:
            cls = self.project.classes.get(annotation)
            if cls is not None and any(b.startswith("enum.") or b.endswith(("Enum", "IntEnum")) for b in cls.bases):
                return True
            if annotation.startswith("enum."):
                return True
        return False

    def _model_of(self, param):
        if not param.annotation:
            return None
        return self.project.classes.get(self.project.names.canonical(param.annotation) or param.annotation)

    def _safe_field(self, cls, field: str, depth: int = 0) -> bool:
        for name, text in cls.annotations:
            if name == field:
                return bool(C.SAFE_FIELD_TEXT.match(text.strip())) or self._enum_text(cls, text)
        if depth < 3:
            for base in cls.bases:
                parent = self.project.classes.get(self.project.names.canonical(base) or base)
                if parent is not None and parent is not cls:
                    return self._safe_field(parent, field, depth + 1)
        return False

    def _enum_text(self, cls, text: str) -> bool:
        """A field annotated with an Enum class (``Optional[SortOrder]``, ``Status | None``)."""
        core = re.sub(r"^(?:typing\.)?Optional\[(.*)\]$", r"\1", text.strip())
        core = re.sub(r"\s*\|\s*None$|^None\s*\|\s*", "", core)
        if not re.fullmatch(r"[A-Za-z_][\w.]*", core):
            return False
        names = self.project.module_names(cls.location.path)
        head, _, rest = core.partition(".")
        bound = names.bindings.get(head) if names is not None else None
        if bound is None:
            return False
        qualname = self.project.names.canonical(f"{bound}.{rest}" if rest else bound) or bound
        enum = self.project.classes.get(qualname)
        return enum is not None and any(b.startswith("enum.") or b.endswith("Enum") for b in enum.bases)

    def _django_entries(self) -> Iterator[tuple]:
        """URL arguments of Django views (``<str:name>``, ``<path:p>``, ``(?P<name>.+)``) are request data."""
        project = self.project
        if not any(f.django for f in project.python_files()):
            return
        views = getattr(project.django, "views", None)
        if not isinstance(views, (list, tuple)):
            return
        for view in views:
            names: dict[str, frozenset] = {}
            for route in getattr(view, "routes", None) or ():
                for name, sanitized in url_arguments(getattr(route, "path", None) or ""):
                    names[name] = names[name] & sanitized if name in names else sanitized
            names = {name: sanitized for name, sanitized in names.items() if sanitized != C.ALL}
            if not names:
                continue
            for code in getattr(view, "code", None) or ():
                function = project.functions.get(getattr(code, "qualname", None) or "")
                if function is None:
                    continue
                location = function.location
                for param in function.params:
                    if param.name not in names:
                        continue
                    origin = Origin(f"URL parameter '{param.name}'", "path", location.path, location.line,
                                    location.column, function.qualname)
                    hop = Hop(location.path, location.line, location.column,
                              f"URL parameter '{param.name}' of {function.name}()")
                    yield function, param.name, [(origin, names[param.name], (hop,))], None


_SAFE_CONVERTERS = frozenset({"int", "slug", "uuid"})
_SAFE_PATTERN = re.compile(r"^(?:\\d|\\w|\[[-\\dwa-zA-Z0-9_]+\]|[-a-zA-Z0-9_])+[+*?]?(?:\{\d+(?:,\d*)?\})?$")
_SEGMENT_PATTERN = re.compile(r"^\[\^/[^\]]*\][+*]?$")
_NO_SLASH = frozenset({"path"})  # one URL segment cannot climb directories


def url_arguments(path: str) -> Iterator[tuple[str, frozenset]]:
    """``(name, sink classes it is safe for)`` for the arguments of a Django route.

    ``int``, ``slug`` and ``uuid`` converters and groups like ``\\d+`` or ``[-\\w]+`` carry no quotes,
    dots or slashes: safe for every sink. ``str`` (the default) and ``[^/]+`` hold one path segment:
    no traversal, but anything else. ``path`` and looser groups carry anything.
    """
    for converter, name in re.findall(r"(?<!\?P)<(?:(\w+):)?(\w+)>", path):
        converter = converter or "str"
        yield name, C.ALL if converter in _SAFE_CONVERTERS else _NO_SLASH if converter == "str" else _NOSAN
    for name, pattern in re.findall(r"\(\?P<(\w+)>((?:[^()\\]|\\.)*)\)", path):
        yield name, C.ALL if _SAFE_PATTERN.match(pattern) else _NO_SLASH if _SEGMENT_PATTERN.match(pattern) else _NOSAN


def fastapi_path_params(path: str) -> dict[str, frozenset]:
    """FastAPI/Starlette path parameters: ``{name}`` is one segment, ``{name:path}`` anything."""
    found = {}
    for name, converter in re.findall(r"\{([A-Za-z_]\w*)(?::(\w+))?\}", path):
        found[name] = _NOSAN if converter == "path" else C.ALL if converter in ("int", "float", "uuid") \
            else _NO_SLASH
    return found


def _dedup(results: list[_Reach]) -> tuple[_Reach, ...]:
    best: dict[tuple, _Reach] = {}
    for reach in results:
        sink = reach.sink
        key = (reach.function.path, sink.line, sink.column, sink.kind, sink.kind in reach.sanitized,
               WEAK in reach.sanitized, reach.field)
        current = best.get(key)
        if current is None or len(reach.hops) < len(current.hops):
            best[key] = reach
    return tuple(best.values())


def flow_graph(project) -> FlowGraph:
    """The scan's flow graph, built once and shared by every injection rule."""
    return project.derived("flow", FlowGraph)


def sink_sites(project) -> list[tuple[str, str, str, int]]:
    """Every sink site of the project: (path, kind, shape, line)."""
    found = []
    for facts in project.python_files():
        if isinstance(facts.flow, FlowFacts):
            found.extend((facts.relpath, kind, shape, line) for kind, shape, line in facts.flow.sites)
    return found
