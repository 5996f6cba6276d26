from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterator

from secprofile.model.project import Project
from secprofile.model.values import FromEnv, Literal
from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.rules.django_views._safety import SAFE, Safety, Verdict
from secprofile.rules.xss_flow._stored import is_config, model_index
from secprofile.source.location import Location

DJANGO_MARKERS = frozenset({
    "django.utils.safestring.mark_safe", "django.utils.safestring.SafeString", "django.utils.safestring.SafeText",
    "django.utils.safestring.SafeData", "django.utils.html.mark_safe", "django.utils.html.SafeString",
})
# markupsafe's Markup, re-exported by jinja2 (before 3.1) and flask (before 2.3).
MARKUP = frozenset({"markupsafe.Markup", "jinja2.Markup", "jinja2.utils.Markup", "flask.Markup"})
MARKERS = DJANGO_MARKERS | MARKUP
_TAILS = frozenset(name.rsplit(".", 1)[-1] for name in MARKERS)
_ARGUMENT_KEYWORDS = ("s", "base", "object")
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_HELPER_DEPTH = 3


@dataclass(frozen=True)
class _Noted:
    """A call the scout could not prove safe, with what the check needs to report it without the tree."""

    line: int
    column: int  # 0-based, as in the AST
    end_line: int
    callee: str  # as the file resolves it: "markupsafe.Markup", "app.markup.Markup"
    reason: str
    strong: bool
    scope: tuple[str, ...]  # names of the enclosing defs and classes, for the symbol
    def_lines: tuple[int, ...]  # lines of the enclosing ``def`` statements
    questions: tuple[tuple, ...]  # what the judgement asked of project knowledge


def _scout(ctx: FileContext) -> tuple[_Noted, ...] | None:
    """The calls that would be reported if nothing project-wide made them safe.

    Runs in the worker with the tree at hand: every call named like a marker whose argument the
    file alone cannot prove safe, with the questions the judgement asked of project knowledge
    (helpers in other modules, model field types, settings). Those answers, re-exports and SP420's
    findings only ever clear a call, so the check reports a call straight from its note when every
    answer is "no opinion", and parses the file again only when one is not.
    """
    names = ctx.names
    if names is None or ctx.facts is None:
        return None
    text = "\n".join(ctx.lines)
    if not any(tail in text for tail in _TAILS):
        return None
    module_facts = ctx.facts.module_facts
    functions = None
    if module_facts is not None:  # functions that call nothing named like a marker are not entered
        functions = {f.location.line for f in module_facts.functions
                     if any(call.rsplit(".", 1)[-1] in _TAILS for call in f.calls)}
    context = _Context(ctx.facts)
    found = []
    for call, defs in _calls(ctx.tree, functions):
        func = call.func
        if not isinstance(func, (ast.Name, ast.Attribute)) or (isinstance(func, ast.Attribute) and
                                                                func.attr not in _TAILS):
            continue
        resolved = names.resolve(func)
        if resolved is None or resolved.rsplit(".", 1)[-1] not in _TAILS:
            continue
        argument = _argument(call)
        if argument is None or isinstance(argument, ast.Constant):
            continue
        function = next((d for d in reversed(defs) if not isinstance(d, ast.ClassDef)), None)
        questions = _Questions()
        verdict = Safety(context, function, questions).judge(argument)
        if verdict.safe:
            continue
        found.append(_Noted(
            call.lineno, call.col_offset, getattr(call, "end_lineno", None) or call.lineno, resolved,
            verdict.reason, verdict.strong, _scope(defs),
            tuple(d.lineno for d in defs if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef))),
            tuple(dict.fromkeys(questions.asked)),
        ))
    return tuple(found) or None


class _Questions:
    """The scout's oracle: no opinion on anything, but it remembers what it was asked."""

    def __init__(self):
        self.asked: list[tuple] = []

    def call(self, node: ast.Call, resolved: str | None, safety: Safety) -> Verdict | None:
        if resolved and not resolved.startswith("builtins."):
            self.asked.append(("call", resolved))
        return None

    def attribute(self, node: ast.Attribute, safety: Safety) -> Verdict | None:
        self.asked.append(("attribute", node.attr, _global_name(node, safety)))
        return None


def _global_name(node: ast.Attribute, safety: Safety) -> str | None:
    """``settings.banner_html`` as the file resolves it, unless its root is a local name."""
    root = node.value
    while isinstance(root, ast.Attribute):
        root = root.value
    if isinstance(root, ast.Name) and root.id not in safety.params and root.id not in safety.assigned and \
            root.id not in safety.loop_vars:
        return safety.ctx.resolve(node)
    return None


