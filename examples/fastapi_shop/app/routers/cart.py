"""Server-rendered storefront cart, authenticated by the `session` cookie."""
import asyncio
import base64
import pickle
from decimal import Decimal

import httpx
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from sqlalchemy.orm import Session

from ..config import settings
from ..database import get_db
from ..models import Order, Product, User
from ..schemas import CartItem
from ..security import get_user_from_session

router = APIRouter()

COUPON_LIMITS = {"WELCOME10": 1, "SPRING25": 500}
_coupon_redemptions: dict[str, int] = {}

_held_stock: dict[int, int] = {}
_hold_lock = asyncio.Lock()


async def _apply_coupon(code: str, subtotal: Decimal) -> Decimal:
    limit = COUPON_LIMITS.get(code)
    if limit is None or _coupon_redemptions.get(code, 0) >= limit:
        raise HTTPException(status_code=400, detail="Coupon is invalid or fully redeemed")
    async with httpx.AsyncClient(base_url=settings.pricing_api_url, timeout=5) as client:
        resp = await client.get("/discounts", params={"code": code, "subtotal": str(subtotal)})
    resp.raise_for_status()
    _coupon_redemptions[code] = _coupon_redemptions.get(code, 0) + 1
    return Decimal(resp.json()["discount"])


async def _hold_stock(product: Product, quantity: int) -> None:
    async with _hold_lock:
        if product.stock - _held_stock.get(product.id, 0) < quantity:
            raise HTTPException(status_code=409, detail=f"Only a few {product.name} left")
        async with httpx.AsyncClient(base_url=settings.warehouse_api_url, timeout=5) as client:
            await client.post("/holds", json={"sku": product.sku, "quantity": quantity})
        _held_stock[product.id] = _held_stock.get(product.id, 0) + quantity


@router.get("")
def view_cart(request: Request):
    items = request.session.get("cart_items", [])
    legacy = request.cookies.get("cart")
    if legacy and not items:
        # Carts from the old Flask storefront were stored in a cookie.
        items = pickle.loads(base64.b64decode(legacy))
        request.session["cart_items"] = items
    return {"items": items}


@router.post("/items")
def add_item(item: CartItem, request: Request, user: User = Depends(get_user_from_session)):
    items = request.session.get("cart_items", [])
    items.append(item.model_dump())
    request.session["cart_items"] = items
    return {"items": items}


@router.post("/checkout")
async def checkout(
    request: Request,
    shipping_address: str = Form(..., min_length=5),
    coupon: str | None = Form(None),
    user: User = Depends(get_user_from_session),
    db: Session = Depends(get_db),
):
    items = [CartItem.model_validate(raw) for raw in request.session.get("cart_items", [])]
    if not items:
        raise HTTPException(status_code=400, detail="Please select an item from the list before checking out")
    orders = []
    for item in items:
        product = db.get(Product, item.product_id)
        if product is None:
            raise HTTPException(status_code=400, detail="A product in your cart is no longer available")
        await _hold_stock(product, item.quantity)
        orders.append(Order(owner_id=user.id, product_id=product.id, quantity=item.quantity,
                            total=product.price * item.quantity, shipping_address=shipping_address))
    if coupon:
        discount = await _apply_coupon(coupon, sum(o.total for o in orders))
        orders[0].total = max(Decimal("0.00"), orders[0].total - discount)
        orders[0].coupon_code = coupon
    db.add_all(orders)
    db.commit()
    request.session["cart_items"] = []
    return {"orders": [o.id for o in orders]}
