"""Django, DRF and django-ninja view rules: access control, CSRF, clickjacking, XSS, mass assignment, admin."""