@rule(
    code="SP403",
    slug="mark-safe-on-dynamic-data",
    title="mark_safe/SafeString/Markup on data that is not escaped",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=79,
    control="xss",
    kind="project",
    scout=_scout,
    hint="Build the HTML with `format_html(\"<b>{}</b>\", value)` or `Markup(\"<b>{}</b>\").format(value)` (both "
    "escape the arguments), or escape each value with `escape()` before marking the result safe.",
)
def mark_safe_on_dynamic_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags Django's `mark_safe(...)`, `SafeString(...)` and `SafeText(...)`, and markupsafe's
    `Markup(...)` (also imported as `jinja2.Markup` or `flask.Markup` in older versions, as used
    by Jinja2, Flask and FastAPI apps), whose argument is not made only of literals, module
    constants, settings, escaped values (`escape`, `conditional_escape`, `markupsafe.escape`,
    `html.escape`), sanitised HTML (`bleach.clean`, `nh3.clean`), `format_html`/`format_html_join`
    results, rendered templates, numbers (`{total:.2f}`, `"%d" % n`, fields every project model
    declares as integer) and translations of literals. F-strings, `%`, `.format()`, `+` and
    `"".join(...)` are followed into their parts, local variables into every value assigned or
    appended to them, and helper functions of the project (in any module) into what they return:
    a `render_markdown()` that ends in `bleach.clean(...)` is safe. Function parameters, object
    attributes (model fields), subscripts, rows fetched from the database (`cursor.fetchone()`,
    unless the query selects only numbers such as `COUNT(*)`) and request data are the dynamic
    data; `sorted()`, `min()`/`max()` and the items of `enumerate()`/`zip()` are what they are
    given. Configuration (Django settings, pydantic settings fields, module constants) is safe.

    `Markup("<b>{}</b>").format(value)`, `Markup("<b>%s</b>") % value`, `Markup("<br>").join(items)`,
    `Markup("<p>") + value` and `Markup.escape(value)` escape their arguments and are not
    reported; `Markup("<b>%s</b>" % value)` and `Markup("<b>{}</b>".format(value))` format a plain
    string first and are. Request data that the data-flow engine follows into `Markup()` is
    reported by SP420 instead.

    High confidence when the dynamic part is a parameter, an attribute of one or request data;
    medium otherwise.

    ## Why is this bad?
    `mark_safe` and `Markup` tell the template engine not to escape a string. If any part of it
    comes from a user (a display name, a bio, a comment, a query parameter), that user can inject
    `<script>` into every page that shows it: stored cross-site scripting, typically in a
    template filter or tag that everybody's pages use.

    ## Example
    ```python
    from django import template
    from django.utils.safestring import mark_safe

    register = template.Library()

    @register.filter
    def byline(profile):
        return mark_safe(f"<b>{profile.display_name}</b> {profile.bio}")
    ```

    ```python
    from fastapi.templating import Jinja2Templates
    from markupsafe import Markup

    templates = Jinja2Templates(directory="templates")


    def nl2br(text):
        return Markup(text.replace("\\n", "<br>"))


    templates.env.filters["nl2br"] = nl2br
    ```

    ## Use instead
    ```python
    from django import template
    from django.utils.html import format_html

    register = template.Library()

    @register.filter
    def byline(profile):
        return format_html("<b>{}</b> {}", profile.display_name, profile.bio)
    ```

    ```python
    from fastapi.templating import Jinja2Templates
    from markupsafe import Markup, escape

    templates = Jinja2Templates(directory="templates")


    def nl2br(text):
        return Markup("<br>").join(escape(text).split("\\n"))


    templates.env.filters["nl2br"] = nl2br
    ```

    ## Known problems
    Values escaped by a helper from an installed package that is not known as an escaper are
    reported; values escaped earlier by the caller (the helper receives already-safe HTML as a
    parameter) are reported with high confidence too. Suppress with a reason.

    ## References
    - https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.safestring.mark_safe
    - https://docs.djangoproject.com/en/stable/ref/utils/#django.utils.html.format_html
    - https://markupsafe.palletsprojects.com/en/stable/escaping/#markupsafe.Markup
    - https://cwe.mitre.org/data/definitions/79.html
    """
    oracle: _Oracle | None = None
    owned: set[tuple[str, int, int]] | None = None
    for facts in project.python_files():
        noted = facts.note("SP403")
        if not noted or not _candidate(facts, project):
            continue
        if oracle is None:
            oracle = _Oracle(project)
        functions = _marker_functions(facts, project)
        reported: list[tuple[_Noted, Verdict, str]] = []
        again: dict[tuple[int, int], _Noted] = {}
        for note in noted:
            callee = _canonical_marker(note.callee, project)
            if callee is None or not all(line in functions for line in note.def_lines):
                continue
            if oracle.answers(note.questions):
                again[(note.line, note.column)] = note  # project knowledge may clear it: judge it again
            else:
                reported.append((note, Verdict(False, note.reason, note.strong), callee))
        if again:
            reported.extend(_judge_again(facts, project, oracle, again))
        for note, verdict, callee in sorted(reported, key=lambda item: (item[0].line, item[0].column)):
            if callee in MARKUP:
                if owned is None:
                    owned = _reported_by_flow(project)
                if (facts.relpath, note.line, note.column + 1) in owned:
                    continue  # request data reaching Markup(): SP420
            name = callee.rsplit(".", 1)[-1]
            yield Hit(
                Location(facts.relpath, note.line, note.column + 1, note.end_line),
                f"{name}() marks {verdict.reason or 'a dynamic value'} as safe HTML without escaping it",
                confidence=None if verdict.strong else Confidence.MEDIUM,
                symbol=".".join((facts.module, *note.scope)),
            )


def _judge_again(facts, project: Project, oracle: "_Oracle", noted: dict[tuple[int, int], _Noted]):
    """Judge the noted calls of one file with project knowledge (the file is parsed again)."""
    tree = project.tree(facts.relpath)
    if tree is None:
        return
    context = _Context(facts)
    for call, defs in _calls(tree, None):
        note = noted.get((call.lineno, call.col_offset))
        if note is None:
            continue
        argument = _argument(call)
        if argument is None:
            continue
        function = next((d for d in reversed(defs) if not isinstance(d, ast.ClassDef)), None)
        verdict = Safety(context, function, oracle).judge(argument)
        if not verdict.safe:
            yield note, verdict, _canonical_marker(note.callee, project)


class _Context:
    """What the Safety judge needs of a file: name resolution and the module's facts."""

    def __init__(self, facts):
        self.facts = facts
        self.names = facts.names
        self.relpath = facts.relpath

    def resolve(self, node: ast.AST | None) -> str | None:
        return self.names.resolve(node)


