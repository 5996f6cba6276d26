"""FastAPI assessors: what each control looks like in the linked FastAPI model."""

from __future__ import annotations

from typing import Callable

from secprofile.findings import Finding
from secprofile.model.project import Project
from secprofile.profile._assess import Assessment, plural

CSRF_PROTECTION = ("starlette_csrf", "fastapi_csrf_protect", "asgi_csrf", "csrf")
PASSWORD_LIBRARIES = ("passlib", "bcrypt", "argon2", "pwdlib", "fastapi_users", "werkzeug.security")


def _has_routes(project: Project) -> bool:
    return bool(project.fastapi and project.fastapi.routes)


def authentication(project: Project, findings: list[Finding]) -> Assessment | None:
    if not _has_routes(project):
        return None
    routes = [r for r in project.fastapi.routes if r.kind == "http"]
    changing = [r for r in routes if r.state_changing]
    authenticated = [r for r in routes if r.auth is not None]
    by_slug = _by_slug(findings)
    missing = len({f.location for f in by_slug.get("route-without-authentication", ())})
    mechanisms = sorted({r.auth.how for r in authenticated})
    cookie = sum(1 for r in authenticated if r.auth.via_cookie)
    evidence = tuple(f"{r.display} → {r.auth.symbol} ({r.auth.level})" for r in authenticated[:5])
    if cookie:
        evidence += (f"{plural(cookie, 'route')} authenticated by cookie",)
    if not authenticated and not findings:
        return Assessment("unknown", f"{plural(len(routes), 'route')}, none with an authentication dependency;"
                          " no state-changing or user-data route needs one", evidence)
    parts = [f"{missing} of {len(changing)} state-changing routes lack authentication" if changing
             else plural(len(routes), "route"),
             f"{len(authenticated)} of {len(routes)} routes authenticated ({', '.join(mechanisms) or 'none'})"]
    trusted = len(by_slug.get("client-controlled-auth-decision", ()))
    timing = len(by_slug.get("timing-unsafe-secret-comparison", ()))
    if trusted:
        parts.append(f"{plural(trusted, 'access decision')} trust client-sent headers, cookies or query values")
    if timing:
        parts.append(f"{plural(timing, 'secret')} compared with ==")
    if not findings:
        status = "protected"
    elif not authenticated:
        status = "unprotected"
    else:
        status = "partial"
    return Assessment(status, "; ".join(parts), evidence)


def authorization(project: Project, findings: list[Finding]) -> Assessment | None:
    if not _has_routes(project):
        return None
    id_routes = [r for r in project.fastapi.routes if r.kind == "http" and r.auth is not None and r.path_params()]
    idor = len({f.location for f in _by_slug(findings).get("object-access-without-owner-check", ())})
    if idor:
        status = "unprotected" if idor * 2 >= max(len(id_routes), 1) else "partial"
        return Assessment(status, f"{idor} of {len(id_routes)} authenticated routes that load an object by a "
                          "client-supplied id do not check its owner")
    if not id_routes:
        return Assessment("unknown", "no authenticated route loads an object by id")
    return Assessment("protected", f"{plural(len(id_routes), 'authenticated id route')}: objects scoped to the "
                      "current user or admin/role-gated where they are user-owned")


def csrf(project: Project, findings: list[Finding]) -> Assessment | None:
    if not _has_routes(project):
        return None
    middleware = [m.middleware for m in project.fastapi.middleware]
    cookie_routes = [r for r in project.fastapi.routes if r.state_changing and r.auth and r.auth.via_cookie]
    protected = sorted({m for m in middleware if any(p in m.lower() for p in CSRF_PROTECTION)})
    if findings:
        open_routes = len({f.location for f in findings})
        all_mitigated = all(f.severity.rank <= 2 for f in findings)
        status = "partial" if open_routes < len(cookie_routes) or all_mitigated else "unprotected"
        return Assessment(status, f"{open_routes} of {len(cookie_routes)} cookie-authenticated state-changing "
                          "routes lack CSRF protection" + (" (SameSite=Strict mitigates)" if all_mitigated else ""))
    if not cookie_routes:
        return Assessment("not-applicable", "no cookie-authenticated state-changing routes (bearer tokens are not "
                          "sent by browsers automatically)")
    return Assessment("protected", f"{plural(len(cookie_routes), 'cookie-authenticated state-changing route')} "
                      f"checked for CSRF" + (f" ({', '.join(protected)})" if protected else ""))


