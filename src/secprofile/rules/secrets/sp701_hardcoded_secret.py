from __future__ import annotations

import ast
import re
from bisect import bisect_left
from typing import Iterator

from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.rules.secrets._paths import is_dev_class, is_dev_settings_path, is_test_path
from secprofile.rules.secrets._values import (
    KEY_QUALIFIERS, is_local_host, key_format, looks_like_secret, randomish, secret_kind, url_credentials,
)
from secprofile.source.location import Location

# Cheap pre-filter on the lower-cased text: only statements spanning a matching line are inspected
# (plus lines holding a qualified ``..._key``: see ``_candidate_lines``).
_CANDIDATE = re.compile(
    r"passw|passphrase|_pass|pass_|pwd|secret|token|apikey|jwt|hmac|signer|signing|fernet|itsdangerous|"
    r"serializer\(|://[^\s'\"]*@|hooks\.slack|-----begin|akia|asia|gh[pousr]_|github_pat_|xox[abposr]-|_live_|"
    r"_test_|aiza|sk-|sg\."
)
_WORD_BEFORE = re.compile(r"([a-z0-9]+)[_-]?$")
# In test code and development settings only well-known key formats are reported.
_FORMAT_CANDIDATE = re.compile(r"-----begin|akia|asia|gh[pousr]_|github_pat_|xox[abposr]-|_live_|_test_|aiza|sk-|"
                               r"sg\.|hooks\.slack")
_ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault", "os.environ.pop",
                          "os.putenv"})
_ENVIRON_METHODS = frozenset({"str", "bool", "int", "list", "json", "url", "db", "db_url", "cache", "cache_url",
                              "email", "email_url", "bytes", "path", "search_url"})
_WRAPPERS = frozenset({"builtins.str", "builtins.bytes", "pydantic.SecretStr", "pydantic.SecretBytes",
                       "pydantic.types.SecretStr", "pydantic.types.SecretBytes"})
_FIELD_CALLS = frozenset({"pydantic.Field", "pydantic.fields.Field", "sqlmodel.Field", "dataclasses.field"})
# Keyword arguments and assignments whose values are documentation, not configuration.
_EXAMPLE_NAMES = frozenset({
    "example", "examples", "json_schema_extra", "schema_extra", "openapi_examples", "description", "help",
    "help_text", "title", "summary", "doc", "docstring", "placeholder", "verbose_name", "label", "hint",
    "message", "msg", "error_message", "detail", "alias", "validation_alias", "serialization_alias", "env",
    "env_prefix", "default_factory",
})
# Signing sinks: (positional index, keyword) of the key argument, by qualified name.
_SIGNING_SINKS: dict[str, tuple[int | None, str]] = {
    "jwt.encode": (1, "key"), "jwt.decode": (1, "key"), "jwt.api_jwt.encode": (1, "key"),
    "jwt.api_jwt.decode": (1, "key"), "jose.jwt.encode": (1, "key"), "jose.jwt.decode": (1, "key"),
    "jose.jws.sign": (1, "key"), "jose.jws.verify": (1, "key"), "authlib.jose.jwt.encode": (2, "key"),
    "authlib.jose.jwt.decode": (1, "key"), "hmac.new": (0, "key"), "hmac.digest": (0, "key"),
    "itsdangerous.URLSafeTimedSerializer": (0, "secret_key"), "itsdangerous.URLSafeSerializer": (0, "secret_key"),
    "itsdangerous.TimedSerializer": (0, "secret_key"), "itsdangerous.Serializer": (0, "secret_key"),
    "itsdangerous.Signer": (0, "secret_key"), "itsdangerous.TimestampSigner": (0, "secret_key"),
    "cryptography.fernet.Fernet": (0, "key"), "django.core.signing.Signer": (0, "key"),
    "django.core.signing.TimestampSigner": (0, "key"), "django.core.signing.dumps": (None, "key"),
    "django.core.signing.loads": (None, "key"),
}
_COMPARERS = frozenset({"hmac.compare_digest", "secrets.compare_digest"})


