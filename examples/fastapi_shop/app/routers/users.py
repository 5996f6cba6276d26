"""Profile and wallet endpoints for the signed-in user."""
from fastapi import APIRouter, Depends, HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..database import get_db
from ..models import User, Wallet
from ..schemas import UserOut, UserUpdate, WalletAmount, WalletOut, WalletTransfer
from ..security import get_current_user

router = APIRouter()


@router.get("/me", response_model=UserOut)
def read_me(current_user: User = Depends(get_current_user)):
    return current_user


@router.patch("/me", response_model=UserOut)
def update_me(payload: UserUpdate, current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
    for field, value in payload.model_dump(exclude_unset=True).items():
        setattr(current_user, field, value)
    db.commit()
    db.refresh(current_user)
    return current_user


@router.get("/me/wallet", response_model=WalletOut)
def read_wallet(current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
    return db.scalars(select(Wallet).where(Wallet.user_id == current_user.id)).one()


@router.post("/me/wallet/withdraw", response_model=WalletOut)
def withdraw(body: WalletAmount, current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
    wallet = db.scalars(select(Wallet).where(Wallet.user_id == current_user.id)).one()
    if wallet.balance < body.amount:
        raise HTTPException(status_code=400, detail="Insufficient balance")
    wallet.balance = wallet.balance - body.amount
    db.commit()
    return wallet


@router.post("/me/wallet/transfer", response_model=WalletOut)
def transfer(body: WalletTransfer, current_user: User = Depends(get_current_user), db: Session = Depends(get_db)):
    if body.to_user_id == current_user.id:
        raise HTTPException(status_code=400, detail="Cannot transfer to yourself")
    # Lock both rows in a stable order so concurrent transfers cannot deadlock or double-spend.
    ids = sorted([current_user.id, body.to_user_id])
    wallets = {w.user_id: w for w in db.scalars(select(Wallet).where(Wallet.user_id.in_(ids)).order_by(Wallet.user_id).with_for_update())}
    sender, recipient = wallets.get(current_user.id), wallets.get(body.to_user_id)
    if sender is None or recipient is None:
        raise HTTPException(status_code=404, detail="Wallet not found")
    if sender.balance < body.amount:
        raise HTTPException(status_code=400, detail="Insufficient balance")
    sender.balance -= body.amount
    recipient.balance += body.amount
    db.commit()
    return sender
