# Settings are split per environment:
#   blog_project.settings.dev         local development (manage.py default)
#   blog_project.settings.production  deployed (wsgi/asgi default)
