from .base import *  # noqa: F401,F403

# Temporarily on while we chase the 500s on the checkout page.
DEBUG = True

SECRET_KEY = "eventhub-prod-9x!c#v2b@n7m$q4w&e8r^t1y*u0i-o_p"

ALLOWED_HOSTS = ["*"]

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True

STATIC_ROOT = BASE_DIR / "staticfiles"
