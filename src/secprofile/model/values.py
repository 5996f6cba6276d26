"""Static values: what an expression evaluates to without running anything.

Three outcomes, so that rules can lower confidence instead of guessing:

- :class:`Literal` — a constant (``True``, ``"*"``, ``["a", "b"]``);
- :class:`FromEnv` — read from the environment, with the default used when the
  variable is unset (``os.environ.get("DEBUG", "True") == "True"`` is
  ``FromEnv("DEBUG", default=True)``): a value *with an unsafe default* is a
  finding, an unknown is not;
- :class:`Unknown` — anything else (a call, a conditional, a name from elsewhere).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable, Union

from secprofile.source.names import ModuleNames



class _Missing:
    """The "no default" marker; pickles by reference so cached facts keep its identity."""

    def __reduce__(self) -> str:
        return "MISSING"

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()
_ENV_GETTERS = frozenset(
    {
        "os.environ.get", "os.getenv", "os.environ.setdefault", "decouple.config",
        "os.environ.__getitem__",
    }
)
# django-environ: ``env = environ.Env(...)`` then ``env("X")`` or ``env.bool("X", default=...)``.
_ENVIRON_CASTS = frozenset(
    {"str", "bool", "int", "float", "list", "tuple", "dict", "json", "url", "db", "db_url",
     "cache", "cache_url", "email", "email_url", "search_url", "path", "bytes", "parse_value"}
)


@dataclass(frozen=True)
class Literal:
    value: object
    text: str = ""


@dataclass(frozen=True)
class FromEnv:
    """A value read from the environment; ``default`` is ``MISSING`` when there is none."""

    variable: str
    default: object = MISSING
    text: str = ""

    @property
    def has_default(self) -> bool:
        return self.default is not MISSING


@dataclass(frozen=True)
class Unknown:
    text: str = ""
    reference: str | None = None  # the qualified name, when the expression is a plain name


Value = Union[Literal, FromEnv, Unknown]


def effective(value: Value) -> object:
    """The value in force when nothing is configured: the literal, or the env default."""
    if isinstance(value, Literal):
        return value.value
    if isinstance(value, FromEnv) and value.has_default:
        return value.default
    return MISSING


class Evaluator:
    """Evaluates expressions of one module; ``lookup`` supplies module-level names."""

    def __init__(self, names: ModuleNames, lookup: Callable[[str], Value | None] | None = None):
        self.names = names
        self.lookup = lookup or (lambda name: None)

    def __call__(self, node: ast.AST | None) -> Value:
        text = _text(node)
        try:
            result = self._eval(node)
        except RecursionError:
            return Unknown(text)
        if isinstance(result, Literal):
            return Literal(result.value, text)
        if isinstance(result, FromEnv):
            return FromEnv(result.variable, result.default, text)
        reference = self.names.resolve(node) if isinstance(node, (ast.Name, ast.Attribute)) else None
        return Unknown(text, reference)

    # The evaluation proper: returns Literal/FromEnv/Unknown with raw payloads.
    def _eval(self, node: ast.AST | None) -> Value:
        if node is None:
            return Literal(None)
        if isinstance(node, ast.Constant):
            return Literal(node.value)
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            if any(isinstance(item, ast.Starred) for item in node.elts):
                return self._starred(node)
            items = [self._eval(element) for element in node.elts]
            if all(isinstance(item, Literal) for item in items):
                values = [item.value for item in items]
                return Literal(tuple(values) if isinstance(node, ast.Tuple) else values)
            return Unknown()
        if isinstance(node, ast.Dict):
            if any(key is None for key in node.keys):
                return Unknown()
            keys = [self._eval(key) for key in node.keys]
            values = [self._eval(value) for value in node.values]
            if all(isinstance(k, Literal) for k in keys):
                return Literal({k.value: _payload(v) for k, v in zip(keys, values)})
            return Unknown()
        if isinstance(node, ast.Name):
            found = self.lookup(node.id)
            if found is not None:
                return found
            if node.id in ("True", "False", "None"):
                return Literal({"True": True, "False": False, "None": None}[node.id])
            return Unknown()
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        if isinstance(node, ast.Compare):
            return self._compare(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self._eval(node.operand)
            return _map(inner, lambda v: not v)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self._eval(node.left), self._eval(node.right)
            if isinstance(left, Literal) and isinstance(right, Literal):
                try:
                    return Literal(left.value + right.value)  # type: ignore[operator]
                except TypeError:
                    return Unknown()
            return Unknown()
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Sub)):
            # 60 * 60 * 24 * 365: numbers only (no "x" * 10**9 strings)
            left, right = self._eval(node.left), self._eval(node.right)
            numbers = [side.value for side in (left, right) if isinstance(side, Literal)
                       and isinstance(side.value, (int, float)) and not isinstance(side.value, bool)]
            if len(numbers) == 2:
                a, b = numbers
                return Literal(a * b if isinstance(node.op, ast.Mult) else a - b)
            return Unknown()
        if isinstance(node, ast.JoinedStr):
            return Unknown()
        return Unknown()

    def _starred(self, node: ast.List | ast.Tuple | ast.Set) -> Value:
        """``[*BASE_APPS, "blog"]``: splice starred literal sequences, else unknown."""
        values: list[object] = []
        for element in node.elts:
            inner = self._eval(element.value if isinstance(element, ast.Starred) else element)
            if not isinstance(inner, Literal):
                return Unknown()
            if isinstance(element, ast.Starred):
                if not isinstance(inner.value, (list, tuple)):
                    return Unknown()
                values.extend(inner.value)
            else:
                values.append(inner.value)
        return Literal(tuple(values) if isinstance(node, ast.Tuple) else values)

    def _subscript(self, node: ast.Subscript) -> Value:
        if self.names.resolve(node.value) == "os.environ":
            key = self._eval(node.slice)
            if isinstance(key, Literal) and isinstance(key.value, str):
                return FromEnv(key.value)
        return Unknown()

    def _call(self, node: ast.Call) -> Value:
        func = self.names.resolve(node.func)
        if _is_env_call(func) or self._is_environ_reader(node.func):
            return self._env_call(node, func)
        if func in _CASTS and node.args:
            return _map(self._eval(node.args[0]), _CASTS[func])
        # Methods on an evaluated value: os.environ.get("X", "a,b").split(",") and the like.
        if isinstance(node.func, ast.Attribute) and node.func.attr in _STR_METHODS:
            receiver = self._eval(node.func.value)
            args = [self._eval(a) for a in node.args]
            if isinstance(receiver, (Literal, FromEnv)) and all(isinstance(a, Literal) for a in args):
                method, values = node.func.attr, [a.value for a in args]  # type: ignore[union-attr]
                return _map(receiver, lambda v: _apply_str_method(v, method, values))
        return Unknown()

    def _is_environ_reader(self, func: ast.AST) -> bool:
        """``env(...)`` / ``env.bool(...)`` where ``env = environ.Env(...)`` in this module."""
        target = func.value if isinstance(func, ast.Attribute) else func
        if isinstance(func, ast.Attribute) and func.attr not in _ENVIRON_CASTS:
            return False
        if not isinstance(target, ast.Name):
            return False
        found = self.lookup(f"__call__:{target.id}")
        return isinstance(found, Literal) and str(found.value).endswith(("environ.Env", "environ.environ.Env"))

    def _env_call(self, node: ast.Call, func: str | None) -> Value:
        if not node.args:
            return Unknown()
        key = self._eval(node.args[0])
        if not isinstance(key, Literal) or not isinstance(key.value, str):
            return Unknown()
        default_node = node.args[1] if len(node.args) > 1 else None
        cast = None
        for keyword in node.keywords:
            if keyword.arg == "default":
                default_node = keyword.value
            elif keyword.arg == "cast":
                target = keyword.value.func if isinstance(keyword.value, ast.Call) else keyword.value  # Csv()
                cast = self.names.resolve(target) or _text(target)
        if default_node is None:
            # django-environ: ``Env(DEBUG=(bool, False))`` declares the default once, for every ``env("DEBUG")``.
            return self._scheme_default(node.func, key.value)
        default = self._eval(default_node)
        if not isinstance(default, Literal):
            return FromEnv(key.value) if isinstance(default, Unknown) else default
        value = default.value
        attr = node.func.attr if isinstance(node.func, ast.Attribute) else None
        if attr == "bool" or cast in ("builtins.bool", "bool") or (cast or "").endswith("strtobool"):
            value = _truthy(value)
        elif attr == "int" or cast in ("builtins.int", "int"):
            try:
                value = int(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                pass
        elif attr == "list" or (cast or "").endswith("Csv"):
            if isinstance(value, str):
                value = [part.strip() for part in value.split(",") if part.strip()]
        return FromEnv(key.value, value)

    def _scheme_default(self, func: ast.AST, variable: str) -> Value:
        target = func.value if isinstance(func, ast.Attribute) else func
        if isinstance(target, ast.Name):
            scheme = self.lookup(f"{SCHEME_KEY}{target.id}")
            if isinstance(scheme, Literal) and isinstance(scheme.value, dict):
                entry = scheme.value.get(variable)
                if isinstance(entry, tuple) and len(entry) == 2 and entry[1] is not MISSING:
                    return FromEnv(variable, entry[1])
        return FromEnv(variable)

    def _compare(self, node: ast.Compare) -> Value:
        if len(node.ops) != 1:
            return Unknown()
        left, right = self._eval(node.left), self._eval(node.comparators[0])
        op = node.ops[0]
        env = left if isinstance(left, FromEnv) else right if isinstance(right, FromEnv) else None
        other = right if env is left else left
        if env is not None:
            if not isinstance(other, Literal):
                return Unknown()
            if not env.has_default:
                return FromEnv(env.variable)
            a, b = (env.default, other.value) if env is left else (other.value, env.default)
            result = compare_constants(a, op, b)
            return Unknown() if result is None else FromEnv(env.variable, result)
        if isinstance(left, Literal) and isinstance(right, Literal):
            result = compare_constants(left.value, op, right.value)
            return Unknown() if result is None else Literal(result)
        return Unknown()


_CASTS: dict[str, Callable[[object], object]] = {
    "builtins.bool": bool, "builtins.int": int, "builtins.str": str, "builtins.float": float,
}
_STR_METHODS = frozenset({"lower", "upper", "strip", "split", "casefold", "title"})


def _apply_str_method(value: object, method: str, args: list[object]) -> object:
    if not isinstance(value, str):
        value = str(value)
    return getattr(value, method)(*args)


def _truthy(value: object) -> object:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y", "t")
    return bool(value)


def compare_constants(a: object, op: ast.cmpop, b: object) -> bool | None:
    """``a <op> b`` for ``==``, ``!=``, ``in``, ``not in``, ``is``, ``is not``; None when unknown."""
    try:
        if isinstance(op, ast.Eq):
            return a == b
        if isinstance(op, ast.NotEq):
            return a != b
        if isinstance(op, ast.In):
            return a in b  # type: ignore[operator]
        if isinstance(op, ast.NotIn):
            return a not in b  # type: ignore[operator]
        if isinstance(op, ast.Is):
            return a is b
        if isinstance(op, ast.IsNot):
            return a is not b
    except TypeError:
        return None
    return None


def _map(value: Value, fn: Callable[[object], object]) -> Value:
    try:
        if isinstance(value, Literal):
            return Literal(fn(value.value))
        if isinstance(value, FromEnv):
            return FromEnv(value.variable, fn(value.default)) if value.has_default else value
    except (TypeError, ValueError, AttributeError):
        return Unknown()
    return Unknown()


def _payload(value: Value) -> object:
    return value.value if isinstance(value, Literal) else value


# ``lookup(SCHEME_KEY + "env")`` answers the scheme of ``env = environ.Env(...)``, as made by :func:`environ_scheme`.
SCHEME_KEY = "__envscheme__:"


def environ_scheme(call: ast.Call, names: ModuleNames) -> Literal:
    """The scheme of ``environ.Env(DEBUG=(bool, False), HOSTS=list)``: ``{name: (cast, default or MISSING)}``."""
    evaluate = Evaluator(names)
    scheme: dict[str, tuple[str, object]] = {}
    for keyword in call.keywords:
        if keyword.arg is None:
            continue
        spec = keyword.value
        if isinstance(spec, ast.Tuple) and len(spec.elts) == 2:
            default = evaluate(spec.elts[1])
            cast = names.resolve(spec.elts[0]) or _text(spec.elts[0])
            scheme[keyword.arg] = (cast, default.value if isinstance(default, Literal) else MISSING)
        else:
            scheme[keyword.arg] = (names.resolve(spec) or _text(spec), MISSING)
    return Literal(scheme)


def _is_env_call(func: str | None) -> bool:
    return func in _ENV_GETTERS or (func or "").endswith("decouple.config")


def _text(node: ast.AST | None) -> str:
    if node is None:
        return ""
    try:
        text = ast.unparse(node)
    except Exception:  # unparse of odd nodes must never break a scan
        return ""
    return text if len(text) <= 200 else text[:197] + "..."
