"""Product catalogue: public reads, staff writes, warehouse sync."""
from fastapi import APIRouter, Depends, Header, HTTPException, Query, status
from sqlalchemy import update
from sqlalchemy.orm import Session

from .. import crud
from ..config import settings
from ..database import get_db
from ..models import Product, User
from ..schemas import InventoryUpdate, ProductIn, ProductOut
from ..security import get_current_admin, get_current_user

router = APIRouter()


def verify_warehouse_key(x_api_key: str = Header(...)) -> None:
    if x_api_key == settings.internal_api_key:
        return
    raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid API key")


@router.get("")
def list_products(sort: str = "name", limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0),
                  db: Session = Depends(get_db)):
    return crud.list_products(db, sort=sort, limit=limit, offset=offset)


@router.get("/search")
def search_products(q: str = Query(..., min_length=2, max_length=100), db: Session = Depends(get_db)):
    return crud.search_products(db, q)


@router.get("/sku/{sku}")
def get_product_by_sku(sku: str, db: Session = Depends(get_db)):
    product = crud.find_product_by_sku(db, sku)
    if product is None:
        raise HTTPException(status_code=404, detail="Product not found")
    return product


@router.get("/{product_id}", response_model=ProductOut)
def get_product(product_id: int, db: Session = Depends(get_db)):
    product = db.get(Product, product_id)
    if product is None or product.deleted_at is not None:
        raise HTTPException(status_code=404, detail="Product not found")
    return product


@router.post("", response_model=ProductOut, status_code=status.HTTP_201_CREATED)
def create_product(payload: ProductIn, admin: User = Depends(get_current_admin), db: Session = Depends(get_db)):
    product = Product(**payload.model_dump())
    db.add(product)
    db.commit()
    db.refresh(product)
    return product


@router.put("/{product_id}", response_model=ProductOut)
def update_product(product_id: int, payload: ProductIn, x_admin: str | None = Header(default=None),
                   current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
    # Back-office tool sends X-Admin: true; storefront customers never do.
    if x_admin != "true":
        raise HTTPException(status_code=403, detail="Admin only")
    product = db.get(Product, product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="Product not found")
    for field, value in payload.model_dump().items():
        setattr(product, field, value)
    db.commit()
    return product


@router.delete("/{product_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_product(product_id: int, db: Session = Depends(get_db)):
    product = db.get(Product, product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="Product not found")
    db.delete(product)
    db.commit()


@router.post("/sync", dependencies=[Depends(verify_warehouse_key)])
def sync_inventory(items: list[InventoryUpdate], db: Session = Depends(get_db)):
    for item in items:
        db.execute(update(Product).where(Product.sku == item.sku).values(stock=item.stock))
    db.commit()
    return {"updated": len(items)}
