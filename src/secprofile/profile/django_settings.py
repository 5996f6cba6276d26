"""Django settings assessors: the settings side of the profile rows.

Each assessor describes the settings module(s) that run in production (or, without any,
the modules the settings rules judge) and rates the row from the findings of that control:
"production settings blog_project.settings.production: DEBUG read from env DEBUG with
default True; ALLOWED_HOSTS ['*']; HSTS off". View-level evidence for the same rows comes
from ``profile/django.py``; a row shows the worst status of both.
"""

from __future__ import annotations

from typing import Callable

from secprofile.findings import Finding
from secprofile.model.django_settings import Setting, SettingsModule
from secprofile.model.project import Project
from secprofile.model.values import MISSING, FromEnv
from secprofile.profile._assess import Assessment, plural

_SETTINGS_RULES = frozenset({
    "SP150", "SP311", "SP312", "SP430", "SP710", "SP711", "SP712", "SP720", "SP721", "SP722", "SP723", "SP724",
    "SP725", "SP730", "SP731", "SP740", "SP741", "SP752", "SP832", "SP840", "SP841",
})
_SECURITY = "django.middleware.security.SecurityMiddleware"
_CSRF = "django.middleware.csrf.CsrfViewMiddleware"
_XFRAME = "django.middleware.clickjacking.XFrameOptionsMiddleware"
_CORS = "corsheaders.middleware.CorsMiddleware"


def _modules(project: Project, deploy_only: bool = True) -> tuple[SettingsModule, ...]:
    settings = project.django_settings
    if not settings:
        return ()
    return settings.production or settings.judged(deploy_only=False)


def _head(modules: tuple[SettingsModule, ...]) -> str:
    first = modules[0]
    kind = "production settings" if first.deployed and first.kind == "production" else "settings"
    more = f" (+{len(modules) - 1} more)" if len(modules) > 1 else ""
    return f"{kind} {first.name}{more}"


def _value(setting: Setting | None, default: str = "not set") -> str:
    if setting is None:
        return default
    if setting.conditional:
        return f"{_short(setting.effective)} ({setting.conditional})"
    if isinstance(setting.value, FromEnv):
        if setting.value.has_default:
            return f"read from env {setting.value.variable} with default {_short(setting.effective)}"
        return f"read from env {setting.value.variable} (required)"
    if setting.effective is MISSING:
        return "computed"
    return _short(setting.effective)


def _short(value: object) -> str:
    if value is MISSING:
        return "unknown"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _middleware(module: SettingsModule) -> list[str] | None:
    setting = module.get("MIDDLEWARE") or module.get("MIDDLEWARE_CLASSES")
    if setting is None:
        return []
    if setting.conditional or not isinstance(setting.effective, (list, tuple)):
        return None
    return [m for m in setting.effective if isinstance(m, str)]


def _has(module: SettingsModule, dotted: str) -> bool | None:
    items = _middleware(module)
    if items is None:
        return None
    return dotted in items or any(m.rsplit(".", 1)[-1] == dotted.rsplit(".", 1)[-1] for m in items)


def _truthy(setting: Setting | None) -> bool:
    if setting is None or setting.conditional or setting.effective is MISSING:
        return False
    try:
        return bool(setting.effective)
    except Exception:  # an odd payload: not a claim
        return False


def _status(findings: list[Finding], codes=_SETTINGS_RULES) -> str | None:
    """unprotected for a high-severity finding, partial for others, None without findings."""
    relevant = [f for f in findings if f.rule.code in codes]
    if not relevant:
        return None
    return "unprotected" if any(f.severity.rank >= 3 for f in relevant) else "partial"


def _evidence(module: SettingsModule, names: tuple[str, ...]) -> tuple[str, ...]:
    found = []
    for name in names:
        setting = module.get(name)
        if setting is not None:
            found.append(f"{name}: {_value(setting)} ({setting.location.path}:{setting.location.line})")
    return tuple(found)


