from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.validation._common import request_flows, statement_location


@rule(
    code="SP801",
    slug="unvalidated-request-body",
    title="Request body used without validation",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=20,
    control="input-validation",
    kind="project",
    frameworks=("fastapi",),
    hint="Declare the body as a Pydantic model parameter (`payload: ItemIn`) or validate the parsed data "
    "with `ItemIn.model_validate(data)` before using it.",
)
def unvalidated_request_body(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags a FastAPI or Starlette handler (or a dependency or helper it calls) that reads the
    request body by hand, with `await request.json()`, `await request.body()` or
    `await request.form()`, and then uses the data without validating it: no Pydantic model
    (`Item(**data)`, `Item.model_validate(data)`, `TypeAdapter(...)`, `parse_obj`), no
    jsonschema or marshmallow check, no hand-written `validate_*` function. Reads through a
    helper (`data = await read_json(request)`) are reported where the helper is called.
    One finding per read.

    A body whose HMAC signature is verified over the raw bytes (a webhook) is authenticated
    and not reported; nor is data splatted straight into an ORM model, which is SP802's
    finding.

    ## Why is this bad?
    FastAPI validates and documents a body only when it is declared as a Pydantic parameter.
    Read by hand, the body is whatever the client sent: `data["quantity"]` may be a string,
    a negative number, a list or missing, and the handler fails with a 500 or, worse,
    stores values it never meant to accept (a negative quantity refunds money).

    ## Example
    ```python
    from fastapi import APIRouter, Request

    router = APIRouter()

    @router.post("/cart/items")
    async def add_item(request: Request):
        data = await request.json()
        return {"product": data["product_id"], "quantity": int(data["quantity"])}
    ```

    ## Use instead
    ```python
    from fastapi import APIRouter, Request
    from pydantic import BaseModel, Field

    router = APIRouter()

    class CartItem(BaseModel):
        product_id: int
        quantity: int = Field(gt=0, le=100)

    @router.post("/cart/items")
    async def add_item(request: Request):
        item = CartItem.model_validate(await request.json())
        return {"product": item.product_id, "quantity": item.quantity}
    ```

    ## Known problems
    Validation done in a function from an installed package, or by checks written inline
    (`isinstance`, `if "x" not in data`), is not recognised. A form read with
    `await request.form()` for a dynamic form is reported; declare `Form()` parameters or
    validate the form with a model.

    ## References
    - https://fastapi.tiangolo.com/tutorial/body/
    - https://cwe.mitre.org/data/definitions/20.html
    - https://cheatsheetseries.owasp.org/cheatsheets/Input_Validation_Cheat_Sheet.html
    """
    flows = request_flows(project)
    for function, flow in flows.items:
        if not flow.fastapi:
            continue
        for origin in flow.origins:
            if origin.kind != "raw" or not origin.used:
                continue
            if origin.validated or origin.verified or origin.mass_assigned:
                continue
            stmt = origin.stmt if origin.stmt is not None else origin.node
            where = statement_location(function.location.path, stmt, origin.node)
            how = f"`{origin.text}`"
            if origin.via:
                how += f" (reads the raw body in {origin.via.rsplit('.', 1)[-1]})"
            json_read = origin.text.rstrip().endswith(".json()") or origin.via is not None
            yield Hit(
                where,
                f"{how} in {function.name}: request data is used without a Pydantic model or schema check",
                confidence=None if json_read else Confidence.MEDIUM,
                symbol=function.qualname,
            )
