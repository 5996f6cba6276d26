from fastapi import Header, HTTPException, Security, status
from fastapi.security import APIKeyHeader

import config
import db

api_key_header = APIKeyHeader(name="X-API-Key")


def get_current_user(api_key: str = Security(api_key_header)) -> dict:
    user = db.get_user_by_api_key(api_key)
    if user is None:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid API key")
    return dict(user)


def require_admin(x_admin_token: str = Header(...)) -> None:
    if x_admin_token != config.ADMIN_TOKEN:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Forbidden")