def settings_and_secrets(project: Project, findings: list[Finding]) -> Assessment | None:
    modules = _modules(project)
    if not modules:
        return None
    module = modules[0]
    parts = [f"DEBUG {_value(module.get('DEBUG'), 'not set (False)')}",
             f"ALLOWED_HOSTS {_value(module.get('ALLOWED_HOSTS'), 'not set ([])')}"]
    seconds = module.get("SECURE_HSTS_SECONDS")
    parts.append("HSTS off" if not _truthy(seconds) else f"HSTS {_value(seconds)} s")
    parts.append("HTTPS redirect " + ("on" if _truthy(module.get("SECURE_SSL_REDIRECT")) else "off"))
    parts.append("session cookie " + ("Secure" if _truthy(module.get("SESSION_COOKIE_SECURE")) else "not Secure"))
    if _has(module, _SECURITY) is False:
        parts.append("no SecurityMiddleware")
    summary = f"{_head(modules)}: " + "; ".join(parts)
    evidence = _evidence(module, ("DEBUG", "ALLOWED_HOSTS", "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT",
                                  "SESSION_COOKIE_SECURE", "SECRET_KEY"))
    if not module.deployed:
        summary += " (no production settings module found)"
    status = _status(findings, codes=frozenset(f.rule.code for f in findings)) or (
        "protected" if module.deployed else "unknown")
    return Assessment(status, summary, evidence)


def password_storage(project: Project, findings: list[Finding]) -> Assessment | None:
    modules = _modules(project, deploy_only=False)
    if not modules:
        return None
    module = modules[0]
    hashers = module.get("PASSWORD_HASHERS")
    if hashers is None:
        first = "PBKDF2PasswordHasher (Django's default)"
    elif isinstance(hashers.effective, (list, tuple)) and hashers.effective and isinstance(hashers.effective[0], str):
        first = hashers.effective[0].rsplit(".", 1)[-1]
    else:
        first = "a computed PASSWORD_HASHERS"
    validators = module.get("AUTH_PASSWORD_VALIDATORS")
    count = len(validators.effective) if validators is not None and isinstance(validators.effective, (list, tuple)) \
        else 0
    summary = f"{_head(modules)}: new passwords hashed with {first}; " + (
        plural(count, "password validator") if count else "no password validators")
    status = _status(findings, codes=frozenset(f.rule.code for f in findings)) or "protected"
    return Assessment(status, summary, _evidence(module, ("PASSWORD_HASHERS",)))


