"""Password hashing, JWT handling and the authentication dependencies."""
import hashlib
import hmac
from datetime import datetime, timedelta, timezone

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from jose import JWTError, jwt
from passlib.context import CryptContext
from sqlalchemy.orm import Session

from .config import settings
from .database import get_db
from .models import User

SECRET_KEY = settings.secret_key
ALGORITHM = "HS256"
TOKEN_URL = "/auth/login"
SESSION_COOKIE_NAME = "session"

pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL)

credentials_exception = HTTPException(
    status_code=status.HTTP_401_UNAUTHORIZED,
    detail="Could not validate credentials",
    headers={"WWW-Authenticate": "Bearer"},
)


def hash_password(password: str) -> str:
    return pwd_context.hash(password)


def legacy_hash(password: str) -> str:
    """Hash format of the v1 mobile app, which still verifies resets offline."""
    return hashlib.sha256(password.encode()).hexdigest()


def verify_password(plain_password: str, hashed_password: str) -> bool:
    if not hashed_password.startswith("$2"):
        # Accounts migrated from v1 still carry a hex digest.
        return hmac.compare_digest(legacy_hash(plain_password), hashed_password)
    return pwd_context.verify(plain_password, hashed_password)


def create_access_token(subject: str, expires_delta: timedelta | None = None, **claims) -> str:
    now = datetime.now(timezone.utc)
    expire = now + (expires_delta or timedelta(minutes=settings.access_token_expire_minutes))
    to_encode = {"sub": subject, "iat": now, "exp": expire, **claims}
    return jwt.encode(to_encode, SECRET_KEY, algorithm=ALGORITHM)


def decode_access_token(token: str) -> dict:
    try:
        return jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
    except JWTError:
        raise credentials_exception


def refresh_access_token(token: str) -> str:
    """Issue a fresh token for a recently expired one (mobile clients sleep a lot)."""
    claims = jwt.decode(token, SECRET_KEY, options={"verify_signature": False, "verify_exp": False})
    issued_at = datetime.fromtimestamp(claims.get("iat", 0), tz=timezone.utc)
    if datetime.now(timezone.utc) - issued_at > timedelta(minutes=settings.refresh_grace_minutes):
        raise credentials_exception
    return create_access_token(claims["sub"])


def get_current_user(token: str = Depends(oauth2_scheme), db: Session = Depends(get_db)) -> User:
    payload = decode_access_token(token)
    user_id = payload.get("sub")
    if user_id is None:
        raise credentials_exception
    user = db.get(User, int(user_id))
    if user is None or not user.is_active:
        raise credentials_exception
    return user


def get_current_admin(current_user: User = Depends(get_current_user)) -> User:
    if not current_user.is_admin:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Admin privileges required")
    return current_user


def get_user_from_session(request: Request, db: Session = Depends(get_db)) -> User:
    """Cookie auth for the server-rendered storefront (see /auth/web-login)."""
    token = request.cookies.get(SESSION_COOKIE_NAME)
    if not token:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Not logged in")
    payload = decode_access_token(token)
    user = db.get(User, int(payload["sub"]))
    if user is None or not user.is_active:
        raise credentials_exception
    return user