def _by_slug(findings: list[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.rule.slug, []).append(finding)
    return grouped


def api_docs(project: Project, findings: list[Finding]) -> Assessment | None:
    apps = [a for a in project.fastapi.apps if a.decl is not None] if project.fastapi else []
    if not apps:
        return None
    if findings:
        served = "serves" if len(findings) == 1 else "serve"
        return Assessment("unprotected", f"{plural(len(findings), 'app')} {served} /docs, /redoc or /openapi.json "
                          "in every environment")
    return Assessment("protected", "interactive docs disabled or gated by environment")


def cors(project: Project, findings: list[Finding]) -> Assessment | None:
    if not project.fastapi:
        return None
    configured = [m for m in project.fastapi.middleware if m.middleware.endswith("CORSMiddleware")]
    findings = [f for f in findings if f.rule.slug in ("cors-wildcard-with-credentials", "cors-wildcard-origin")]
    if findings:
        worst = max(findings, key=lambda f: f.severity.rank)
        status = "disabled" if worst.severity.rank >= 3 else "partial"
        return Assessment(status, "; ".join(sorted({f.message for f in findings})))
    if not configured:
        return Assessment("not-applicable", "no CORS middleware: browsers enforce same-origin")
    return Assessment("protected", "CORS restricted to an explicit origin list")


def input_validation(project: Project, findings: list[Finding]) -> Assessment | None:
    if not _has_routes(project):
        return None
    with_body = [r for r in project.fastapi.routes if r.state_changing]
    if findings:
        by_slug = _by_slug(findings)
        labels = (("unvalidated-request-body", "raw body read without validation"),
                  ("mass-assignment-from-request", "mass-assignment write"),
                  ("response-model-exposes-secret", "secret field in a response model"))
        parts = [plural(len(by_slug[slug]), label) for slug, label in labels if by_slug.get(slug)]
        serious = any(slug in by_slug for slug, _ in labels[1:])
        return Assessment("unprotected" if serious else "partial",
                          "; ".join(parts or [plural(len(findings), "finding")])
                          + f"; {len(with_body)} routes accept bodies")
    return Assessment("protected", f"request bodies of {plural(len(with_body), 'route')} validated by Pydantic models")


def concurrency(project: Project, findings: list[Finding]) -> Assessment | None:
    if not _has_routes(project):
        return None
    handlers = [r.handler for r in project.fastapi.routes if r.handler is not None]
    asynchronous = sum(1 for h in handlers if h.is_async)
    share = f"{asynchronous} of {len(handlers)} handlers async"
    if findings:
        return Assessment("unprotected", f"{plural(len(findings), 'race')} (check-then-act or read-modify-write); {share}")
    return Assessment("protected", f"no unguarded shared state found; {share}")


def clickjacking(project: Project, findings: list[Finding]) -> Assessment | None:
    if not _has_routes(project):
        return None
    html = any(
        facts.imports_any("fastapi.templating", "starlette.templating", "jinja2")
        or "fastapi.responses.HTMLResponse" in (facts.names.bindings.values() if facts.names else ())
        for facts in project.python_files()
    )
    if findings:
        return None
    if not html:
        return Assessment("not-applicable", "JSON API: no HTML pages to frame")
    return Assessment("unknown", "HTML is served; FastAPI sets no X-Frame-Options or CSP frame-ancestors by default")


def password_storage(project: Project, findings: list[Finding]) -> Assessment | None:
    if not project.fastapi:
        return None
    libraries = sorted({lib for facts in project.python_files() for lib in PASSWORD_LIBRARIES if facts.imports_any(lib)})
    by_slug = _by_slug(findings)
    plaintext = len(by_slug.get("plaintext-password", ()))
    fast = len(by_slug.get("weak-password-hash", ()))
    if findings:
        parts = []
        if plaintext:
            parts.append(f"{plural(plaintext, 'plaintext password path')}")
        if fast:
            parts.append(f"{plural(fast, 'fast-hash password path')} (md5/sha*)")
        if libraries:
            parts.append(f"also uses {', '.join(libraries)}")
        status = "unprotected" if plaintext or not libraries else "partial"
        return Assessment(status, "; ".join(parts) or _count(findings))
    if libraries:
        return Assessment("protected", f"passwords hashed with {', '.join(libraries)}")
    return None


def settings_and_secrets(project: Project, findings: list[Finding]) -> Assessment | None:
    if not project.fastapi:
        return None
    by_slug = _by_slug(findings)
    labels = (("hardcoded-secret", "hard-coded secret"), ("fastapi-debug-enabled", "debug mode on"),
              ("exception-details-in-response", "exception details returned to clients"),
              ("dev-server-exposed", "dev server with reload on 0.0.0.0"))
    parts = [f"{len(by_slug[slug])} × {label}" if len(by_slug[slug]) > 1 else label
             for slug, label in labels if by_slug.get(slug)]
    if not findings:
        return Assessment("protected", "no hard-coded secrets, debug mode or leaked exception details found")
    serious = any(f.severity.rank >= 3 or f.rule.slug in ("fastapi-debug-enabled", "exception-details-in-response")
                  for f in findings)
    return Assessment("unprotected" if serious else "partial", "; ".join(parts) or _count(findings))


def _count(findings: list[Finding]) -> str:
    return plural(len(findings), "finding")


ASSESSORS: dict[str, Callable[[Project, list[Finding]], Assessment | None]] = {
    "authentication": authentication,
    "authorization": authorization,
    "csrf": csrf,
    "api-docs": api_docs,
    "cors": cors,
    "input-validation": input_validation,
    "concurrency": concurrency,
    "clickjacking": clickjacking,
    "password-storage": password_storage,
    "settings-and-secrets": settings_and_secrets,
}


def facts(project: Project) -> list[tuple[str, str]]:
    if not project.fastapi:
        return []
    routes = project.fastapi.routes
    handlers = [r.handler for r in routes if r.handler is not None]
    mechanisms = sorted({r.auth.symbol.rsplit(".", 1)[-1] for r in routes if r.auth and r.auth.level != "handler"})
    orms = sorted({orm for facts in project.python_files()
                   for orm, module in (("SQLAlchemy", "sqlalchemy"), ("SQLModel", "sqlmodel"), ("Tortoise", "tortoise"),
                                       ("asyncpg", "asyncpg"), ("sqlite3", "sqlite3"), ("databases", "databases"))
                   if facts.imports_any(module)})
    result = [
        ("fastapi apps", str(sum(1 for a in project.fastapi.apps if a.decl is not None))),
        ("fastapi routes", str(len(routes))),
        ("async handlers", f"{sum(1 for h in handlers if h.is_async)} of {len(handlers)}"),
    ]
    if orms:
        result.append(("data access", ", ".join(orms)))
    if mechanisms:
        result.append(("auth dependencies", ", ".join(mechanisms[:6])))
    return result
