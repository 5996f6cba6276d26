from __future__ import annotations

import ast
import re
from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.rules.passwords._passwords import (
    is_confirmation, is_plain_password, last_assignment, password_kind, reference_name, root_name, text, unwrap,
)
from secprofile.rules.secrets._paths import is_test_path

_STORE_METHODS = frozenset({"create", "update", "get_or_create", "update_or_create", "values"})
_QUERY_METHODS = frozenset({"filter", "get", "exclude", "filter_by", "get_or_none", "first"})
_DOCUMENT_METHODS = frozenset({"insert_one", "insert_many", "update_one", "update_many", "replace_one",
                               "find_one_and_update", "hset", "hmset", "append", "insert"})
_SCHEMA_MODULE_WORDS = frozenset({"schemas", "schema", "serializers", "forms", "dto", "dtos", "requests",
                                  "payloads", "api_models", "validators"})
_MODEL_MODULE_WORDS = frozenset({"models", "model", "entities", "entity", "orm", "tables", "db", "database",
                                 "domain", "documents"})
_SCHEMA_SUFFIX = re.compile(r"(Create|In|Input|Update|Schema|Request|Form|Payload|Body|Base|Out|Response|DTO|"
                            r"Login|Register|Registration|Serializer|Params|Credentials|Data)$")
_STORED_ROOT = re.compile(r"(?i)(^|_)(user|users|account|accounts|member|customer|admin|profile|staff|employee|"
                          r"person|owner|instance|obj|record|row|entity|existing|stored|found|entry|db|u)(_|$|s$)")
_INPUT_ROOT = re.compile(r"(?i)(^|_)(in|create|update|data|form|schema|payload|request|dto|body|params|"
                         r"credentials|creds|login|input|cleaned)$|^(payload|body|data|form|schema|credentials|"
                         r"creds|params|request|req|args|kwargs|json|validated_data|cleaned_data)$")
_CONTAINER_ROOT = re.compile(r"(?i)(user|account|db|database|store|storage|session|cache|redis|credential|members?)")
_SQL_COMPARE = re.compile(r"(?is)\bwhere\b.*\b(?:pass|password|passwd|pwd)\s*=\s*(?:\?|%s|:\w+|%\(\w+\)s|\$\d+)")
_SQL_INSERT = re.compile(r"(?is)\binsert\s+into\s+[\w.\"`\[\]]+\s*\(([^)]*)\)")
_SQL_UPDATE = re.compile(r"(?is)\bupdate\s+[\w.\"`\[\]]+\s+set\b.*\b(?:password|passwd|pwd)\s*=\s*(?:\?|%s|:\w+|"
                         r"%\(\w+\)s|\$\d+)")
_SQL_COLUMN = re.compile(r"(?i)^[\"`\[]?(password|passwd|pwd|pass)[\"`\]]?$")
_MENTIONS = ("passw", "pwd", "passphrase")  # lower case; a plain substring test beats a (?i) regex
_KNOWN_MODELS = frozenset({"django.contrib.auth.models.User", "django.contrib.auth.models.AbstractUser",
                           "django.contrib.auth.base_user.AbstractBaseUser", "django.contrib.auth.get_user_model"})
_ORM_ROOTS = ("django.db.models.Model", "django.db.models.base.Model", "sqlalchemy.orm.DeclarativeBase",
              "sqlalchemy.orm.decl_api.DeclarativeBase", "sqlalchemy.ext.declarative.declarative_base",
              "sqlalchemy.orm.declarative_base", "sqlmodel.SQLModel", "tortoise.models.Model", "tortoise.Model",
              "peewee.Model", "mongoengine.Document", "beanie.Document", "odmantic.Model", "ormar.Model",
              "flask_sqlalchemy", "django.contrib.auth.models.AbstractUser",
              "django.contrib.auth.base_user.AbstractBaseUser", "django.contrib.auth.models.AbstractBaseUser")


