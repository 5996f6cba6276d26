from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

from secprofile.model.fastapi_app import Route, user_params
from secprofile.model.project import Project
from secprofile.rules.authorization._ownership import USER_CLASS_NAMES, owner_field, statements, text_of, walk_own
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.source.location import Location
from secprofile.source.names import ModuleNames

# A dependency that restricts a route to privileged users or checks permissions itself.
_PRIVILEGED_DEPENDENCY = re.compile(
    r"admin|superuser|super_user|staff|(^|_)roles?($|_)|role_?checker|permission|(^|_)perms?($|_)|privileg|scope|"
    r"moderator|(^|_)owner|rbac|(^|_)acl($|_)|polic(y|ies)",
    re.I,
)
# An attribute or call on the user that decides privileges: user.is_admin, user.role, user.has_perm(...)
_ROLE_ATTRIBUTE = re.compile(
    r"^(is_(super_?user|admin|staff|moderator|owner|manager)|roles?|permissions?|scopes?|groups?|has_perm(s)?|"
    r"has_role|has_scope|has_permission|can_\w+|is_member_of|privileges?|admin|superuser)$",
    re.I,
)
# A helper that checks access when it is handed the user: check_owner(order, user), authorize(user, order) ...
_CHECK_HELPER = re.compile(
    r"(check|verify|ensure|assert|authori[sz]e|require|can_|permission|owner|access|allowed|policy|guard|enforce|"
    r"is_superuser|is_admin)",
    re.I,
)
_SESSION_GETS = frozenset({"get", "get_one"})
_QUERY_FUNCTIONS = frozenset({"select", "update", "delete", "query", "exec"})
_CLASS_FETCHES = frozenset({"get", "get_or_none", "filter", "get_or_404", "find_one", "find", "get_by_id",
                            "find_by_id", "select", "objects", "first", "one", "get_or_create", "exclude", "where"})
_HELPER_NAMES = re.compile(r"get|fetch|load|find|retrieve|read|404|first|one|lookup|by_id", re.I)
_SCALARS = frozenset({"builtins.int", "builtins.str", "uuid.UUID", "builtins.bytes", "int", "str", None})
_MAX_DEPTH = 3


@dataclass(frozen=True)
class _Fetch:
    model: str
    owner: str  # the model's owner field; "" for the user model itself
    unit: ast.AST  # the statement (in the handler) that reaches it
    text: str  # what it does, for the message
    id_name: str


