"""Is an expression free of markup someone else controls? (private helper for SP403/SP404)

A small, intra-procedural judgement: literals, module constants, settings, escaped or
``format_html``-built values, rendered templates, numbers and translations are safe;
function parameters, attributes of objects, subscripts and anything built from them are
not. Local variables are judged by every value assigned or appended to them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from secprofile.model.values import Literal

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
})
# Unknown helpers that turn raw input into markup: their result is as dangerous as their input.
MARKUP_PRODUCERS = ("markdown", "json", "dumps", "textile", "rst", "docutils", "publish", "commonmark", "mistune")
SAFE_BUILTINS = frozenset({"int", "len", "float", "bool", "round", "abs", "min", "max", "sum", "hex", "ord",
                           "range", "enumerate", "sorted", "id", "hash"})
SAFE_TAILS = frozenset({"gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
                        "ugettext", "ugettext_lazy", "_", "escape", "conditional_escape", "format_html",
                        "format_html_join", "render_to_string", "mark_safe", "json_script", "clean", "sanitize",
                        "sanitize_html", "clean_html", "escape_html", "html_escape", "bleach_clean", "static",
                        "reverse"})
# Methods whose result is escaped or built from safe parts (forms and widgets render through templates).
SAFE_METHODS = frozenset({"render", "as_p", "as_table", "as_ul", "as_div", "as_widget", "as_text", "label_tag",
                          "as_hidden", "render_to_string", "isoformat", "strftime", "count", "index", "find"})
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
    def __init__(self, ctx, function: ast.AST | None):
        self.ctx = ctx
        self.function = function
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
                for name in _names(node.target):
                    self.loop_vars[name] = node.iter
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

    def judge(self, node: ast.AST | None, depth: int = 0, visiting: frozenset[str] = frozenset()) -> Verdict:
        if node is None or depth > 12:
            return SAFE if node is None else Verdict(False, "a deeply nested expression")
        if isinstance(node, ast.Constant):
            return SAFE
        if isinstance(node, ast.JoinedStr):
            return self._all([v.value for v in node.values if isinstance(v, ast.FormattedValue)], depth, visiting)
        if isinstance(node, ast.FormattedValue):
            return self.judge(node.value, depth + 1, visiting)
        if isinstance(node, ast.BinOp):
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

    def _call(self, node: ast.Call, depth, visiting) -> Verdict:
        resolved = self.ctx.resolve(node.func)
        if resolved is not None:
            if _call_is_safe(resolved):
                return SAFE
            if resolved.startswith("builtins."):
                tail = resolved.rsplit(".", 1)[-1]
                if tail in SAFE_BUILTINS:
                    return SAFE
                if tail == "str":
                    return self._all(node.args, depth, visiting)
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in SAFE_METHODS or func.attr.startswith("render"):
                return SAFE
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
