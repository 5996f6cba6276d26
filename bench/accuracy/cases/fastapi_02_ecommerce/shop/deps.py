from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt
from passlib.context import CryptContext
from sqlalchemy.ext.asyncio import AsyncSession

from shop.db import get_session
from shop.models import User
from shop.settings import settings

pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")

SessionDep = Annotated[AsyncSession, Depends(get_session)]


def hash_password(password: str) -> str:
    return pwd_context.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return pwd_context.verify(password, hashed)


def issue_token_pair(user: User) -> dict:
    now = datetime.now(timezone.utc)
    tokens = {}
    for token_type, ttl in (
        ("access", timedelta(minutes=settings.access_token_ttl_minutes)),
        ("refresh", timedelta(days=settings.refresh_token_ttl_days)),
    ):
        claims = {"sub": str(user.id), "type": token_type, "iat": now, "exp": now + ttl}
        tokens[f"{token_type}_token"] = jwt.encode(
            claims, settings.jwt_secret, algorithm=settings.jwt_algorithm
        )
    return {**tokens, "token_type": "bearer"}


async def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)], session: SessionDep
) -> User:
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Not authenticated",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        payload = jwt.decode(token, settings.jwt_secret, algorithms=[settings.jwt_algorithm])
    except JWTError:
        raise unauthorized
    if payload.get("type") != "access":
        raise unauthorized
    user = await session.get(User, int(payload["sub"]))
    if user is None:
        raise unauthorized
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def require_admin(user: CurrentUser) -> User:
    if user.role != "admin":
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Admin access required")
    return user