class _Body:
    """One function body under analysis: which names hold ids from the client and the current user."""

    def __init__(self, project: Project, node: ast.FunctionDef | ast.AsyncFunctionDef, names: ModuleNames,
                 id_names: set[str], user_names: set[str], body_params: set[str]):
        self.project = project
        self.node = node
        self.names = names
        self.id_names = set(id_names)
        self.user_names = set(user_names)
        self.body_params = body_params
        self.locals: dict[str, str] = {}  # local name -> project class (service = OrderService(db))
        self._propagate()

    def _propagate(self) -> None:
        for unit in statements(self.node.body):
            if not isinstance(unit, (ast.Assign, ast.AnnAssign)) or unit.value is None:
                continue
            targets = [t for t in (unit.targets if isinstance(unit, ast.Assign) else [unit.target])
                       if isinstance(t, ast.Name)]
            if not targets:
                continue
            value = unit.value
            if self.mentions_user(value):
                self.user_names.update(t.id for t in targets)
            elif self._is_id_expression(value):
                self.id_names.update(t.id for t in targets)
            if isinstance(value, ast.Call):
                cls = self.project_class(value.func)
                if cls:
                    for target in targets:
                        self.locals[target.id] = cls

    def _is_id_expression(self, node: ast.AST) -> bool:
        """``oid = int(order_id)`` / ``oid = UUID(order_id)``: the id itself, not something fetched with it."""
        if isinstance(node, ast.Name):
            return node.id in self.id_names
        if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords \
                and isinstance(node.func, ast.Name):
            return self._is_id_expression(node.args[0])
        return False

    # -- references
    def id_ref(self, node: ast.AST) -> str | None:
        for child in walk_own(node):
            if isinstance(child, ast.Name) and child.id in self.id_names:
                return child.id
            if isinstance(child, ast.Attribute) and isinstance(child.value, ast.Name) \
                    and child.value.id in self.body_params and (child.attr == "id" or child.attr.endswith("_id")):
                return f"{child.value.id}.{child.attr}"
        return None

    def mentions_user(self, node: ast.AST) -> bool:
        for child in walk_own(node):
            if isinstance(child, ast.Name) and child.id in self.user_names:
                return True
            if isinstance(child, ast.Attribute) and child.attr in ("user", "current_user", "user_id") and (
                (isinstance(child.value, ast.Name) and child.value.id in ("request", "req"))
                or (isinstance(child.value, ast.Attribute) and child.value.attr == "state")
            ):
                return True
        return False

    # -- resolution
    def project_class(self, node: ast.AST) -> str | None:
        qualname = self.names.resolve(node)
        if not qualname:
            return None
        canonical = self.project.names.canonical(qualname) or qualname
        return canonical if canonical in self.project.classes else None

    def model_of(self, node: ast.AST) -> str | None:
        """``Order`` or ``Order.id`` (in select(Order.id, ...)) → the project class."""
        found = self.project_class(node)
        if found is None and isinstance(node, ast.Attribute):
            found = self.project_class(node.value)
        return found

    def callee(self, call: ast.Call):
        """The project function (or method) a call reaches, if any."""
        project = self.project
        func = call.func
        qualname = self.names.resolve(func)
        if qualname:
            found = project.function(qualname)
            if found is not None:
                return found
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call):
            cls = self.project_class(func.value.func)  # InvoiceService(db).load(invoice_id)
            if cls:
                return self._method(cls, func.attr, 0)
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            cls = self.locals.get(func.value.id)
            if cls is None:
                for param in self._params():
                    if param.name == func.value.id and param.annotation:
                        cls = project.names.canonical(param.annotation) or param.annotation
            if cls:
                return self._method(cls, func.attr, 0)
        return None

    def _method(self, cls: str, name: str, depth: int):
        found = self.project.functions.get(f"{cls}.{name}")
        if found is not None or depth > 4:
            return found
        facts = self.project.classes.get(cls)
        for base in facts.bases if facts else ():
            found = self._method(self.project.names.canonical(base) or base, name, depth + 1)
            if found is not None:
                return found
        return None

    def _params(self):
        from secprofile.model.module import params_of  # local: only needed for instance-method helpers

        return params_of(self.node, self.names)

    # -- what the body does
    def subjects(self, unit: ast.AST) -> list[tuple[str, ast.Call]]:
        """Models this unit loads, updates or deletes, with the call that does it."""
        found = []
        for child in walk_own(unit):
            if not isinstance(child, ast.Call):
                continue
            func = child.func
            attr = func.attr if isinstance(func, ast.Attribute) else None
            resolved = self.names.resolve(func) or ""
            tail = resolved.rsplit(".", 1)[-1] if resolved else (func.id if isinstance(func, ast.Name) else "")
            if attr in _SESSION_GETS and len(child.args) >= 2:
                model = self.model_of(child.args[0])
                if model:
                    found.append((model, child))
                    continue
            if (attr or tail) in _QUERY_FUNCTIONS or resolved.startswith(("sqlalchemy.", "sqlmodel.")) and \
                    tail in _QUERY_FUNCTIONS:
                for arg in child.args:
                    model = self.model_of(arg)
                    if model:
                        found.append((model, child))
                        break
                continue
            if attr in _CLASS_FETCHES:
                base = func.value
                if isinstance(base, ast.Attribute) and base.attr == "objects":
                    base = base.value
                model = self.project_class(base)
                if model:
                    found.append((model, child))
                    continue
            name = attr or tail
            if name and _HELPER_NAMES.search(name):
                for arg in child.args:
                    model = self.project_class(arg)
                    if model:
                        found.append((model, child))
                        break
        return found

    def role_checked(self) -> bool:
        """The body checks the user's role or permissions (``if not user.is_admin: raise ...``)."""
        for node in walk_own(self.node):
            if isinstance(node, ast.Compare):
                if any(self._role_check(side) for side in [node.left, *node.comparators]):
                    return True
            elif isinstance(node, (ast.If, ast.IfExp, ast.Assert, ast.While)):
                for part in ast.walk(node.test):
                    if self._role_check(part):
                        return True
            elif isinstance(node, ast.Call):
                name = _call_name(node)
                arguments = [*node.args, *(k.value for k in node.keywords)]
                if name and _CHECK_HELPER.search(name) and any(self.mentions_user(a) for a in arguments) and all(
                    self.mentions_user(a) or isinstance(a, ast.Constant) for a in arguments
                ):
                    return True  # check_permission(user, "orders:write")
        return False

    def object_names(self, unit: ast.AST) -> set[str]:
        """Names that hold what ``unit`` loaded: its targets, and what is later derived from them."""
        found: set[str] = set()
        started = False
        for current in statements(self.node.body):
            if current is unit:
                started = True
                if isinstance(current, (ast.Assign, ast.AnnAssign)):
                    targets = current.targets if isinstance(current, ast.Assign) else [current.target]
                    found.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
                elif isinstance(current, ast.NamedExpr) and isinstance(current.target, ast.Name):
                    found.add(current.target.id)
                continue
            if started and isinstance(current, (ast.Assign, ast.AnnAssign)) and current.value is not None and any(
                isinstance(n, ast.Name) and n.id in found for n in walk_own(current.value)
            ):
                targets = current.targets if isinstance(current, ast.Assign) else [current.target]
                found.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
        return found

    def owner_checked(self, subjects: set[str], model: str) -> bool:
        """A comparison of the loaded object (or its id, or its model's columns) with the current user,
        or a checker call handed both."""
        model_name = model.rsplit(".", 1)[-1]

        def about_subject(node: ast.AST) -> bool:
            for child in walk_own(node):
                if isinstance(child, ast.Name) and (child.id in subjects or child.id == model_name):
                    return True
            return False

        for node in walk_own(self.node):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                if any(self.mentions_user(side) for side in sides) and any(
                    about_subject(side) and not self.mentions_user(side) for side in sides
                ):
                    return True
                if isinstance(node.ops[0], (ast.In, ast.NotIn)) and self.mentions_user(node.comparators[0]) \
                        and about_subject(node.left):
                    return True  # order in user.orders
            elif isinstance(node, ast.Call):
                name = _call_name(node)
                arguments = [*node.args, *(k.value for k in node.keywords)]
                if name and _CHECK_HELPER.search(name) and any(self.mentions_user(a) for a in arguments) and any(
                    about_subject(a) for a in arguments
                ):
                    return True
        return False

    def _role_check(self, node: ast.AST) -> bool:
        target = node.func if isinstance(node, ast.Call) else node
        if isinstance(target, ast.Attribute) and _ROLE_ATTRIBUTE.match(target.attr) and self.mentions_user(target.value):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if re.search(r"is_(super_?user|admin|staff)|has_(role|perm|permission|scope)", name, re.I) and any(
                self.mentions_user(arg) for arg in node.args
            ):
                return True
        return False


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _fetches(body: _Body, route_writes: bool, user_classes: set[str], depth: int = 0) -> Iterator[_Fetch]:
    """Unguarded loads of user-owned rows by a client-supplied id in ``body`` (following project helpers)."""
    project = body.project
    for unit in statements(body.node.body):
        id_name = body.id_ref(unit)
        if id_name is None or body.mentions_user(unit):
            continue
        subjects = body.subjects(unit)
        # Everything loaded with the same id: `order = db.get(Order, oid)` checked, then `update(Order)...oid`.
        subjects_of_unit = {id_name.split(".")[0]}.union(
            *(body.object_names(other) for other in statements(body.node.body) if body.id_ref(other) == id_name)
        ) if subjects or depth < _MAX_DEPTH else set()
        reported = False
        for model, call in subjects:
            if not body.id_ref(call) and not body.id_ref(unit):
                continue
            owner = owner_field(project, model)
            is_user_model = model in user_classes or model.rsplit(".", 1)[-1] in USER_CLASS_NAMES
            if owner is None and not (is_user_model and route_writes):
                continue
            if is_user_model:
                owner = ""
            if body.owner_checked(subjects_of_unit, model):
                continue
            yield _Fetch(model, owner or "", unit, text_of(call), id_name)
            reported = True
            break
        if reported or subjects or depth >= _MAX_DEPTH:
            continue
        for call in (n for n in walk_own(unit) if isinstance(n, ast.Call)):
            helper = body.callee(call)
            if helper is None or helper.qualname == getattr(body, "qualname", None):
                continue
            mapped = _map_ids(body, call, helper)
            if not mapped:
                continue
            node = project.function_node(helper)
            names = project.module_names(helper.location.path)
            if node is None or names is None:
                continue
            inner = _Body(project, node, names, mapped, set(), set())
            if inner.role_checked():
                continue
            for fetch in _fetches(inner, route_writes, user_classes, depth + 1):
                if body.owner_checked(subjects_of_unit, fetch.model):
                    break
                yield _Fetch(fetch.model, fetch.owner, unit, f"{text_of(call, 40)} → {fetch.text}", id_name)
                break
            else:
                continue
            break


