import time
from typing import Annotated

import sqlalchemy as sa
from fastapi import APIRouter, Body, Depends, HTTPException, status
from fastapi.security import OAuth2PasswordRequestForm
from jose import JWTError, jwt

from shop.deps import SessionDep, hash_password, issue_token_pair, verify_password
from shop.models import TokenPair, User, UserCreate, UserOut

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/register", response_model=UserOut, status_code=status.HTTP_201_CREATED)
async def register(payload: UserCreate, session: SessionDep):
    exists = await session.scalar(sa.select(User.id).where(User.email == payload.email))
    if exists:
        raise HTTPException(status_code=409, detail="An account with this email already exists")

    user = User(
        **payload.model_dump(exclude={"password"}),
        hashed_password=hash_password(payload.password),
    )
    session.add(user)
    await session.commit()
    await session.refresh(user)
    return user


@router.post("/token", response_model=TokenPair)
async def login(session: SessionDep, form: Annotated[OAuth2PasswordRequestForm, Depends()]):
    user = await session.scalar(sa.select(User).where(User.email == form.username))
    if user is None or not verify_password(form.password, user.hashed_password):
        raise HTTPException(status_code=401, detail="Invalid credentials")
    return issue_token_pair(user)


@router.post("/refresh", response_model=TokenPair)
async def refresh_tokens(session: SessionDep, refresh_token: str = Body(..., embed=True)):
    try:
        claims = jwt.get_unverified_claims(refresh_token)
    except JWTError:
        raise HTTPException(status_code=401, detail="Invalid refresh token")
    if claims.get("type") != "refresh" or claims.get("exp", 0) < time.time():
        raise HTTPException(status_code=401, detail="Refresh token expired")

    user = await session.get(User, int(claims["sub"]))
    if user is None:
        raise HTTPException(status_code=401, detail="Unknown user")
    return issue_token_pair(user)