class _Oracle:
    """Project knowledge for the Safety judge: helpers in any module, model field types."""

    def __init__(self, project: Project):
        self.project = project
        self.models = model_index(project)
        self._helpers: dict[str, Verdict | None] = {}
        self._indexes: dict[str, dict[str, ast.AST]] = {}
        self._active: set[str] = set()

    def call(self, node: ast.Call, resolved: str | None, safety: Safety) -> Verdict | None:
        """A project function whose every return value is safe (it escapes or sanitises) makes a safe value."""
        if not resolved or resolved.startswith("builtins."):
            return None
        qualname = self.project.names.canonical(resolved) or resolved
        function = self.project.functions.get(qualname)
        if function is None:
            return None
        if qualname in self._helpers:
            return self._helpers[qualname]
        if qualname in self._active or len(self._active) >= _HELPER_DEPTH:
            return None
        self._active.add(qualname)
        try:
            verdict = self._judge_returns(function)
        finally:
            self._active.discard(qualname)
        self._helpers[qualname] = verdict
        return verdict

    def _judge_returns(self, function) -> Verdict | None:
        path = function.location.path
        facts = self.project.files.get(path)
        if facts is None or facts.names is None:
            return None
        node = self._index(path, facts).get(function.qualname)
        if node is None:
            return None
        returns = [stmt.value for stmt in _own_statements(node) if isinstance(stmt, ast.Return)
                   and stmt.value is not None]
        if not returns:
            return None
        helper = Safety(_Context(facts), node, self)
        for value in returns:
            if not helper.judge(value).safe:
                return None
        return SAFE

    def _index(self, path: str, facts) -> dict[str, ast.AST]:
        if path not in self._indexes:
            from secprofile.model.module import iter_functions

            tree = self.project.tree(path)
            self._indexes[path] = {q: n for q, n, _ in iter_functions(tree.body, facts.module)} if tree else {}
        return self._indexes[path]

    def attribute(self, node: ast.Attribute, safety: Safety) -> Verdict | None:
        """``{post.id}``: a field that every project model declaring it declares as a number;
        ``settings.banner_html``: configuration (a constant or a pydantic settings field)."""
        return SAFE if self._safe_attribute(node.attr, _global_name(node, safety)) else None

    def _safe_attribute(self, attr: str, resolved: str | None) -> bool:
        if self.models.field_kind(None, attr) in ("numeric", "constant"):
            return True
        return bool(resolved) and (is_config(resolved) or
                                   isinstance(self.project.value_of(resolved), (Literal, FromEnv)))

    def answers(self, questions: tuple[tuple, ...]) -> bool:
        """Whether any of the scout's questions has an answer other than "no opinion"."""
        for question in questions:
            if question[0] == "call":
                resolved = question[1]
                if self.project.functions.get(self.project.names.canonical(resolved) or resolved) is not None:
                    return True
            elif question[0] == "attribute" and self._safe_attribute(question[1], question[2]):
                return True
        return False


