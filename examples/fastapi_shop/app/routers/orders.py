"""Order endpoints for the JSON API (bearer-token auth)."""
import hashlib
import hmac
import json

import httpx
from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..config import settings
from ..database import get_db
from ..models import Order, Product, User
from ..schemas import OrderCreate, OrderOut
from ..security import get_current_user

router = APIRouter()


@router.get("", response_model=list[OrderOut])
def list_orders(current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
    stmt = select(Order).where(Order.owner_id == current_user.id).order_by(Order.created_at.desc())
    return db.scalars(stmt).all()


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order_id: int, current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
    order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="Order not found")
    return order


@router.get("/{order_id}/tracking")
def get_tracking(order_id: int, current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
    order = db.scalars(select(Order).where(Order.id == order_id, Order.owner_id == current_user.id)).first()
    if order is None:
        raise HTTPException(status_code=404, detail="Order not found")
    resp = httpx.get(f"{settings.shipping_api_url}/tracking", params={"reference": f"ORD-{order.id}"}, timeout=5)
    resp.raise_for_status()
    return {"order_id": order.id, "status": order.status, "tracking": resp.json()}


@router.post("", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
def create_order(payload: OrderCreate, current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
    product = db.get(Product, payload.product_id)
    if product is None or product.deleted_at is not None:
        raise HTTPException(status_code=400, detail="Please select an item from the list")
    # Conditional UPDATE: stock can never go negative, even under concurrent orders.
    reserved = db.execute(
        update(Product)
        .where(Product.id == product.id, Product.stock >= payload.quantity)
        .values(stock=Product.stock - payload.quantity)
    )
    if reserved.rowcount == 0:
        raise HTTPException(status_code=409, detail="Not enough stock")
    order = Order(owner_id=current_user.id, product_id=product.id, quantity=payload.quantity,
                  total=product.price * payload.quantity, shipping_address=payload.shipping_address)
    db.add(order)
    db.commit()
    db.refresh(order)
    return order


@router.post("/quick", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
async def quick_reorder(request: Request, current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
    """One-tap reorder from the mobile app; the app sends the previous order back."""
    data = await request.json()
    order = Order(**data, owner_id=current_user.id)
    db.add(order)
    db.commit()
    db.refresh(order)
    return order


@router.post("/{order_id}/cancel", response_model=OrderOut)
def cancel_order(order_id: int, db: Session = Depends(get_db)):
    order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="Order not found")
    if order.status not in ("pending", "paid"):
        raise HTTPException(status_code=409, detail="Order has already shipped")
    order.status = "cancelled"
    db.commit()
    return order


@router.post("/webhooks/payment", status_code=status.HTTP_204_NO_CONTENT)
async def payment_webhook(request: Request, x_signature: str = Header(...), db: Session = Depends(get_db)):
    body = await request.body()
    expected = hmac.new(settings.payment_webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, x_signature):
        raise HTTPException(status_code=401, detail="Invalid signature")
    event = json.loads(body)
    db.execute(update(Order).where(Order.id == int(event["order_id"]), Order.status == "pending").values(status="paid"))
    db.commit()