def _map_ids(body: _Body, call: ast.Call, helper) -> set[str]:
    params = [p.name for p in helper.params]
    if params and params[0] in ("self", "cls"):
        params = params[1:]
    mapped = set()
    for index, arg in enumerate(call.args):
        if isinstance(arg, ast.Starred):
            break
        if index < len(params) and body.id_ref(arg):
            mapped.add(params[index])
    for keyword in call.keywords:
        if keyword.arg and keyword.arg in params and body.id_ref(keyword.value):
            mapped.add(keyword.arg)
    return mapped


def _privileged(project: Project, route: Route) -> bool:
    names = [d for d in route.dependencies] + ([route.auth.symbol] if route.auth else [])
    for name in names:
        last = (name or "").rstrip("()").rsplit(".", 1)[-1]
        if _PRIVILEGED_DEPENDENCY.search(last):
            return True
    handler = route.handler
    return bool(handler and any(p.scopes for p in handler.params))


def _id_params(route: Route) -> tuple[set[str], set[str]]:
    handler = route.handler
    path = set(route.path_params())
    ids, bodies = set(), set()
    for param in handler.params:
        if param.name in path:
            ids.add(param.name)
        elif param.marker in (None, "Query", "Path") and param.annotation in _SCALARS and (
            param.name in ("id", "pk", "uuid") or param.name.endswith(("_id", "_pk", "_uuid"))
        ):
            ids.add(param.name)
        elif param.marker in (None, "Body") and param.annotation not in _SCALARS and param.annotation \
                and not param.annotation.startswith(("starlette.", "fastapi.", "sqlalchemy.", "builtins.")):
            bodies.add(param.name)
    return ids, bodies


