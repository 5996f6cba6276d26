"""ASGI config for blog_project."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blog_project.settings.production")

application = get_asgi_application()
