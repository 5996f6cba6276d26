import json
from decimal import Decimal
from typing import Literal

import sqlalchemy as sa
from fastapi import APIRouter, Body, Depends, HTTPException, Request, status

from shop.deps import CurrentUser, SessionDep, require_admin
from shop.models import Order, OrderItem, OrderOut, Product

router = APIRouter(prefix="/orders", tags=["orders"])
admin_router = APIRouter(
    prefix="/admin/orders",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
)


@router.get("", response_model=list[OrderOut])
async def my_orders(user: CurrentUser, session: SessionDep):
    stmt = sa.select(Order).where(Order.user_id == user.id).order_by(Order.created_at.desc())
    return (await session.scalars(stmt)).all()


@router.get("/summary")
async def order_summary(user: CurrentUser, session: SessionDep):
    result = await session.execute(
        sa.text("SELECT count(*) AS n, coalesce(sum(total), 0) AS spent FROM orders WHERE user_id = :uid"),
        {"uid": user.id},
    )
    row = result.one()
    return {"orders": row.n, "total_spent": str(row.spent)}


@router.post("/checkout", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
async def checkout(request: Request, user: CurrentUser, session: SessionDep):
    """Turn the cart (kept client-side in the `cart` cookie) into an order."""
    raw_cart = request.cookies.get("cart")
    if not raw_cart:
        raise HTTPException(status_code=400, detail="Your cart is empty")
    cart = json.loads(raw_cart)  # [{"product_id": 1, "qty": 2, "price": "19.99"}, ...]

    order = Order(user_id=user.id, status="pending", total=Decimal("0"))
    total = Decimal("0")
    for line in cart:
        product = await session.get(Product, int(line["product_id"]))
        if product is None or not product.is_active:
            raise HTTPException(status_code=404, detail="Product no longer available")
        qty = int(line["qty"])
        if qty < 1:
            raise HTTPException(status_code=400, detail="Quantity must be at least 1")
        if product.stock < qty:
            raise HTTPException(status_code=409, detail=f"Not enough stock for {product.name}")
        product.stock -= qty

        unit_price = Decimal(str(line["price"]))
        total += unit_price * qty
        order.items.append(OrderItem(product_id=product.id, quantity=qty, unit_price=unit_price))

    order.total = total.quantize(Decimal("0.01"))
    session.add(order)
    await session.commit()
    return order


@router.patch("/{order_id}/status", response_model=OrderOut)
async def update_order_status(
    order_id: int,
    user: CurrentUser,
    session: SessionDep,
    new_status: Literal["paid", "shipped", "delivered", "cancelled", "refunded"] = Body(..., embed=True),
):
    order = await session.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="Order not found")
    order.status = new_status
    await session.commit()
    return order


@admin_router.get("", response_model=list[OrderOut])
async def list_all_orders(session: SessionDep):
    stmt = sa.select(Order).order_by(Order.created_at.desc()).limit(200)
    return (await session.scalars(stmt)).all()
