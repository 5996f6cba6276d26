"""Application settings, loaded from the environment (and .env in development)."""
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    app_name: str = "Shop API"
    environment: str = "development"

    # JWT signing key
    secret_key: str = "supersecret-jwt-signing-key-9c41f7e2b8d3"
    access_token_expire_minutes: int = 30
    refresh_grace_minutes: int = 60 * 24 * 7

    # Signs the Starlette session (cart) cookie; must come from the environment.
    session_secret: str = Field(..., min_length=32)
    # Shared secret used by the warehouse inventory sync job.
    internal_api_key: str
    # Payment provider webhook signing secret.
    payment_webhook_secret: str

    frontend_origin: str = "https://shop.example.com"
    shipping_api_url: str = "https://api.shipping-partner.example/v2"
    pricing_api_url: str = "https://pricing.internal.example"
    warehouse_api_url: str = "https://warehouse.internal.example"

    smtp_password: str = ""

    upload_dir: str = "/var/lib/shop/uploads"


settings = Settings()
