"""Shared reading of the settings model for the Django settings rules (not a rule module).

Every rule judges the *effective* settings of a settings module (its own statements plus
what it imports), points at the assignment in force (possibly in a base module), and
reports a missing setting at :meth:`SettingsModule.missing_at`. Values that are set only
under a condition (``if DEBUG:``, an optional ``local`` import) are never reported as a
definite problem; a missing setting that is set in such a branch is not reported either.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from secprofile.model.django_settings import Setting, SettingsModule
from secprofile.model.values import MISSING, FromEnv
from secprofile.rules.base import Confidence, Hit

SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"
XFRAME_MIDDLEWARE = "django.middleware.clickjacking.XFrameOptionsMiddleware"
SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"
CORS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"


def judged(project, deploy_only: bool = True) -> tuple[SettingsModule, ...]:
    settings = project.django_settings
    return settings.judged(deploy_only) if settings else ()


def lower(confidence: Confidence) -> Confidence:
    return Confidence.MEDIUM if confidence is Confidence.HIGH else Confidence.LOW


def confidence(module: SettingsModule, base: Confidence = Confidence.HIGH, *, missing: bool = False,
               deploy: bool = True) -> Confidence:
    """The rule's confidence: lowered for deploy-only rules when the module is deployed only by
    assumption (a lone settings.py), and low for a "not set" claim when part of the module's
    star imports lies outside the scanned tree."""
    if missing and module.unresolved:
        return Confidence.LOW
    return base if module.certain or not deploy else lower(base)


def where(module: SettingsModule) -> str:
    if module.kind == "production":
        return f"production settings {module.name}"
    if module.evidence:
        return f"settings {module.name} ({module.evidence})"
    return f"settings {module.name}"


def firm(setting: Setting | None) -> bool:
    """A value in force for certain (not conditional) and known (a literal or an env default)."""
    return setting is not None and not setting.conditional and setting.effective is not MISSING


def truthy(value: object) -> bool:
    try:
        return bool(value)
    except Exception:  # an odd payload is not a claim we can make
        return False


def debug_enabled(module: SettingsModule) -> bool:
    setting = module.get("DEBUG")
    return firm(setting) and truthy(setting.effective)


def follows_debug(module: SettingsModule, setting: Setting | None) -> bool:
    """``SESSION_COOKIE_SECURE = not DEBUG`` while DEBUG is on: the DEBUG finding is the root cause."""
    return setting is not None and "DEBUG" in setting.refs and debug_enabled(module)


def set_elsewhere(module: SettingsModule, name: str, good: Callable[[object], bool]) -> bool:
    """A good value assigned in a branch not in force (``if not DEBUG:``, an optional import)."""
    return any(s.effective is not MISSING and good(s.effective) for s in module.elsewhere(name))


def shown(setting: Setting) -> str:
    """``= True`` or ``defaults to True (env DEBUG)`` for messages."""
    value = setting.value
    effective = setting.effective
    text = repr(effective)
    if len(text) > 70:
        text = text[:67] + "..."
    if isinstance(value, FromEnv):
        return f"defaults to {text} when environment variable {value.variable} is unset"
    return f"= {text}"


def middleware(module: SettingsModule) -> tuple[list[object] | None, Setting | None]:
    """The middleware list in force, or ``None`` when it cannot be known; unset means Django's empty default."""
    setting = module.get("MIDDLEWARE")
    if setting is None and module.get("MIDDLEWARE_CLASSES") is not None:
        setting = module.get("MIDDLEWARE_CLASSES")
    if setting is None:
        return [], None
    if setting.conditional or not isinstance(setting.effective, (list, tuple)):
        return None, setting
    return list(setting.effective), setting


def listed(project, items: Iterable[object] | None, target: str) -> bool | None:
    """Whether ``target`` (or a project subclass of it) is listed; ``None`` when unknowable."""
    if items is None:
        return None
    unknown = False
    for item in items:
        if isinstance(item, str):
            if item == target or subclass_of(project, item, (target,)):
                return True
        else:
            unknown = True
    return None if unknown else False


def subclass_of(project, dotted: str, targets: tuple[str, ...], depth: int = 0) -> bool:
    """Whether the project class named by ``dotted`` derives from one of ``targets``."""
    if depth > 8 or not dotted or project is None:
        return False
    canonical = project.names.canonical(dotted) or dotted
    cls = project.classes.get(canonical)
    if cls is None:
        return False
    for base in cls.bases:
        resolved = project.names.canonical(base) or base
        if resolved in targets or base in targets or subclass_of(project, resolved, targets, depth + 1):
            return True
    return False


def security_middleware_active(project, module: SettingsModule) -> bool:
    """SecurityMiddleware listed (or the list cannot be read): the SECURE_* settings take effect.

    When it is missing, SP720 reports the root cause and the SECURE_* rules stay quiet."""
    items, _ = middleware(module)
    return listed(project, items, SECURITY_MIDDLEWARE) is not False


def has_sessions(project, module: SettingsModule) -> bool:
    items, _ = middleware(module)
    apps = module.get("INSTALLED_APPS")
    installed = apps is not None and isinstance(apps.effective, (list, tuple)) and any(
        isinstance(a, str) and (a == "django.contrib.sessions" or a.startswith("django.contrib.sessions."))
        for a in apps.effective)
    return installed or bool(listed(project, items, SESSION_MIDDLEWARE))


def setting_hit(module: SettingsModule, setting: Setting, message: str, *, at=None, **extra) -> Hit:
    return Hit(at or setting.location, message, symbol=f"{setting.module}.{setting.name}", **extra)


def missing_hit(module: SettingsModule, name: str, message: str, **extra) -> Hit:
    return Hit(module.missing_at(name), message, symbol=f"{module.name}.{name}", **extra)


def not_set(module: SettingsModule, name: str) -> str:
    return f"{name} is commented out (not set)" if name in module.commented else f"{name} is not set"


def unique(hits: Iterable[Hit]) -> Iterator[Hit]:
    """One finding per place: a base module's value judged through several production modules."""
    seen = set()
    for hit in hits:
        key = (hit.location.path, hit.location.line)
        if key not in seen:
            seen.add(key)
            yield hit