def _own_statements(function: ast.AST):
    """The statements of a function, without those of functions and classes defined in it."""
    stack = list(function.body) if isinstance(function.body, list) else []
    while stack:
        stmt = stack.pop()
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list):
                stack.extend(item for item in inner if isinstance(item, (ast.stmt, ast.excepthandler,
                                                                          ast.match_case)))


def _candidate(facts, project: Project) -> bool:
    """Files that bind or call a marker; cheap, from the cached facts."""
    names = facts.names
    if names is None:
        return False
    for value in names.bindings.values():
        if value in MARKERS or value in ("markupsafe", "jinja2", "flask"):
            return True
        if value.rsplit(".", 1)[-1] in _TAILS and (project.names.canonical(value) or value) in MARKERS:
            return True  # re-exported by a module of the project
    module_facts = facts.module_facts
    if module_facts is not None:
        for function in module_facts.functions:
            for call in function.calls:
                if call.rsplit(".", 1)[-1] in _TAILS and (call in MARKERS or
                                                          (project.names.canonical(call) or call) in MARKERS):
                    return True
    return False


def _canonical_marker(resolved: str, project: Project) -> str | None:
    """The marker a name the file resolved stands for (following re-exports of the project)."""
    if resolved in MARKERS:
        return resolved
    canonical = project.names.canonical(resolved)
    return canonical if canonical in MARKERS else None


def _argument(call: ast.Call) -> ast.AST | None:
    if call.args:
        first = call.args[0]
        return None if isinstance(first, ast.Starred) else first
    for keyword in call.keywords:
        if keyword.arg in _ARGUMENT_KEYWORDS:
            return keyword.value
    return None


def _marker_functions(facts, project: Project) -> set[int]:
    """Lines of the ``def`` statements whose bodies call a marker (their facts include nested functions)."""
    found = set()
    module_facts = facts.module_facts
    if module_facts is not None:
        for function in module_facts.functions:
            for call in function.calls:
                if call.rsplit(".", 1)[-1] in _TAILS and (call in MARKERS or
                                                          (project.names.canonical(call) or call) in MARKERS):
                    found.add(function.location.line)
                    break
    return found


def _calls(tree: ast.Module, functions: set[int] | None):
    """Every call with the defs (functions, classes, lambdas) around it; functions that call no marker
    (when ``functions`` lists the ``def`` lines of those that do) are not entered."""
    stack: list[tuple[ast.AST, tuple]] = [(tree, ())]
    while stack:
        node, defs = stack.pop()
        kind = type(node)
        if kind is ast.Call:
            yield node, defs
        elif (kind is ast.FunctionDef or kind is ast.AsyncFunctionDef) and functions is not None and \
                node.lineno not in functions:
            continue
        inner = defs + (node,) if isinstance(node, _DEFS) else defs
        for child in ast.iter_child_nodes(node):
            stack.append((child, inner))


def _scope(defs: tuple) -> tuple[str, ...]:
    return tuple(d.name for d in defs if isinstance(d, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)))


def _reported_by_flow(project: Project) -> set[tuple[str, int, int]]:
    """``Markup()`` calls the data-flow engine reaches with request data (SP420 reports those)."""
    from secprofile.flow import flow_graph

    owned = set()
    for finding in flow_graph(project).findings():
        sink = finding.sink
        if sink.kind == "xss" and sink.name == "Markup()":
            owned.add((finding.function.path, sink.line, sink.column))
    return owned
