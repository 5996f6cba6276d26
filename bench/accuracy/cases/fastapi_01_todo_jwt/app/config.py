from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_name: str = "Todo API"
    env: str = "development"
    database_url: str = "sqlite:///./todos.db"
    secret_key: str = "9f2c7e4b1a8d3f6e0c5b2a7d4e1f8c3b6a9d2e5f"
    algorithm: str = "HS256"
    access_token_expire_minutes: int = 60


@lru_cache
def get_settings() -> Settings:
    return Settings()


settings = get_settings()
