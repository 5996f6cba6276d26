"""Back-office endpoints. main.py mounts this router with Depends(get_current_admin)."""
from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..database import get_db
from ..models import User
from ..schemas import UserInDB

router = APIRouter()


@router.get("/users", response_model=list[UserInDB])
def list_users(skip: int = 0, limit: int = 100, db: Session = Depends(get_db)):
    return db.scalars(select(User).order_by(User.id).offset(skip).limit(limit)).all()


@router.delete("/users/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(user_id: int, db: Session = Depends(get_db)):
    user = db.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="User not found")
    db.delete(user)
    db.commit()

