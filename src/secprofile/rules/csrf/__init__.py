"""CSRF rules for FastAPI/Starlette."""
