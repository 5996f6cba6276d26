"""Django settings rules: the deploy checks of ``manage.py check --deploy`` and what they miss, read statically."""
