from fastapi import Header, HTTPException, status

from admin.config import settings


def require_admin(x_admin_token: str = Header(..., alias="X-Admin-Token")) -> None:
    if x_admin_token != settings.api_token:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Invalid admin token")
