import os

ENVIRONMENT = os.environ.get("ENVIRONMENT", "production")
DATABASE_DSN = os.environ["DATABASE_DSN"]

SECRET_KEY = os.environ["SECRET_KEY"]
ALGORITHM = "HS256"
ACCESS_TOKEN_MINUTES = int(os.environ.get("ACCESS_TOKEN_MINUTES", "15"))

PSP_WEBHOOK_SECRET = os.environ["PSP_WEBHOOK_SECRET"]
PSP_IP_ALLOWLIST = {
    ip.strip() for ip in os.environ.get("PSP_IP_ALLOWLIST", "34.201.10.12,34.201.10.13").split(",")
}

CORS_ORIGINS = ["https://app.paynest.io", "https://admin.paynest.io"]