@rule(
    code="SP201",
    slug="object-access-without-owner-check",
    title="Object fetched by id without an owner check (IDOR)",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    cwe=639,
    control="authorization",
    kind="project",
    frameworks=("fastapi",),
    hint="Scope the query to the caller (`select(Order).where(Order.id == order_id, Order.owner_id == user.id)`) "
    "or compare the owner and answer 404: `if order.owner_id != user.id: raise HTTPException(404)`.",
)
def object_access_without_owner_check(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags authenticated FastAPI routes that load a user-owned row by an id the client
    supplies (a path parameter such as `{order_id}`, an `..._id` query parameter or body
    field) and return, change or delete it without tying it to the current user. Loads are
    `db.get(Order, order_id)`, `db.query(Order).filter(Order.id == order_id)`,
    `select(Order).where(...)`, `update(...)`/`delete(...)`, SQLModel `session.get`,
    Tortoise/ormar/Beanie `Order.get(id=...)`, and project helpers such as
    `crud.get_order(db, order_id)` or a service method, followed across modules.

    A model is user-owned when its class has an owner field (`user_id`, `owner_id`,
    `author_id`, `created_by`, `account_id`, `customer_id`, a foreign key to the users
    table ...). The route is quiet when the query filters on the current user, when the
    handler compares the object's owner with the current user (or hands both to a checker
    function), or when an admin/role/permission dependency or check guards the route.
    Changing or deleting another *user* by id is reported too. Routes without any
    authentication are SP101's.

    ## Why is this bad?
    Authentication says who the caller is; it does not say that order 1042 is theirs.
    Ids are sequential or leaked in URLs, so any logged-in user can read, change or cancel
    everybody's orders by counting (insecure direct object reference, OWASP API1 Broken
    Object Level Authorization, CWE-639).

    ## Example
    ```python
    from fastapi import APIRouter, Depends, HTTPException
    from fastapi.security import OAuth2PasswordBearer
    from sqlalchemy import ForeignKey
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
    router = APIRouter()

    class Base(DeclarativeBase):
        pass

    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    def get_db():
        yield Session()

    @router.get("/orders/{order_id}")
    def get_order(order_id: int, token: str = Depends(oauth2_scheme), db: Session = Depends(get_db)):
        order = db.get(Order, order_id)
        if order is None:
            raise HTTPException(status_code=404)
        return order
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter, Depends, HTTPException
    from fastapi.security import OAuth2PasswordBearer
    from sqlalchemy import ForeignKey
    from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
    router = APIRouter()

    class Base(DeclarativeBase):
        pass

    class Order(Base):
        __tablename__ = "orders"
        id: Mapped[int] = mapped_column(primary_key=True)
        owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    def get_db():
        yield Session()

    def get_current_user(token: str = Depends(oauth2_scheme)):
        ...

    @router.get("/orders/{order_id}")
    def get_order(order_id: int, user=Depends(get_current_user), db: Session = Depends(get_db)):
        order = db.get(Order, order_id)
        if order is None or order.owner_id != user.id:
            raise HTTPException(status_code=404)
        return order
    ```

    ## Known problems
    Ownership enforced elsewhere (row-level security in the database, a dependency that
    loads the object and checks it, a generic `CRUDBase` whose model is chosen at run
    time) is not seen; suppress with a reason. Models without an owner-like field are not
    considered user-owned, and multi-tenant rules more complex than one owner column are
    judged by the presence of any comparison with the current user.

    ## References
    - https://owasp.org/API-Security/editions/2023/en/0xa1-broken-object-level-authorization/
    - https://cwe.mitre.org/data/definitions/639.html
    - https://fastapi.tiangolo.com/tutorial/sql-databases/
    """
    for route in project.fastapi.routes:
        handler = route.handler
        if route.kind != "http" or route.auth is None or handler is None:
            continue
        ids, bodies = _id_params(route)
        if not ids and not bodies:
            continue
        if _privileged(project, route):
            continue
        node = project.function_node(handler)
        names = project.module_names(handler.location.path)
        if node is None or names is None:
            continue
        users = set(user_params(project, handler))
        body = _Body(project, node, names, ids, users, bodies)
        if body.role_checked():
            continue
        user_classes = {
            project.names.canonical(p.annotation) or p.annotation for p in handler.params
            if p.name in users and p.annotation
        }
        for fetch in _fetches(body, route.state_changing, user_classes):
            model = fetch.model.rsplit(".", 1)[-1]
            why = (f"{model}.{fetch.owner} is never compared with the current user" if fetch.owner
                   else "the id is never compared with the current user's")
            yield Hit(
                Location.of(handler.location.path, fetch.unit),
                f"{route.display} ({route.handler_name.rsplit('.', 1)[-1]}) loads {model} by the client-supplied "
                f"`{fetch.id_name}` (`{fetch.text}`) with no ownership check: {why}",
                symbol=route.handler_name,
            )
            break
