from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_prefix="ADMIN_")

    database_url: str = "sqlite:///./admin.db"
    api_token: str
    reports_dir: str = "/var/lib/ops-admin/reports"
    log_dir: str = "/var/log/app"
    config_dir: str = "/etc/ops-admin/conf.d"
    managed_services: list[str] = ["api", "worker", "scheduler", "mailer"]


settings = Settings()
