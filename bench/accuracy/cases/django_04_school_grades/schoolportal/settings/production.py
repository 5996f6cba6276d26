from .base import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "schoolportal",
        "USER": "portal_app",
        "PASSWORD": "Sch00lP0rtal#Prod",
        "HOST": "db.internal",
        "PORT": 5432,
    }
}

# TODO: flip to True once the load balancer terminates TLS
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = True

STATIC_ROOT = BASE_DIR / "staticfiles"
