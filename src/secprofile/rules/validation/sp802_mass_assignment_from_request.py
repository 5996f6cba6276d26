from __future__ import annotations

import re
from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.validation._common import (
    admin_only,
    models,
    privileged,
    request_flows,
    statement_location,
)

_SENSITIVE = re.compile(r"total|status|price|amount|paid|discount|coupon|user|owner|verified|approved", re.I)
_SOURCES = {
    "raw": "the raw request body",
    "dict": "a dict-typed body parameter",
    "django": "request data",
}


@rule(
    code="SP802",
    slug="mass-assignment-from-request",
    title="Mass assignment from request data into an ORM model",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=915,
    control="input-validation",
    kind="project",
    frameworks=("fastapi", "django"),
    hint="Copy only the fields the client may set (`Order(product_id=item.product_id, quantity=item.quantity, "
    "owner_id=user.id)`), from a validated schema that leaves out roles, ownership and money fields.",
)
def mass_assignment_from_request(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags request data splatted into ORM models or updates, so that the client chooses
    which columns to write:

    - FastAPI: `User(**data)` where `data` is `await request.json()` (or the form, or a
      `dict`-typed body parameter), `for k, v in data.items(): setattr(obj, k, v)`,
      `db.query(User).filter(...).update(data)`, `update(User).values(**data)`,
      `obj.sqlmodel_update(data)`; and `Model(**payload.model_dump())` or a `setattr` loop
      over a dump when the Pydantic schema itself declares privileged fields (`is_admin`,
      `role`, `is_superuser`, `balance`, `owner_id`, `hashed_password` ...);
    - Django: `Model.objects.create(**request.POST.dict())`, `Model(**request.data)`,
      `.update(**request.POST.dict())`, `update_or_create(defaults=request.data)`,
      `serializer.save(**request.data)`, `setattr` loops over `request.POST.items()`.

    ORM models are recognised through the project's classes: SQLAlchemy declarative bases,
    SQLModel `table=True`, Django `models.Model`, Tortoise. A `setattr` loop guarded by an
    allow-list (`if key in ALLOWED_FIELDS`) is not reported, nor are schemas with only safe
    fields, nor privileged schemas in routes that require an admin.

    ## Why is this bad?
    The model has columns the client must never set: `is_admin`, `role`, `owner_id`,
    `balance`, `status`, `total`. Splatting the request into it lets anyone send
    `{"is_admin": true}` or `{"total": 0}` along with the expected fields (CWE-915).

    ## Example
    ```python
    # file: app/models.py
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]
        is_admin: Mapped[bool] = mapped_column(default=False)

    # file: app/api.py
    from fastapi import APIRouter, Request

    from app.models import User

    router = APIRouter()

    @router.post("/users")
    async def create_user(request: Request):
        data = await request.json()
        user = User(**data)
        return {"id": user.id}
    ```

    ## Use instead
    ```python
    # file: app/models.py
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        pass

    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        email: Mapped[str]
        is_admin: Mapped[bool] = mapped_column(default=False)

    # file: app/api.py
    from fastapi import APIRouter
    from pydantic import BaseModel, EmailStr

    from app.models import User

    router = APIRouter()

    class UserCreate(BaseModel):
        email: EmailStr

    @router.post("/users")
    async def create_user(payload: UserCreate):
        user = User(**payload.model_dump())
        return {"id": user.id}
    ```

    ## Known problems
    Deny-lists (`data.pop("is_admin")`) are not treated as protection. ORM classes defined
    in installed packages are recognised only for the frameworks' own base classes.
    Django `ModelForm`/`ModelSerializer` with `fields = "__all__"` are a separate rule.

    ## References
    - https://cwe.mitre.org/data/definitions/915.html
    - https://owasp.org/API-Security/editions/2023/en/0xa3-broken-object-property-level-authorization/
    - https://cheatsheetseries.owasp.org/cheatsheets/Mass_Assignment_Cheat_Sheet.html
    """
    kinds = models(project)
    for function, flow in request_flows(project).items:
        seen: set[int] = set()
        for sink in flow.sinks:
            if id(sink.stmt) in seen:
                continue
            origin = sink.origin
            admin = admin_only(project, function.qualname)
            target_fields = {f.name for f in kinds.fields(sink.target)} if sink.target else set()
            if origin.kind == "schema":
                if admin:
                    continue
                exposed = privileged(origin.fields - sink.explicit)
                if target_fields:
                    exposed = [name for name in exposed if name in target_fields]
                if not exposed:
                    continue
                schema = (origin.schema or "").rsplit(".", 1)[-1]
                message = (f"`{sink.what}` in {function.name}: schema {schema} lets the client set "
                           f"{', '.join(exposed)}")
                severity = None
            elif origin.kind in _SOURCES:
                columns = sorted(target_fields - sink.explicit - {"id", "pk"},
                                 key=lambda n: (not privileged([n]), not _SENSITIVE.search(n), n))
                settable = f" (e.g. {', '.join(columns[:5])})" if columns else ""
                source = f"`{origin.text}`" if origin.kind in ("raw", "django") else _SOURCES[origin.kind]
                if origin.kind == "dict":
                    source = f"the dict body parameter `{origin.text}`"
                message = (f"`{sink.what}` in {function.name} writes {source} into the model: the client can "
                           f"set any field{settable}")
                severity = Severity.MEDIUM if admin else None
            else:
                continue
            seen.add(id(sink.stmt))
            yield Hit(
                statement_location(function.location.path, sink.stmt, sink.stmt),
                message,
                severity=severity,
                confidence=None if sink.target or origin.kind != "schema" else Confidence.MEDIUM,
                symbol=function.qualname,
            )