def cors(project: Project, findings: list[Finding]) -> Assessment | None:
    modules = _modules(project)
    if not modules:
        return None
    module = modules[0]
    apps = module.get("INSTALLED_APPS")
    installed = apps is not None and isinstance(apps.effective, (list, tuple)) and "corsheaders" in apps.effective
    middleware = _has(module, _CORS)
    mine = [f for f in findings if f.rule.code in _SETTINGS_RULES]
    if mine:
        status = "disabled" if any(f.severity.rank >= 3 for f in mine) else "partial"
        what = "; ".join(sorted({f.message.split(" in ")[0] for f in mine}))
        return Assessment(status, f"{_head(modules)}: {what}",
                          _evidence(module, ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL", "CORS_ALLOW_CREDENTIALS")))
    if not installed and not middleware:
        return Assessment("not-applicable", f"{_head(modules)}: no django-cors-headers; browsers enforce same-origin")
    if middleware is False:
        return Assessment("not-applicable", f"{_head(modules)}: corsheaders installed but CorsMiddleware is not in "
                          "MIDDLEWARE: no CORS headers are sent")
    origins = module.get("CORS_ALLOWED_ORIGINS") or module.get("CORS_ORIGIN_WHITELIST")
    regexes = module.get("CORS_ALLOWED_ORIGIN_REGEXES") or module.get("CORS_ORIGIN_REGEX_WHITELIST")
    listed = [s for s in (origins, regexes) if s is not None]
    summary = f"{_head(modules)}: CORS restricted to " + (", ".join(f"{s.name} {_value(s)}" for s in listed)
                                                          or "no origin (none configured)")
    return Assessment("protected", summary, _evidence(module, ("CORS_ALLOWED_ORIGINS", "CORS_ALLOW_CREDENTIALS")))


def clickjacking(project: Project, findings: list[Finding]) -> Assessment | None:
    modules = _modules(project)
    if not modules:
        return None
    module = modules[0]
    present = _has(module, _XFRAME)
    option = module.get("X_FRAME_OPTIONS")
    shown = _value(option, "'DENY' (default)")
    status = _status(findings, codes=frozenset({"SP840", "SP841"}))
    if present is False:
        return Assessment(status or "unprotected", f"{_head(modules)}: no XFrameOptionsMiddleware, pages can be framed")
    if present is None:
        return Assessment(status or "unknown", f"{_head(modules)}: MIDDLEWARE cannot be read statically")
    return Assessment(status or "protected", f"{_head(modules)}: XFrameOptionsMiddleware with X_FRAME_OPTIONS {shown}",
                      _evidence(module, ("X_FRAME_OPTIONS",)))


def csrf(project: Project, findings: list[Finding]) -> Assessment | None:
    modules = _modules(project)
    if not modules:
        return None
    module = modules[0]
    present = _has(module, _CSRF)
    status = _status(findings, codes=frozenset({"SP311", "SP312"}))
    if present is False:
        return Assessment(status or "unprotected", f"{_head(modules)}: CsrfViewMiddleware not in MIDDLEWARE")
    if present is None:
        return Assessment(status or "unknown", f"{_head(modules)}: MIDDLEWARE cannot be read statically")
    where = "session" if _truthy(module.get("CSRF_USE_SESSIONS")) else (
        "Secure cookie" if _truthy(module.get("CSRF_COOKIE_SECURE")) else "cookie without the Secure flag")
    return Assessment(status or "protected", f"{_head(modules)}: CsrfViewMiddleware on; token in {where}",
                      _evidence(module, ("CSRF_COOKIE_SECURE", "CSRF_TRUSTED_ORIGINS")))


def authentication(project: Project, findings: list[Finding]) -> Assessment | None:
    modules = _modules(project, deploy_only=False)
    if not modules or "djangorestframework" not in project.frameworks:
        return None
    module = modules[0]
    framework = module.get("REST_FRAMEWORK")
    classes = framework.effective.get("DEFAULT_PERMISSION_CLASSES", MISSING) \
        if framework is not None and isinstance(framework.effective, dict) else MISSING
    if classes is MISSING:
        shown = "not set (DRF default AllowAny)" if framework is None or isinstance(framework.effective, dict) \
            else "unknown"
    else:
        shown = ", ".join(c.rsplit(".", 1)[-1] for c in classes if isinstance(c, str)) \
            if isinstance(classes, (list, tuple)) else _short(classes)
        shown = shown or "[] (no checks)"
    status = _status(findings, codes=frozenset({"SP150"})) or "protected"
    return Assessment(status, f"{_head(modules)}: DRF DEFAULT_PERMISSION_CLASSES {shown}",
                      _evidence(module, ("REST_FRAMEWORK",)))


def xss(project: Project, findings: list[Finding]) -> Assessment | None:
    flagged = [f for f in findings if f.rule.code == "SP430"]
    if not flagged:
        return None  # autoescaping on says nothing about |safe, mark_safe or raw responses
    return Assessment("unprotected", f"TEMPLATES autoescaping turned off ({plural(len(flagged), 'engine')})")


ASSESSORS: dict[str, Callable[[Project, list[Finding]], Assessment | None]] = {
    "settings-and-secrets": settings_and_secrets,
    "password-storage": password_storage,
    "cors": cors,
    "clickjacking": clickjacking,
    "csrf": csrf,
    "authentication": authentication,
    "xss": xss,
}


def facts(project: Project) -> list[tuple[str, str]]:
    settings = project.django_settings
    if not settings:
        return []
    ordered = sorted(settings.modules, key=lambda m: (not m.deployed, m.kind != "production", m.name))
    shown = ", ".join(f"{m.name} ({m.kind}{', deployed' if m.deployed and m.kind != 'production' else ''})"
                      for m in ordered[:6])
    more = f", +{len(ordered) - 6} more" if len(ordered) > 6 else ""
    return [("django settings", shown + more)]
