"""Registration, login and token endpoints."""
from urllib.parse import urlparse

from fastapi import APIRouter, Body, Depends, Form, HTTPException, Query, status
from fastapi.responses import RedirectResponse
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy.orm import Session

from .. import crud
from ..database import get_db
from ..models import User, Wallet
from ..schemas import PasswordReset, Token, UserCreate, UserOut
from ..security import (SESSION_COOKIE_NAME, create_access_token, decode_access_token, hash_password,
                        legacy_hash, refresh_access_token, verify_password)

router = APIRouter()


def _is_local_path(url: str) -> bool:
    parsed = urlparse(url)
    return url.startswith("/") and not url.startswith("//") and "\\" not in url and not parsed.netloc


@router.post("/register", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def register(payload: UserCreate, db: Session = Depends(get_db)):
    if crud.get_user_by_email(db, payload.email):
        raise HTTPException(status_code=400, detail="Email already registered")
    user = User(email=payload.email, full_name=payload.full_name, hashed_password=hash_password(payload.password))
    user.wallet = Wallet()
    db.add(user)
    db.commit()
    db.refresh(user)
    return user


@router.post("/login", response_model=Token)
def login(form: OAuth2PasswordRequestForm = Depends(), db: Session = Depends(get_db)):
    user = crud.get_user_by_email(db, form.username)
    if not user or not verify_password(form.password, user.hashed_password):
        raise HTTPException(status_code=401, detail="Incorrect email or password")
    return Token(access_token=create_access_token(str(user.id)))


@router.post("/web-login")
def web_login(email: str = Form(...), password: str = Form(...), next: str = Query("/account"),
              db: Session = Depends(get_db)):
    """Form login for the storefront; keeps the user signed in with a cookie."""
    user = crud.get_user_by_email(db, email)
    if not user or not verify_password(password, user.hashed_password):
        return RedirectResponse("/login?error=1", status_code=303)
    response = RedirectResponse(next, status_code=303)
    # Storefront is served from a different domain, so the cookie must be sent cross-site.
    response.set_cookie(SESSION_COOKIE_NAME, create_access_token(str(user.id)), httponly=True, secure=True, samesite="none")
    return response


@router.get("/logout")
def logout(next: str = "/"):
    response = RedirectResponse(next if _is_local_path(next) else "/", status_code=303)
    response.delete_cookie(SESSION_COOKIE_NAME)
    return response


@router.post("/refresh", response_model=Token)
def refresh(token: str = Body(..., embed=True)):
    return Token(access_token=refresh_access_token(token))


@router.post("/reset-password", status_code=status.HTTP_204_NO_CONTENT)
def reset_password(body: PasswordReset, db: Session = Depends(get_db)):
    claims = decode_access_token(body.token)
    if claims.get("purpose") != "password_reset":
        raise HTTPException(status_code=400, detail="Invalid reset token")
    user = db.get(User, int(claims["sub"]))
    if user is None:
        raise HTTPException(status_code=400, detail="Invalid reset token")
    # v1 mobile app validates the new password offline, so keep its format here.
    user.hashed_password = legacy_hash(body.new_password)
    db.commit()
