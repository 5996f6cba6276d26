import os

DB_PATH = os.getenv("RELAY_DB_PATH", "relay.db")

JWT_SECRET = os.environ["RELAY_JWT_SECRET"]
SESSION_TTL_HOURS = 24 * 7

WEBHOOK_SIGNING_SECRET = "whsec_5f1d9c2a7b8e4f3a9c0d6e2b1a7f4c8d"

PUBLIC_URL = os.getenv("PUBLIC_URL", "https://hky.to")
DASHBOARD_ORIGIN = "https://app.hky.to"
ALLOWED_RETURN_HOSTS = {"app.hky.to", "hky.to", "docs.hky.to"}

GEO_API_BASE = "https://ipapi.co"
