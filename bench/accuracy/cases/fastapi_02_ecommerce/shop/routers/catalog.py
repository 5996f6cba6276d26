from typing import Annotated

from fastapi import APIRouter, Query

from shop.db import build_product_query
from shop.deps import SessionDep
from shop.models import ProductOut

router = APIRouter(prefix="/products", tags=["catalog"])


@router.get("", response_model=list[ProductOut])
async def list_products(
    session: SessionDep,
    category: str | None = None,
    max_price: float | None = None,
    sort: str = "created_at desc",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
):
    stmt = build_product_query(category, max_price, sort).limit(limit).offset(offset)
    result = await session.scalars(stmt)
    return result.all()
