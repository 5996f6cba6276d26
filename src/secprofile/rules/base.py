"""Rule metadata, the ``@rule`` decorator, and what rules yield.

A rule is one function plus declarative metadata, registered where it is
defined (like Django's system checks) — but instead of mutating a global
registry, ``@rule`` returns a frozen :class:`Rule` value; :func:`all_rules`
collects them by walking the ``secprofile.rules`` package.

Three kinds share the registry:

- ``node``: ``check(node, ctx)`` for each AST node of ``node_types`` in a file
  (the engine walks each file once and dispatches);
- ``file``: ``check(ctx)`` once per Python file, for rules that need their own
  traversal (a function's control flow, for instance);
- ``project``: ``check(project)`` once per scan over the linked model;
- ``meta``: findings about the scan itself (unused suppressions), produced by the
  engine; the rule module carries the metadata and documentation.
"""

from __future__ import annotations

import ast
import enum
import importlib
import inspect
import pkgutil
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable

from secprofile.source.location import Location
from secprofile.source.names import ModuleNames

CONTROLS = (
    "csrf", "authentication", "authorization", "sql-injection", "xss", "clickjacking", "input-validation",
    "api-docs", "cors", "settings-and-secrets", "password-storage", "concurrency", "admin-panel",
    "other-injection",
)
DOC_HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead", "Known problems", "References")


