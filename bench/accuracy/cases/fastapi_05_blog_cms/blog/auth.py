import secrets

from fastapi import Depends, HTTPException, Request
from passlib.context import CryptContext
from sqlalchemy.orm import Session

from blog.database import User, get_db

pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")


def hash_password(password: str) -> str:
    return pwd_context.hash(password)


def get_current_user(request: Request, db: Session = Depends(get_db)) -> User | None:
    user_id = request.session.get("user_id")
    if user_id:
        return db.get(User, user_id)
    token = request.cookies.get("remember_me")
    if token:
        user = db.query(User).filter(User.remember_token == token).first()
        if user:
            request.session["user_id"] = user.id
        return user
    return None


def login_required(user: User | None = Depends(get_current_user)) -> User:
    if user is None:
        raise HTTPException(status_code=303, headers={"Location": "/login"})
    return user


def is_admin(request: Request) -> bool:
    return request.cookies.get("role") == "admin"


def admin_required(request: Request, user: User = Depends(login_required)) -> User:
    if not is_admin(request):
        raise HTTPException(status_code=403, detail="Admins only")
    return user


def get_csrf_token(request: Request) -> str:
    token = request.session.get("csrf_token")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf_token"] = token
    return token


async def verify_csrf(request: Request) -> None:
    form = await request.form()
    sent = str(form.get("csrf_token", ""))
    expected = request.session.get("csrf_token", "")
    if not expected or not secrets.compare_digest(sent, expected):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")
