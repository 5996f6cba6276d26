import time

import bcrypt
import jwt
from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, EmailStr, Field

from chat.config import JWT_ALGORITHM, JWT_SECRET, TOKEN_TTL_SECONDS
from chat.db import database, users

bearer = HTTPBearer()
router = APIRouter(prefix="/auth", tags=["auth"])


class RegisterIn(BaseModel):
    username: str = Field(pattern=r"^[A-Za-z0-9_]{3,40}$")
    email: EmailStr
    password: str = Field(min_length=8)


class LoginIn(BaseModel):
    username: str
    password: str


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


def create_token(user_id: int, username: str) -> str:
    now = int(time.time())
    payload = {"sub": str(user_id), "name": username, "iat": now, "exp": now + TOKEN_TTL_SECONDS}
    return jwt.encode(payload, JWT_SECRET, algorithm=JWT_ALGORITHM)


async def get_current_user(creds: HTTPAuthorizationCredentials = Depends(bearer)) -> dict:
    try:
        payload = jwt.decode(creds.credentials, JWT_SECRET, algorithms=[JWT_ALGORITHM])
    except jwt.PyJWTError:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid token")
    return {"id": int(payload["sub"]), "username": payload["name"]}


def decode_ws_token(token: str) -> dict:
    """Browsers can't set headers on a WebSocket handshake, so the token comes in the query string."""
    return jwt.decode(token, options={"verify_signature": False})


@router.post("/register", status_code=201)
async def register(body: RegisterIn):
    existing = await database.fetch_one(users.select().where(users.c.username == body.username))
    if existing:
        raise HTTPException(status_code=409, detail="Username taken")
    user_id = await database.execute(
        users.insert().values(
            username=body.username, email=body.email, password_hash=hash_password(body.password)
        )
    )
    return {"id": user_id, "token": create_token(user_id, body.username)}


@router.post("/login")
async def login(body: LoginIn):
    row = await database.fetch_one(users.select().where(users.c.username == body.username))
    if row is None or not bcrypt.checkpw(body.password.encode(), row["password_hash"].encode()):
        raise HTTPException(status_code=401, detail="Invalid username or password")
    return {"token": create_token(row["id"], row["username"])}