class Severity(str, enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return ("info", "low", "medium", "high", "critical").index(self.value)


class Confidence(str, enum.Enum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return ("low", "medium", "high").index(self.value)


@dataclass(frozen=True)
class FlowStep:
    """One step of a data flow, for messages and SARIF ``codeFlows``."""

    location: Location
    message: str


@dataclass(frozen=True)
class Hit:
    """What a rule's check yields; the engine adds the rule's metadata to make a Finding."""

    location: Location
    message: str
    hint: str | None = None
    severity: Severity | None = None  # overrides the rule default for this hit
    confidence: Confidence | None = None
    symbol: str | None = None  # enclosing function/class/route, for the fingerprint
    flow: tuple[FlowStep, ...] = ()
    cwe: int | None = None  # a more specific CWE than the rule's, for this variant of the pattern


@dataclass(frozen=True)
class Rule:
    code: str
    slug: str
    title: str
    severity: Severity
    confidence: Confidence
    cwe: int
    control: str
    kind: str
    check: Callable[..., Iterable[Hit]] = field(compare=False, repr=False)
    # A project rule's per-file pre-pass, run in the worker with the file's tree: it returns a
    # small picklable note (cached with the file's facts; None for nothing of interest) that
    # the project check reads with ``facts.note(code)`` instead of parsing the file again.
    scout: Callable[["FileContext"], object] | None = field(default=None, compare=False, repr=False)
    hint: str = ""
    frameworks: tuple[str, ...] = ()
    node_types: tuple[type[ast.AST], ...] = ()
    deploy_only: bool = False
    status: str = "stable"
    since: str = "0.1.0"
    doc: str = ""
    module: str = ""

    def section(self, heading: str) -> str:
        """One section of the documentation page, without its heading."""
        return doc_sections(self.doc).get(heading, "")

    def examples(self, heading: str) -> list[str]:
        """Code blocks of one section (``Example`` must fire, ``Use instead`` must not)."""
        return re.findall(r"```(?:python|py)?\n(.*?)```", self.section(heading), re.S)


def doc_sections(doc: str) -> dict[str, str]:
    sections: dict[str, str] = {}
    current = None
    lines: list[str] = []
    for line in inspect.cleandoc(doc or "").splitlines():
        match = re.match(r"^## (.+?)\s*$", line)
        if match:
            if current:
                sections[current] = "\n".join(lines).strip() + "\n"
            current, lines = match.group(1), []
        elif current:
            lines.append(line)
    if current:
        sections[current] = "\n".join(lines).strip() + "\n"
    return sections


_CODE = re.compile(r"^SP\d{3}$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def rule(
    *,
    code: str,
    slug: str,
    title: str,
    severity: Severity,
    confidence: Confidence,
    cwe: int,
    control: str,
    kind: str = "node",
    hint: str = "",
    frameworks: tuple[str, ...] = (),
    node_types: tuple[type[ast.AST], ...] = (),
    deploy_only: bool = False,
    status: str = "stable",
    since: str = "0.1.0",
    scout: Callable[["FileContext"], object] | None = None,
) -> Callable[[Callable[..., Iterable[Hit]]], Rule]:
    """Declare a rule; the decorated function's docstring is its documentation page."""
    if not _CODE.match(code):
        raise ValueError(f"rule code {code!r} must be SP followed by three digits")
    if not _SLUG.match(slug):
        raise ValueError(f"rule slug {slug!r} must be lower-case words joined by '-'")
    if control not in CONTROLS and control != "meta":
        raise ValueError(f"{code}: unknown control {control!r}")
    if kind not in ("node", "file", "project", "meta"):
        raise ValueError(f"{code}: unknown kind {kind!r}")
    if kind == "node" and not node_types:
        raise ValueError(f"{code}: node rules declare node_types")
    if scout is not None and kind != "project":
        raise ValueError(f"{code}: only project rules have a scout")

    def decorate(check: Callable[..., Iterable[Hit]]) -> Rule:
        return Rule(
            code=code, slug=slug, title=title, severity=severity, confidence=confidence, cwe=cwe,
            control=control, kind=kind, check=check, scout=scout, hint=hint, frameworks=frameworks, node_types=node_types,
            deploy_only=deploy_only, status=status, since=since, doc=inspect.cleandoc(check.__doc__ or ""),
            module=check.__module__,
        )

    return decorate


@lru_cache(maxsize=None)
def all_rules() -> tuple[Rule, ...]:
    """Every rule in the ``secprofile.rules`` package, sorted by code."""
    import secprofile.rules as package

    found: dict[str, Rule] = {}
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if info.name.rsplit(".", 1)[-1].startswith("_") and not info.ispkg:
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, Rule) and value.module == module.__name__:
                if value.code in found and found[value.code] is not value:
                    raise RuntimeError(f"rule code {value.code} defined twice: {found[value.code].module}, {module.__name__}")
                found[value.code] = value
    return tuple(sorted(found.values(), key=lambda r: r.code))


def rules_in_modules(pairs) -> dict[str, Rule]:
    """``{code: Rule}`` for ``(code, module)`` pairs, importing only those modules."""
    found: dict[str, Rule] = {}
    for code, module_name in pairs:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for value in vars(module).values():
            if isinstance(value, Rule) and value.code == code:
                found[code] = value
    return found


def rule_by_code(code: str) -> Rule | None:
    code = code.upper()
    for candidate in all_rules():
        if candidate.code == code or candidate.slug == code.lower():
            return candidate
    return None


class FileContext:
    """What node and file rules see of one Python file.

    The engine's single walk keeps :attr:`stack` (the enclosing nodes of the
    node being checked); rules read it through :meth:`enclosing_function`.
    """

    def __init__(self, relpath: str, module: str, tree: ast.Module, names: ModuleNames, lines: list[str], facts):
        self.relpath = relpath
        self.module = module
        self.tree = tree
        self.names = names
        self.lines = lines
        self.facts = facts
        self.stack: list[ast.AST] = []

    def resolve(self, node: ast.AST | None) -> str | None:
        return self.names.resolve(node)

    def resolve_call(self, node: ast.AST) -> str | None:
        return self.names.resolve(node.func) if isinstance(node, ast.Call) else None

    def location(self, node: ast.AST, end: ast.AST | None = None) -> Location:
        return Location.of(self.relpath, node, end)

    def enclosing_function(self) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        for node in reversed(self.stack):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None

    def symbol(self) -> str:
        """Dotted name of the innermost enclosing def/class, for fingerprints."""
        parts = [n.name for n in self.stack if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        return ".".join([self.module, *parts]) if parts else self.module

    def hit(self, node: ast.AST, message: str, **extra) -> Hit:
        extra.setdefault("symbol", self.symbol())
        return Hit(self.location(node), message, **extra)