def _scout(ctx: FileContext) -> tuple[int, ...] | None:
    """Lines that would be reported if every class the file names were a plain ORM model.

    Runs in the worker with the tree at hand; the project check re-walks only files with
    such lines, now knowing which classes really are models (answers only ever remove hits).
    """
    if is_test_path(ctx.relpath):
        return None
    text = "\n".join(ctx.lines).lower()
    if not any(word in text for word in _MENTIONS):
        return None
    hits: list[Hit] = []
    _walk(ctx.tree, ctx, _AnyModel(), hits)
    return tuple(sorted({hit.location.line for hit in hits})) or None


@rule(
    code="SP751",
    slug="plaintext-password",
    title="Password stored or compared in plain text",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=256,
    control="password-storage",
    kind="project",
    scout=_scout,
    hint="Store only a password hash and compare with the hasher: `user.hashed_password = pwd_context.hash(p)` "
    "then `pwd_context.verify(p, user.hashed_password)`; in Django use `create_user()`/`set_password()` and "
    "`check_password()`.",
)
def plaintext_password(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags passwords written to storage or checked without hashing:

    - a model created or updated with the password as typed: `User(password=payload.password)`,
      `User.objects.create(username=..., password=request.POST["password"])`,
      `insert(User).values(password=...)`, `users.insert_one({"password": ...})`, or any call
      passing the raw password as `hashed_password=`/`password_hash=`;
    - `user.password = data["password"]` (or `user.hashed_password = form.password.data`), also
      through a local variable;
    - comparisons of a stored password with the one submitted: `if user.password ==
      form.password`, `User.password == password` in a query, `filter_by(password=...)`,
      `User.objects.get(username=u, password=p)`, `hmac.compare_digest(user.password, p)`;
    - SQL that stores or matches a raw password column:
      `"SELECT ... WHERE username = ? AND password = ?"` executed with the raw password.

    Not reported: values that went through a hashing call (`hashed_password=hash_password(p)`,
    `make_password(p)`), `set_password`, `create_user(password=...)`, `check_password`,
    `pwd_context.verify(...)`, a Pydantic schema or form field named `password`, and
    `password == confirm_password` checks between two fields of the same request.

    ## Why is this bad?
    A database of plaintext passwords turns any read access (an SQL injection, a backup, a
    curious employee, a stolen laptop) into the users' passwords, which they reuse on other
    sites. Comparing stored passwords directly is the tell-tale sign of such storage.

    ## Example
    ```python
    from django.contrib.auth.models import User
    from django.http import JsonResponse

    def register(request):
        user = User.objects.create(username=request.POST["username"], password=request.POST["password"])
        return JsonResponse({"id": user.pk})
    ```

    ## Use instead
    ```python
    from django.contrib.auth.models import User
    from django.http import JsonResponse

    def register(request):
        user = User.objects.create_user(username=request.POST["username"], password=request.POST["password"])
        return JsonResponse({"id": user.pk})
    ```

    ## Known problems
    Models are recognised by their module (`models.py`, `db/`, `entities/`) and base classes; a
    model defined in an oddly named module and built with `password=` is missed. Passwords are
    recognised by name (`password`, `passwd`, `pwd`, `new_password`...). Test code is not
    scanned. Hashing with a fast hash (`hashlib.sha256`) is SP750's finding.

    ## References
    - https://cwe.mitre.org/data/definitions/256.html
    - https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
    - https://docs.djangoproject.com/en/stable/topics/auth/passwords/
    """
    models = _Models(project)
    for facts in sorted(project.python_files(), key=lambda f: f.relpath):
        if facts.names is None or not facts.note("SP751"):
            continue
        tree = project.tree(facts.relpath)
        if tree is None:
            continue
        ctx = FileContext(facts.relpath, facts.module, tree, facts.names, [], facts)
        hits: list[Hit] = []
        try:
            _walk(tree, ctx, models, hits)
        except RecursionError:
            continue
        yield from hits


def _walk(node: ast.AST, ctx: FileContext, models: "_Models", hits: list[Hit]) -> None:
    if isinstance(node, ast.Compare):
        hits.extend(_compare(node, ctx))
    elif isinstance(node, ast.Assign):
        hits.extend(_assign(node, ctx, models))
    elif isinstance(node, ast.Call):
        hits.extend(_call(node, ctx, models))
    ctx.stack.append(node)
    for child in ast.iter_child_nodes(node):
        _walk(child, ctx, models, hits)
    ctx.stack.pop()


class _AnyModel:
    """The scout's stand-in for :class:`_Models`: every class is a model that stores what it
    is given, the answers under which the walk reports the most."""

    def is_orm(self, qualname: str, depth: int = 0) -> bool:
        return True

    def hashes_itself(self, qualname: str) -> bool:
        return False

    def has_init(self, qualname: str) -> bool:
        return False

    def known(self, qualname: str) -> bool:
        return True


class _Models:
    """Which classes are ORM models, and which hash passwords themselves (a ``password`` setter)."""

    def __init__(self, project: Project):
        self.project = project
        self._memo: dict[str, bool] = {}

    def canonical(self, qualname: str) -> str:
        return self.project.names.canonical(qualname) or qualname

    def is_orm(self, qualname: str, depth: int = 0) -> bool:
        name = self.canonical(qualname)
        if name in self._memo:
            return self._memo[name]
        self._memo[name] = False
        result = False
        if name in _KNOWN_MODELS or name.startswith(_ORM_ROOTS):
            result = True
        elif depth < 8:
            cls = self.project.classes.get(name)
            variable = self.project.variables.get(name)
            if cls is not None:
                result = any(self.is_orm(base, depth + 1) for base in cls.bases) or any(
                    k == "__tablename__" for k, _ in cls.attributes
                )
            elif variable is not None and variable.call:  # Base = declarative_base()
                result = self.canonical(variable.call).startswith(_ORM_ROOTS)
            elif name.endswith(".Model"):  # Flask-SQLAlchemy: db = SQLAlchemy(); class User(db.Model)
                owner = self.project.variables.get(name[: -len(".Model")])
                result = bool(owner and owner.call and "SQLAlchemy" in owner.call)
        self._memo[name] = result
        return result

    def hashes_itself(self, qualname: str) -> bool:
        cls = self.project.classes.get(self.canonical(qualname))
        return cls is not None and "password" in cls.methods

    def has_init(self, qualname: str) -> bool:
        cls = self.project.classes.get(self.canonical(qualname))
        return cls is not None and "__init__" in cls.methods

    def known(self, qualname: str) -> bool:
        return self.canonical(qualname) in self.project.classes


# -- comparisons ---------------------------------------------------------------------------
def _compare(node: ast.Compare, ctx: FileContext) -> Iterator[Hit]:
    if len(node.ops) != 1 or not isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
        return
    found = _plaintext_pair(node.left, node.comparators[0], ctx)
    if found:
        yield ctx.hit(node, f"compares passwords in plain text ({found}): the stored password is not hashed")


def _plaintext_pair(left: ast.AST, right: ast.AST, ctx: FileContext) -> str | None:
    a, b = unwrap(left, ctx.resolve), unwrap(right, ctx.resolve)
    names = reference_name(a), reference_name(b)
    if not all(names) or password_kind(names[0]) != "plain" or password_kind(names[1]) != "plain":
        return None
    roots = root_name(a), root_name(b)
    if roots[0] == roots[1] and roots[0] is not None and not isinstance(a, ast.Name):
        return None  # payload.password == payload.confirm_password
    if any(is_confirmation(n) for n in names if n) or any(_settings_like(r) for r in roots):
        return None
    stored = [_stored_side(x) for x in (a, b)]
    if not any(stored) or all(stored):
        return None
    return f"{text(left)} vs {text(right)}"


def _stored_side(node: ast.AST) -> bool:
    """``user.password``, ``User.password``, ``fake_db[name]["password"]``, ``row["password"]``."""
    if isinstance(node, ast.Name):
        return False
    root = root_name(node)
    if root is None:
        return False
    if root[:1].isupper() and not root.isupper():
        return True  # a model class: User.password in a query
    return bool(_STORED_ROOT.search(root)) and not _INPUT_ROOT.search(root)


def _settings_like(root: str | None) -> bool:
    return bool(root) and (root in ("settings", "config", "conf", "os", "environ", "env") or root.isupper())


# -- assignments ---------------------------------------------------------------------------
def _assign(node: ast.Assign, ctx: FileContext, models: _Models) -> Iterator[Hit]:
    function = ctx.enclosing_function()
    for target in node.targets:
        if isinstance(target, ast.Attribute):
            if target.attr.startswith("_"):
                continue  # a private, in-memory attribute (Django keeps ``_password`` for validators)
            kind = password_kind(target.attr)
            root = root_name(target)
            if kind is None or root is None or _settings_like(root):
                continue
            if root == "self" and not _in_model_class(ctx, models):
                continue
            if root != "self" and kind == "plain" and _receiver_hashes(target, function, node.lineno, ctx, models):
                continue  # the model's ``password`` property hashes what it is given
            if root != "self" and not (_STORED_ROOT.search(root) or _attribute_of_user(target)) \
                    or (root != "self" and _INPUT_ROOT.search(root)):
                continue
            if is_plain_password(node.value, function, node.lineno, ctx.resolve):
                yield ctx.hit(node, f"{text(target)} is assigned the password as typed ({text(node.value)}): "
                              "it is stored in plain text")
                return
        elif isinstance(target, ast.Subscript):
            key = target.slice.value if isinstance(target.slice, ast.Constant) else None
            root = root_name(target) or ""
            if not _CONTAINER_ROOT.search(root) or _INPUT_ROOT.search(root):
                continue
            if isinstance(key, str) and password_kind(key) and \
                    is_plain_password(node.value, function, node.lineno, ctx.resolve):
                yield ctx.hit(node, f"{text(target)} keeps the password as typed ({text(node.value)}) in plain text")
                return
            entry = _raw_dict_entry(node.value, function, node.lineno, ctx)
            if entry:
                yield ctx.hit(node, f"{text(target)} stores a record with the password as typed ({entry})")
                return


def _receiver_hashes(target: ast.Attribute, function, line: int, ctx: FileContext, models: _Models) -> bool:
    """``account = Account(...)`` / ``db.get(Account, id)`` where ``Account`` has a ``password`` setter."""
    receiver = target.value
    if not isinstance(receiver, ast.Name):
        return False
    assigned = last_assignment(function, receiver.id, line)
    if assigned is None:
        return False
    for node in ast.walk(assigned):
        if isinstance(node, (ast.Name, ast.Attribute)):
            qualname = ctx.resolve(node)
            if qualname and models.known(qualname):
                return models.hashes_itself(qualname)
    return False


def _attribute_of_user(target: ast.Attribute) -> bool:
    """``request.user.password = ...``."""
    return isinstance(target.value, ast.Attribute) and target.value.attr == "user"


def _in_model_class(ctx: FileContext, models: _Models) -> bool:
    for node in reversed(ctx.stack):
        if isinstance(node, ast.ClassDef):
            if any(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "password" for s in node.body):
                return False
            qualname = f"{ctx.module}.{node.name}"
            if models.known(qualname):
                return models.is_orm(qualname)
            return any(_orm_base(ctx.resolve(base) or text(base)) for base in node.bases)
    return False


def _orm_base(name: str) -> bool:
    """A loose test for base classes outside the project: ``models.Model``, ``db.Model``, ``Base``."""
    return name.startswith(_ORM_ROOTS) or name.rsplit(".", 1)[-1] in ("Base", "Model", "Document", "SQLModel")


def _raw_dict_entry(node: ast.AST, function, line: int, ctx: FileContext) -> str | None:
    if not isinstance(node, ast.Dict):
        return None
    for key, value in zip(node.keys, node.values):
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and password_kind(key.value) \
                and is_plain_password(value, function, line, ctx.resolve):
            return f"{key.value!r}: {text(value)}"
    return None


# -- calls ---------------------------------------------------------------------------------
def _call(node: ast.Call, ctx: FileContext, models: _Models) -> Iterator[Hit]:
    func = node.func
    attr = func.attr if isinstance(func, ast.Attribute) else None
    if attr in ("execute", "executemany", "exec_driver_sql", "raw") and node.args:
        found = _sql(node, ctx)
        if found:
            yield ctx.hit(node, found)
        return
    if attr in ("compare_digest",) and len(node.args) == 2:
        pair = _plaintext_pair(node.args[0], node.args[1], ctx)
        if pair:
            yield ctx.hit(node, f"compares passwords in plain text ({pair}): the stored password is not hashed")
        return
    keywords = [k for k in node.keywords if k.arg and password_kind(k.arg)]
    function = ctx.enclosing_function()
    if attr in _DOCUMENT_METHODS and node.args:
        root = root_name(func.value) or ""
        if attr not in ("append", "insert") or _CONTAINER_ROOT.search(root):
            for argument in node.args:
                entry = _raw_dict_entry(argument, function, node.lineno, ctx)
                if entry:
                    yield ctx.hit(node, f"{text(func)}(...) stores a record with the password as typed ({entry})")
                    return
    if not keywords:
        return
    for keyword in keywords:
        if not is_plain_password(keyword.value, function, node.lineno, ctx.resolve):
            continue
        kind = password_kind(keyword.arg)
        shown = f"{keyword.arg}={text(keyword.value)}"
        message = None
        if kind == "hashed":
            message = f"passes the password as typed as {shown}: it is stored in plain text"
        elif attr in _QUERY_METHODS and (attr == "filter_by" or _on_manager(func)):
            message = f"looks a user up by the plaintext password ({shown}): passwords are stored in plain text"
        elif attr in _STORE_METHODS and (_on_manager(func) or attr == "values" or _is_model(func.value, ctx, models)):
            message = f"stores the password as typed ({shown})"
        elif _is_model(func, ctx, models):
            message = f"builds a model with the password as typed ({shown})"
        if message:
            yield ctx.hit(node, f"{text(func)}(...) {message}")
            return


def _on_manager(func: ast.AST) -> bool:
    """``User.objects.create``, ``Model.objects.filter(...).update``."""
    for node in ast.walk(func):
        if isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager", "query"):
            return True
    return False


def _is_model(node: ast.AST, ctx: FileContext, models: _Models) -> bool:
    """``node`` names an ORM model class that does not hash passwords itself."""
    if isinstance(node, ast.Call) and not node.args:  # get_user_model()(...)
        node = node.func
    if not isinstance(node, (ast.Name, ast.Attribute)):
        return False
    qualname = ctx.resolve(node)
    if not qualname:
        return False
    if qualname in _KNOWN_MODELS:
        return True
    if models.known(qualname):
        # A model with its own ``__init__`` is judged where it stores the value (``self.password = ...``).
        return models.is_orm(qualname) and not models.hashes_itself(qualname) and not models.has_init(qualname)
    name = qualname.rsplit(".", 1)[-1]
    if not name[:1].isupper() or _SCHEMA_SUFFIX.search(name):
        return False
    modules = set(qualname.split(".")[:-1])  # a model from an installed package, judged by its module
    return bool(modules & _MODEL_MODULE_WORDS) and not modules & _SCHEMA_MODULE_WORDS


def _sql(node: ast.Call, ctx: FileContext) -> str | None:
    query = node.args[0]
    if isinstance(query, ast.Call) and query.args and (ctx.resolve(query.func) or "").endswith("text"):
        query = query.args[0]
    if not (isinstance(query, ast.Constant) and isinstance(query.value, str)):
        return None
    sql = query.value
    params = node.args[1] if len(node.args) > 1 else None
    if params is None:
        return None
    function = ctx.enclosing_function()
    values = list(params.elts) if isinstance(params, (ast.Tuple, ast.List)) else \
        list(params.values) if isinstance(params, ast.Dict) else [params]
    raw = [v for v in values if is_plain_password(v, function, node.lineno, ctx.resolve)]
    if not raw:
        return None
    if _SQL_COMPARE.search(sql):
        return f"SQL matches the password column against the password as typed ({text(raw[0])}): passwords are " \
               "stored in plain text"
    insert = _SQL_INSERT.search(sql)
    if insert and any(_SQL_COLUMN.match(c.strip()) for c in insert.group(1).split(",")):
        return f"SQL inserts the password as typed ({text(raw[0])}) into the password column"
    if _SQL_UPDATE.search(sql):
        return f"SQL updates the password column with the password as typed ({text(raw[0])})"
    return None