@rule(
    code="SP701",
    slug="hardcoded-secret",
    title="Hard-coded secret",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=798,
    control="settings-and-secrets",
    kind="file",
    hint="Read secrets from the environment with no default (`SECRET_KEY = os.environ[\"SECRET_KEY\"]`, "
    "a required pydantic-settings field, `env(\"SECRET_KEY\")`) or a secrets manager, and rotate the leaked one.",
)
def hardcoded_secret(ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags secrets written into the source:

    - string literals assigned to secret-like names at module or class level
      (`SECRET_KEY`, `JWT_SECRET`, `*_PASSWORD`, `API_KEY`, `*_TOKEN`, `client_secret`,
      `AWS_SECRET_ACCESS_KEY`, pydantic `BaseSettings` defaults such as
      `secret_key: str = "..."` or `Field(default="...")`), or to attributes and keys anywhere
      (`app.secret_key = ...`, `app.config["SECRET_KEY"] = ...`, `stripe.api_key = ...`);
    - secret-like keyword arguments, dictionary entries and parameter defaults
      (`psycopg2.connect(password="...")`, `DATABASES = {"default": {"PASSWORD": "..."}}`);
    - literal keys passed to signing calls (`jwt.encode(payload, "key")`, `hmac.new(b"key", ...)`,
      itsdangerous serializers, `Fernet(...)`, Django `Signer(key=...)`);
    - secrets used as the *default* of an environment read: `os.getenv("SECRET_KEY", "dev-secret")`,
      `os.environ.get(...) or "..."`, django-environ `env("SECRET_KEY", default="django-insecure-...")`,
      decouple `config("SECRET_KEY", default=...)`, `getattr(settings, "API_KEY", "...")`;
    - passwords inside connection strings (`postgresql://user:pass@host/db`, `redis://:pass@host`,
      `password=...` in a libpq/ODBC DSN), anywhere;
    - well-known key formats in any string: AWS access key IDs, PEM private keys, GitHub, Slack,
      Stripe, Google, OpenAI, Anthropic and SendGrid keys;
    - a secret-like value compared with a literal (`if api_key == "abc123"`).

    One finding per secret. Django's `SECRET_KEY` literals are reported here (the settings
    rules do not repeat them).

    ## Why is this bad?
    A secret in the source is in every clone, fork, backup, CI log and container image, and it
    cannot be rotated without a deploy. A signing key in the code (a JWT secret, Django's
    `SECRET_KEY`) lets anyone who has seen the code forge sessions, tokens and password-reset
    links. A default in `os.getenv("SECRET_KEY", "dev-secret")` is the key production runs with
    the day the variable is missing.

    ## Example
    ```python
    from pydantic_settings import BaseSettings
    from sqlalchemy import create_engine

    class Settings(BaseSettings):
        secret_key: str = "9c41f7e2b8d3a6f0e1c2d3b4a5968778"

    engine = create_engine("postgresql://shop:Pg5hop-2024@db.internal.example/shop")
    ```

    ## Use instead
    ```python
    import os

    from pydantic import Field
    from pydantic_settings import BaseSettings
    from sqlalchemy import create_engine

    class Settings(BaseSettings):
        secret_key: str = Field(..., min_length=32)

    engine = create_engine(os.environ["DATABASE_URL"])
    ```

    ## Known problems
    Not reported, by design: empty strings and fill-in placeholders (`"<your-key>"`,
    `"${SECRET}"`, `"xxxx"`, `"your-secret-here"`, `"changeme"`/`"change-me"`), because they mark
    a value to be supplied rather than a leaked one; note that such a placeholder left as the
    default of a signing key is still a working, publicly known key. Generic words used as
    external credentials (`DB_PASSWORD = "password"`, `user:password@` in a URL) are treated as
    placeholders too. Test code (`tests/`, `test_*.py`, `conftest.py`) and development-only
    settings (`settings/dev.py`, `settings/local.py`, `settings/test.py`, `local_settings.py`,
    classes such as `DevelopmentConfig`) are reported only for well-known key formats, which are
    real credentials wherever they appear. Credentials of a local database (`localhost`, a
    docker-compose service name) are reported at low severity. Secrets in non-Python files
    (`.env`, YAML) are not scanned. Secrets assigned to local variables inside functions are not
    reported unless passed as a keyword argument.

    ## References
    - https://cwe.mitre.org/data/definitions/798.html
    - https://docs.djangoproject.com/en/stable/ref/settings/#secret-key
    - https://owasp.org/www-project-top-ten/2017/A3_2017-Sensitive_Data_Exposure
    - https://docs.pydantic.dev/latest/concepts/pydantic_settings/
    """
    quiet = is_test_path(ctx.relpath) or is_dev_settings_path(ctx.relpath)
    candidates = _candidate_lines("\n".join(ctx.lines).lower(), quiet)
    if not candidates:
        return
    scanner = _Scanner(ctx, candidates)
    try:
        scanner.visit(ctx.tree, "module", False, ())
    except RecursionError:
        pass
    yield from scanner.hits


def _candidate_lines(text: str, formats_only: bool) -> list[int]:
    """Line numbers worth a look; ``text`` is the lower-cased source."""
    positions = [match.start() for match in (_FORMAT_CANDIDATE if formats_only else _CANDIDATE).finditer(text)]
    index = text.find("key") if not formats_only else -1
    while index != -1:  # api_key, secretKey, stripe-key: a qualified key
        found = _WORD_BEFORE.search(text[max(0, index - 24):index])
        if found and found.group(1).endswith(KEY_QUALIFIERS):
            positions.append(index)
        index = text.find("key", index + 3)
    positions.sort()
    lines: list[int] = []
    line, last = 1, 0
    for position in positions:
        line += text.count("\n", last, position)
        last = position
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


class _Scanner:
    """One pass over a module; ``consumed`` keeps one finding per string literal."""

    def __init__(self, ctx: FileContext, candidates: list[int]):
        self.ctx = ctx
        self.candidates = candidates
        self.names = ctx.names
        self.quiet = is_test_path(ctx.relpath) or is_dev_settings_path(ctx.relpath)
        self.consumed: set[int] = set()
        self.functions: list[ast.AST] = []
        self.hits: list[Hit] = []
        self._environ_readers: set[str] | None = None

    # -- traversal ------------------------------------------------------------------------
    def _relevant(self, node: ast.stmt) -> bool:
        """Does the statement span a candidate line (decorators included)?"""
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        index = bisect_left(self.candidates, start)
        return index < len(self.candidates) and self.candidates[index] <= (node.end_lineno or node.lineno)

    def visit(self, node: ast.AST, scope: str, dev: bool, path: tuple[str, ...]) -> None:
        if isinstance(node, ast.stmt) and not self._relevant(node):
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # docstrings and bare strings
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            inner = (*path, node.name) if not isinstance(node, ast.Lambda) else path
            self._parameters(node.args, dev, inner)
            for decorator in getattr(node, "decorator_list", []):
                self.visit(decorator, scope, dev, path)
            for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                self.visit(default, scope, dev, path)
            body = node.body if isinstance(node.body, list) else [node.body]
            self.functions.append(node)
            for child in body:
                self.visit(child, "function", dev, inner)
            self.functions.pop()
            return
        if isinstance(node, ast.ClassDef):
            for child in (*node.decorator_list, *node.bases, *node.keywords):
                self.visit(child, scope, dev, path)
            inner_dev = dev or is_dev_class(node.name)
            for child in node.body:
                self.visit(child, "class", inner_dev, (*path, node.name))
            return
        if isinstance(node, ast.keyword) and node.arg in _EXAMPLE_NAMES:
            return
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            if self._assignment(node, scope, dev, path):
                return  # an example or schema: nothing inside is configuration
        elif isinstance(node, ast.Call):
            self._call(node, dev, path)
        elif isinstance(node, ast.Dict):
            self._dict(node, dev, path)
        elif isinstance(node, ast.Compare):
            self._compare(node, dev, path)
        elif isinstance(node, ast.Constant):
            self._constant(node, dev, path)
            return
        for child in ast.iter_child_nodes(node):
            self.visit(child, scope, dev, path)

    # -- reporting ------------------------------------------------------------------------
    def _report(self, constant: ast.Constant, where: ast.AST, message: str, path: tuple[str, ...],
                severity: Severity | None = None, confidence: Confidence | None = None) -> None:
        if id(constant) in self.consumed:
            return
        self.consumed.add(id(constant))
        symbol = ".".join((self.ctx.module, *path))
        self.hits.append(Hit(Location.of(self.ctx.relpath, where), message, severity=severity,
                             confidence=confidence, symbol=symbol))

    def _secret(self, name: str, value_node: ast.AST | None, where: ast.AST, dev: bool, path: tuple[str, ...],
                context: str, kind: str | None = None, strict: bool = False) -> bool:
        """Report ``value_node`` when it is (or defaults to) a literal secret for ``name``."""
        found = self._literal(value_node)
        if found is None:
            return False
        constant, text, env = found
        kind = kind or secret_kind(env) or secret_kind(name)
        if kind is None or id(constant) in self.consumed:
            return False
        if self.quiet or dev:
            return False
        if not looks_like_secret(text, kind, strict=strict):
            return False
        confidence = Confidence.HIGH if randomish(text) or kind == "signing" else Confidence.MEDIUM
        what = {"signing": "signing key", "password": "password"}.get(kind, "credential")
        severity = None
        known = key_format(text)
        if known is not None:
            what, confidence = known[0], Confidence.HIGH
            severity = None if known[1] else Severity.LOW
        if env is not None:
            message = (f"{name} falls back to a hard-coded {what} when the environment variable {env} is unset"
                       if name != env else f"{name} falls back to a hard-coded {what} when it is not set")
        else:
            message = f"{context}: hard-coded {what} in a string literal"
        self._report(constant, where, message, path, severity=severity, confidence=confidence)
        return True

    # -- what a value is ------------------------------------------------------------------
    def _literal(self, node: ast.AST | None, depth: int = 0) -> tuple[ast.Constant, str, str | None] | None:
        """``(constant, text, env variable)`` when ``node`` is, wraps or defaults to a string literal."""
        if node is None or depth > 4:
            return None
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                return node, node.value, None
            if isinstance(node.value, bytes):
                return node, node.value.decode("latin-1"), None
            return None
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) >= 2:
            last = node.values[-1]
            inner = self._literal(last, depth + 1)
            if inner is not None:  # os.getenv("SECRET_KEY") or "dev-secret"
                env = next((self._env_name(v) for v in node.values[:-1] if self._env_name(v)), None)
                return inner[0], inner[1], env or inner[2]
            return None
        if not isinstance(node, ast.Call):
            return None
        func = self.names.resolve(node.func) or ""
        if isinstance(node.func, ast.Attribute) and node.func.attr in ("encode", "strip") and not node.args:
            return self._literal(node.func.value, depth + 1)
        if func in _WRAPPERS and node.args:
            return self._literal(node.args[0], depth + 1)
        if func in _FIELD_CALLS:
            default = _argument(node, 0, "default")
            return self._literal(default, depth + 1) if not _is_ellipsis(default) else None
        read = self._env_read(node)
        if read is not None:
            env, default = read
            inner = self._literal(default, depth + 1)
            return (inner[0], inner[1], env) if inner is not None else None
        return None

    def _env_read(self, call: ast.Call) -> tuple[str, ast.AST | None] | None:
        """``(variable, default node)`` for an environment or settings read with a default."""
        func = self.names.resolve(call.func) or ""
        if func == "builtins.getattr":  # getattr(settings, "API_KEY", "fallback")
            name = call.args[1] if len(call.args) == 3 else None
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                return name.value, call.args[2]
            return None
        key = call.args[0] if call.args else _argument(call, None, "key")
        key_text = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
        if key_text is None:
            return None
        if func in _ENV_GETTERS or func.endswith("decouple.config"):
            return key_text, _argument(call, 1, "default")
        if self._is_environ_reader(call.func):
            if isinstance(call.func, ast.Attribute):  # env.str("X", "default")
                return key_text, _argument(call, 1, "default")
            return key_text, _argument(call, 2, "default")  # env("X", cast, default)
        if isinstance(call.func, ast.Attribute) and call.func.attr == "get" and len(call.args) == 2:
            return key_text, call.args[1]  # config.get("SECRET_KEY", "fallback")
        return None

    def _env_name(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Call):
            read = self._env_read(node)
            if read is not None:
                return read[0]
            func = self.names.resolve(node.func) or ""
            if func in _ENV_GETTERS or self._is_environ_reader(node.func):
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    return first.value
        if isinstance(node, ast.Subscript) and self.names.resolve(node.value) == "os.environ":
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                return node.slice.value
        return None

    def _is_environ_reader(self, func: ast.AST) -> bool:
        """``env(...)``/``env.str(...)`` where ``env = environ.Env(...)`` here or is imported as ``env``."""
        target = func.value if isinstance(func, ast.Attribute) else func
        if isinstance(func, ast.Attribute) and func.attr not in _ENVIRON_METHODS:
            return False
        if not isinstance(target, ast.Name):
            return False
        if self._environ_readers is None:
            readers = set()
            facts = self.ctx.facts.module_facts if self.ctx.facts is not None else None
            for variable in facts.variables if facts is not None else ():
                if (variable.call or "").endswith(("environ.Env", "environ.environ.Env", "decouple.AutoConfig",
                                                   "decouple.Config")):
                    readers.add(variable.qualname.rsplit(".", 1)[-1])
            self._environ_readers = readers
        if target.id in self._environ_readers:
            return True
        bound = self.names.resolve(target) or ""
        if bound == f"{self.ctx.module}.{target.id}":
            return False  # a module-level name of this file that is not an ``environ.Env()``
        return target.id == "env" or bound.endswith(".env")

    # -- the patterns ---------------------------------------------------------------------
    def _assignment(self, node: ast.Assign | ast.AnnAssign, scope: str, dev: bool, path: tuple[str, ...]) -> bool:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name) and target.id in _EXAMPLE_NAMES:
                return True
            name = None
            if isinstance(target, ast.Name) and scope in ("module", "class"):
                name = target.id
            elif isinstance(target, ast.Attribute):
                name = target.attr
            elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) \
                    and isinstance(target.slice.value, str):
                name = target.slice.value
            if name is not None:
                self._secret(name, node.value, node, dev, path, name)
        return False

    def _parameters(self, arguments: ast.arguments, dev: bool, path: tuple[str, ...]) -> None:
        positional = arguments.posonlyargs + arguments.args
        defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
        for arg, default in list(zip(positional, defaults)) + list(zip(arguments.kwonlyargs, arguments.kw_defaults)):
            if default is not None:
                self._secret(arg.arg, default, default, dev, path, f"default of parameter {arg.arg}")

    def _call(self, call: ast.Call, dev: bool, path: tuple[str, ...]) -> None:
        func = self.names.resolve(call.func) or ""
        callee = _callee_text(call)
        sink = _SIGNING_SINKS.get(func)
        if sink is not None:
            position, keyword = sink
            key = _argument(call, position, keyword)
            self._secret(keyword, key, key or call, dev, path, f"key passed to {callee}", kind="signing")
        for keyword in call.keywords:
            if keyword.arg and keyword.arg not in _EXAMPLE_NAMES:
                self._secret(keyword.arg, keyword.value, keyword.value, dev, path,
                             f"{keyword.arg}= passed to {callee}")
        read = self._env_read(call)
        if read is not None:
            self._secret(read[0], call, call, dev, path, read[0])
        if func in _COMPARERS and len(call.args) == 2:
            self._comparison(call.args[0], call.args[1], call, dev, path)

    def _dict(self, node: ast.Dict, dev: bool, path: tuple[str, ...]) -> None:
        local_host = False
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.upper() == "HOST":
                host = self._literal(value)  # "localhost", or os.environ.get("DB_HOST", "localhost")
                local_host = host is not None and is_local_host(host[1])
        for key, value in zip(node.keys, node.values):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            if key.value in _EXAMPLE_NAMES:
                found = self._literal(value)
                if found is not None:
                    self.consumed.add(id(found[0]))
                continue
            before = len(self.hits)
            self._secret(key.value, value, value, dev, path, f"{key.value!r} entry")
            if local_host and len(self.hits) > before:
                last = self.hits[-1]
                self.hits[-1] = Hit(last.location, last.message + " (local database)", severity=Severity.LOW,
                                    confidence=last.confidence, symbol=last.symbol)

    def _compare(self, node: ast.Compare, dev: bool, path: tuple[str, ...]) -> None:
        if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            return
        self._comparison(node.left, node.comparators[0], node, dev, path)

    def _comparison(self, left: ast.AST, right: ast.AST, where: ast.AST, dev: bool, path: tuple[str, ...]) -> None:
        for side, other in ((left, right), (right, left)):
            name = _reference_name(side)
            if name and isinstance(other, ast.Name) and self.functions:
                other = _local_literal(self.functions[-1], other.id, getattr(where, "lineno", 0)) or other
            if name and isinstance(other, ast.Constant) and isinstance(other.value, (str, bytes)):
                self._secret(name, other, where, dev, path, f"{name} compared with a literal", strict=True)

    def _constant(self, node: ast.Constant, dev: bool, path: tuple[str, ...]) -> None:
        if id(node) in self.consumed:
            return
        value = node.value
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if not isinstance(value, str) or len(value) < 12:
            return
        found = key_format(value)
        if found is not None:
            label, production = found
            self._report(node, node, f"{label} in a string literal", path,
                         severity=None if production else Severity.LOW)
            return
        if self.quiet or dev:
            return
        credentials = url_credentials(value)
        if credentials is not None:
            shown, host = credentials
            local = is_local_host(host)
            self._report(node, node, f"connection string embeds a password ({shown})"
                         + (" for a local database" if local else ""), path,
                         severity=Severity.LOW if local else None)



def _argument(call: ast.Call, position: int | None, keyword: str) -> ast.AST | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if position is not None and position < len(call.args):
        if not any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
            return call.args[position]
    return None


def _local_literal(function: ast.AST, name: str, before_line: int) -> ast.Constant | None:
    """``expected = b"swordfish"`` earlier in the function, assigned once."""
    found = [n.value for n in ast.walk(function) if isinstance(n, ast.Assign) and n.lineno < before_line
             and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)]
    return found[0] if len(found) == 1 and isinstance(found[0], ast.Constant) else None


def _is_ellipsis(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _reference_name(node: ast.AST) -> str | None:
    """The name a compared value goes by: ``api_key``, ``settings.API_KEY``, ``headers["X-API-Key"]``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr in ("encode", "strip", "lower", "decode") and not node.args:
            return _reference_name(node.func.value)
        if node.func.attr == "get" and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            return node.args[0].value
        return None
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    return None


def _callee_text(call: ast.Call) -> str:
    try:
        text = ast.unparse(call.func)
    except Exception:  # odd nodes never break a rule
        return "a call"
    return text if len(text) <= 50 else text[:47] + "..."
