"""Is an expression free of markup someone else controls? (private helper for SP403/SP404)

A small, intra-procedural judgement: literals, module constants, settings, escaped or
``format_html``-built values, rendered templates, numbers and translations are safe;
function parameters, attributes of objects, subscripts and anything built from them are
not. Local variables are judged by every value assigned or appended to them. Values
formatted as numbers (``{total:.2f}``, ``"%d" % n``) are safe, and so is whatever
``Markup(...)`` formats, ``%``-interpolates or joins (it escapes the arguments).

An optional *oracle* (``call(node, resolved, safety)``, ``attribute(node, safety)``, each
returning a :class:`Verdict` or ``None`` for "no opinion") lets a project-level rule add
what one file cannot show: a helper in another module that sanitises its result, a model
field declared as an integer.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from secprofile.model.values import Literal
from secprofile.rules.xss_flow._aggregates import all_numeric, sql_columns

SAFE_CALLS = frozenset({
    "django.utils.html.escape", "django.utils.html.conditional_escape", "django.utils.html.format_html",
    "django.utils.html.format_html_join", "django.utils.html.escapejs", "django.utils.html.json_script",
    "django.utils.html.avoid_wrapping", "django.utils.html.html_safe", "django.utils.safestring.mark_safe",
    "django.utils.safestring.SafeString", "django.utils.safestring.SafeText", "django.utils.html.mark_safe",
    "django.template.loader.render_to_string", "django.template.loader.get_template",
    "django.template.defaultfilters.escape", "django.template.defaultfilters.force_escape",
    "django.template.defaultfilters.escapejs_filter", "django.urls.reverse", "django.urls.reverse_lazy",
    "django.templatetags.static.static", "django.contrib.staticfiles.storage.staticfiles_storage.url",
    "html.escape", "markupsafe.escape", "markupsafe.Markup.escape", "jinja2.escape", "bleach.clean",
    "bleach.linkify", "nh3.clean", "django.utils.timezone.now", "django.utils.formats.date_format",
    "django.utils.formats.number_format", "django.utils.http.urlencode", "urllib.parse.quote",
    "urllib.parse.urlencode", "urllib.parse.quote_plus", "django.utils.encoding.iri_to_uri",
    "django.utils.text.slugify", "uuid.uuid4", "django.forms.utils.flatatt",
    "markupsafe.Markup", "jinja2.Markup", "jinja2.utils.Markup", "flask.Markup", "markupsafe.escape_silent",
    "flask.escape", "werkzeug.utils.escape", "xml.sax.saxutils.escape", "cgi.escape",
    "flask.render_template", "flask.templating.render_template",
})
# ``Markup`` escapes what it formats, %-interpolates or joins: Markup("<b>{}</b>").format(x).
MARKUP_CLASSES = frozenset({"markupsafe.Markup", "jinja2.Markup", "jinja2.utils.Markup", "flask.Markup"})
ESCAPING_MARKUP_METHODS = frozenset({"format", "format_map", "join"})
# A format spec only numbers and dates accept (a str raises on ".2f", "d", "%Y-%m-%d").
NUMERIC_SPEC = re.compile(r"(?:[bdeEfFgGnoxX%]|%.*)$")
PERCENT_CONVERSION = re.compile(r"%(?:\(([^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
# Unknown helpers that turn raw input into markup: their result is as dangerous as their input.
MARKUP_PRODUCERS = ("markdown", "json", "dumps", "textile", "rst", "docutils", "publish", "commonmark", "mistune")
# (sorted/min/max/enumerate/zip return their arguments' items: judged by the arguments.)
SAFE_BUILTINS = frozenset({"int", "len", "float", "bool", "round", "abs", "sum", "hex", "ord", "range", "id",
                           "hash"})
SAFE_TAILS = frozenset({"gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
                        "ugettext", "ugettext_lazy", "_", "escape", "conditional_escape", "format_html",
                        "format_html_join", "render_to_string", "mark_safe", "json_script", "clean", "sanitize",
                        "sanitize_html", "clean_html", "escape_html", "html_escape", "bleach_clean", "static",
                        "reverse"})
# Methods whose result is escaped or built from safe parts (forms and widgets render through templates).
SAFE_METHODS = frozenset({"render", "as_p", "as_table", "as_ul", "as_div", "as_widget", "as_text", "label_tag",
                          "as_hidden", "render_to_string", "isoformat", "strftime", "count", "index", "find"})
# DB-API/asyncpg/SQLAlchemy results: rows someone stored (numbers only when the query computes them).
FETCH_METHODS = frozenset({"fetchone", "fetchall", "fetchmany", "fetchval", "fetchrow", "fetch", "fetch_one",
                           "fetch_all", "fetch_val", "scalar", "scalar_one", "scalar_one_or_none"})
STRING_METHODS = frozenset({"strip", "lstrip", "rstrip", "upper", "lower", "title", "capitalize", "join", "format",
                            "replace", "center", "ljust", "rjust", "zfill", "encode", "decode", "removeprefix",
                            "removesuffix", "casefold", "swapcase", "expandtabs"})


@dataclass(frozen=True)
class Verdict:
    safe: bool
    reason: str = ""  # the unsafe part, for messages
    strong: bool = False  # the unsafe part is a parameter, request data or an object's attribute


SAFE = Verdict(True)


class Safety:
    def __init__(self, ctx, function: ast.AST | None, oracle=None):
        self.ctx = ctx
        self.function = function
        self.oracle = oracle
        self.params: set[str] = set()
        self.assigned: dict[str, list[ast.AST]] = {}
        self.loop_vars: dict[str, ast.AST] = {}
        if function is not None and isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = function.args
            for arg in args.posonlyargs + args.args + args.kwonlyargs:
                self.params.add(arg.arg)
            for arg in (args.vararg, args.kwarg):
                if arg is not None:
                    self.params.add(arg.arg)
            self._collect(function)

    def _collect(self, function: ast.AST) -> None:
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    for name in _names(target):
                        self.assigned.setdefault(name, []).append(node.value if isinstance(target, ast.Name)
                                                                  else ast.Name(id="__unknown__"))
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name) \
                    and node.value is not None:
                self.assigned.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                self._loop_target(node.target, node.iter, 0)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    isinstance(node.func.value, ast.Name) and node.func.attr in ("append", "extend", "insert"):
                values = node.args[1:] if node.func.attr == "insert" else node.args
                for value in values:
                    item = value if node.func.attr != "extend" else value
                    self.assigned.setdefault(node.func.value.id, []).append(item)
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        for name in _names(item.optional_vars):
                            self.assigned.setdefault(name, []).append(ast.Name(id="__unknown__"))

    def _loop_target(self, target: ast.AST, iterable: ast.AST, depth: int) -> None:
        """``for i, tag in enumerate(tags)``: ``i`` counts, ``tag`` iterates ``tags``; ``zip`` pairs up."""
        elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else None
        if elements and depth < 4 and isinstance(iterable, ast.Call) and \
                not any(isinstance(a, ast.Starred) for a in iterable.args) and \
                not any(isinstance(e, ast.Starred) for e in elements):
            resolved = self.ctx.resolve(iterable.func)
            if resolved == "builtins.enumerate" and len(elements) == 2 and iterable.args:
                for name in _names(elements[0]):
                    self.loop_vars[name] = ast.Constant(0)
                self._loop_target(elements[1], iterable.args[0], depth + 1)
                return
            if resolved == "builtins.zip" and len(elements) == len(iterable.args):
                for element, argument in zip(elements, iterable.args):
                    self._loop_target(element, argument, depth + 1)
                return
        for name in _names(target):
            self.loop_vars[name] = iterable

    def judge(self, node: ast.AST | None, depth: int = 0, visiting: frozenset[str] = frozenset()) -> Verdict:
        if node is None or depth > 12:
            return SAFE if node is None else Verdict(False, "a deeply nested expression")
        if isinstance(node, ast.Constant):
            return SAFE
        if isinstance(node, ast.JoinedStr):
            return self._all([v.value for v in node.values
                              if isinstance(v, ast.FormattedValue) and not numeric_format(v)], depth, visiting)
        if isinstance(node, ast.FormattedValue):
            return SAFE if numeric_format(node) else self.judge(node.value, depth + 1, visiting)
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Mod):
                if self._is_markup(node.left):
                    return SAFE  # Markup("<b>%s</b>") % value escapes the value
                if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
                    return self._all(percent_operands(node.left.value, node.right), depth, visiting)
            if isinstance(node.op, ast.Add) and any(self._is_markup(o) for o in _added(node)):
                return SAFE  # Markup("<p>") + value (or value + Markup(...)) escapes the str operands
            if isinstance(node.op, ast.Mult):  # "&nbsp;" * depth: a count cannot inject markup
                left, right = self.judge(node.left, depth + 1, visiting), self.judge(node.right, depth + 1, visiting)
                return SAFE if left.safe or right.safe else left
            return self._all([node.left, node.right], depth, visiting)
        if isinstance(node, ast.BoolOp):
            return self._all(node.values, depth, visiting)
        if isinstance(node, ast.IfExp):
            return self._all([node.body, node.orelse], depth, visiting)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return self._all([e.value if isinstance(e, ast.Starred) else e for e in node.elts], depth, visiting)
        if isinstance(node, ast.Dict):
            return self._all([v for v in node.values], depth, visiting)
        if isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return self._comprehension(node, depth, visiting)
        if isinstance(node, (ast.Compare, ast.UnaryOp)):
            return SAFE  # booleans and numbers
        if isinstance(node, ast.Name):
            return self._name(node, depth, visiting)
        if isinstance(node, ast.Attribute):
            return self._attribute(node, depth, visiting)
        if isinstance(node, ast.Subscript):
            base = self.judge(node.value, depth + 1, visiting)
            if base.safe:
                return SAFE  # an element of a literal table
            return Verdict(False, _text(node), strong=base.strong or _is_request_data(node))
        if isinstance(node, ast.Call):
            return self._call(node, depth, visiting)
        if isinstance(node, ast.Await):
            return self.judge(node.value, depth + 1, visiting)
        if isinstance(node, ast.NamedExpr):
            return self.judge(node.value, depth + 1, visiting)
        return Verdict(False, _text(node))

    def _all(self, nodes, depth, visiting) -> Verdict:
        for node in nodes:
            verdict = self.judge(node, depth + 1, visiting)
            if not verdict.safe:
                return verdict
        return SAFE

    def _comprehension(self, node, depth, visiting) -> Verdict:
        return self.judge(node.elt, depth + 1, visiting)

    def _name(self, node: ast.Name, depth, visiting) -> Verdict:
        name = node.id
        if name == "__unknown__":
            return Verdict(False, "a value unpacked from elsewhere")
        if name in visiting:
            return SAFE  # a cycle: judged by its other assignments
        if name in self.assigned:
            values = self.assigned[name]
            for value in values:
                verdict = self.judge(value, depth + 1, visiting | {name})
                if not verdict.safe:
                    return Verdict(False, verdict.reason if verdict.reason != "" else name, verdict.strong)
            if name in self.loop_vars:
                return self._loop(name, depth, visiting)
            return SAFE
        if name in self.loop_vars:
            return self._loop(name, depth, visiting)
        if name in self.params:
            return Verdict(False, name, strong=True)
        return self._global(node)

    def _loop(self, name, depth, visiting) -> Verdict:
        iterable = self.loop_vars[name]
        verdict = self.judge(iterable, depth + 1, visiting | {name})
        return SAFE if verdict.safe else Verdict(False, name, strong=verdict.strong)

    def _global(self, node: ast.AST) -> Verdict:
        resolved = self.ctx.resolve(node)
        if resolved is None:
            return Verdict(False, _text(node))
        if resolved.startswith(("django.conf.settings", "builtins.")):
            return SAFE
        facts = self.ctx.facts.module_facts if self.ctx.facts is not None else None
        if facts is not None:
            for variable in facts.variables:
                if variable.qualname == resolved:
                    value = variable.value
                    if isinstance(value, Literal):
                        return SAFE
                    if variable.call and _call_is_safe(variable.call):
                        return SAFE
                    return Verdict(False, _text(node))
        tail = resolved.rsplit(".", 1)[-1]
        if tail.isupper():
            return SAFE  # an imported constant (ICON_HTML)
        return Verdict(False, _text(node))

    def _attribute(self, node: ast.Attribute, depth, visiting) -> Verdict:
        if node.attr.isupper():
            return SAFE  # self.ICON, SomeClass.TEMPLATE, constants.BADGE: a constant
        if self.oracle is not None:
            found = self.oracle.attribute(node, self)
            if found is not None:
                return found
        root = node
        while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
            root = root.func if isinstance(root, ast.Call) else root.value
        local = isinstance(root, ast.Name) and (
            root.id in self.params or root.id in self.assigned or root.id in self.loop_vars
            or root.id in ("self", "cls"))
        if not local and self.ctx.resolve(node) is not None:
            return self._global(node)
        strong = (_rooted_in(node, self.params) and not (isinstance(root, ast.Name) and root.id in ("self", "cls"))) \
            or _is_request_data(node) or (isinstance(root, ast.Name) and root.id in self.loop_vars)
        return Verdict(False, _text(node), strong=strong)

    def _numeric_query(self, node: ast.Call) -> bool:
        """``conn.execute("SELECT COUNT(*) ...").fetchone()``, or a cursor whose every ``execute`` selects
        numbers only: the rows hold no stored text."""
        func = node.func
        statements: list[ast.AST] = []
        if node.args and func.attr in ("fetchval", "fetchrow", "fetch", "fetch_one", "fetch_all", "fetch_val"):
            statements.append(node.args[0])  # asyncpg: conn.fetchval("SELECT count(*) ...")
        else:
            receiver = func.value
            if isinstance(receiver, ast.Await):
                receiver = receiver.value
            if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and \
                    receiver.func.attr in ("execute", "exec_driver_sql") and receiver.args:
                statements.append(receiver.args[0])
            elif isinstance(receiver, ast.Name) and self.function is not None:
                for inner in ast.walk(self.function):
                    if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and \
                            inner.func.attr == "execute" and isinstance(inner.func.value, ast.Name) and \
                            inner.func.value.id == receiver.id and inner.args:
                        statements.append(inner.args[0])
        if not statements:
            return False
        for statement in statements:
            if isinstance(statement, ast.Name) and len(self.assigned.get(statement.id, ())) == 1:
                statement = self.assigned[statement.id][0]
            if isinstance(statement, ast.Call) and statement.args and \
                    (self.ctx.resolve(statement.func) or "").endswith(".text"):
                statement = statement.args[0]  # sqlalchemy.text("SELECT ...")
            if isinstance(statement, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else " x " for v in statement.values)
            elif isinstance(statement, ast.Constant) and isinstance(statement.value, str):
                text = statement.value
            else:
                return False
            if not all_numeric(sql_columns(text)):
                return False
        return True

    def _is_markup(self, node: ast.AST) -> bool:
        """``Markup(...)`` (or an escape() result, also a Markup): formatting it escapes the arguments."""
        if not isinstance(node, ast.Call):
            return False
        resolved = self.ctx.resolve(node.func) or ""
        return resolved in MARKUP_CLASSES or resolved in ("markupsafe.escape", "markupsafe.Markup.escape")

    def _call(self, node: ast.Call, depth, visiting) -> Verdict:
        resolved = self.ctx.resolve(node.func)
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ESCAPING_MARKUP_METHODS and self._is_markup(func.value):
            return SAFE
        if self.oracle is not None:
            found = self.oracle.call(node, resolved, self)
            if found is not None:
                return found
        if resolved is not None:
            if _call_is_safe(resolved):
                return SAFE
            if resolved.startswith("builtins."):
                tail = resolved.rsplit(".", 1)[-1]
                if tail in SAFE_BUILTINS:
                    return SAFE
                if tail == "str":
                    return self._all(node.args, depth, visiting)
        if isinstance(func, ast.Attribute):
            if func.attr in SAFE_METHODS or func.attr.startswith("render"):
                return SAFE
            if func.attr in FETCH_METHODS and not self._numeric_query(node):
                return Verdict(False, _text(node))
            if func.attr == "translate" and node.args and self._global(node.args[0]).safe:
                return SAFE  # str.translate with an escaping table
            receiver = self.judge(func.value, depth + 1, visiting)
            if func.attr in STRING_METHODS:
                if not receiver.safe:
                    return receiver
                return self._all(list(node.args) + [k.value for k in node.keywords], depth, visiting)
            if func.attr in ("get", "getlist", "pop") and _is_request_data(func.value):
                return Verdict(False, _text(node), strong=True)
        args = list(node.args) + [k.value for k in node.keywords]
        verdict = self._all(args, depth, visiting)
        if not verdict.safe:
            name = (resolved or _text(func)).rsplit(".", 1)[-1].lower()
            producer = any(word in name for word in MARKUP_PRODUCERS)
            return Verdict(False, _text(node), verdict.strong and producer)
        if isinstance(func, ast.Attribute):
            receiver = self.judge(func.value, depth + 1, visiting)
            if not receiver.safe and _is_request_data(func.value):
                return Verdict(False, _text(node), strong=True)
        return SAFE


def numeric_format(value: ast.FormattedValue) -> bool:
    """``{total:.2f}``, ``{count:d}``, ``{when:%Y-%m-%d}``: a str would raise, so the value is a number or a date."""
    spec = value.format_spec
    if not isinstance(spec, ast.JoinedStr) or value.conversion not in (-1, None):
        return False
    if not all(isinstance(part, ast.Constant) and isinstance(part.value, str) for part in spec.values):
        return False
    text = "".join(part.value for part in spec.values)
    return text == "," or bool(text and NUMERIC_SPEC.search(text))


def percent_operands(template: str, operand: ast.AST) -> list[ast.AST]:
    """The operands of ``template % operand`` that a ``%s``/``%r`` puts in as text (``%d``/``%f`` take numbers)."""
    conversions = [(key, kind) for key, kind in PERCENT_CONVERSION.findall(template) if kind != "%"]
    if isinstance(operand, ast.Dict) and conversions and all(key for key, _ in conversions):
        textual = {key for key, kind in conversions if kind in "srac"}
        return [value for key, value in zip(operand.keys, operand.values)
                if key is None or not (isinstance(key, ast.Constant) and key.value not in textual)]
    elements = operand.elts if isinstance(operand, ast.Tuple) else [operand]
    if len(elements) != len(conversions) or any(isinstance(e, ast.Starred) for e in elements):
        return elements
    return [element for element, (_, kind) in zip(elements, conversions) if kind in "srac"]


def _added(node: ast.BinOp) -> list[ast.AST]:
    """The operands of ``a + b + c``."""
    operands = []
    current: ast.AST = node
    while isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add) and len(operands) < 500:
        operands.append(current.right)
        current = current.left
    operands.append(current)
    return operands


def _call_is_safe(resolved: str) -> bool:
    if resolved in SAFE_CALLS:
        return True
    tail = resolved.rsplit(".", 1)[-1]
    return tail in SAFE_TAILS and not resolved.startswith("builtins.")


def _names(target: ast.AST):
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _names(element.value if isinstance(element, ast.Starred) else element)


def _rooted_in(node: ast.AST, params: set[str]) -> bool:
    current = node
    while isinstance(current, (ast.Attribute, ast.Subscript, ast.Call)):
        current = current.func if isinstance(current, ast.Call) else current.value
    return isinstance(current, ast.Name) and current.id in params


def _is_request_data(node: ast.AST) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Attribute) and child.attr in ("GET", "POST", "data", "query_params", "COOKIES",
                                                               "body", "headers", "META", "FILES"):
            return True
    return False


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:
        return "an expression"
    return text if len(text) <= 60 else text[:57] + "..."


def enclosing_function(ctx) -> ast.AST | None:
    for node in reversed(ctx.stack):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return node
    return None
