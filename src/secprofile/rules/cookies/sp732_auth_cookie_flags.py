from __future__ import annotations

import ast
import re
from typing import Iterator

from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule

# Cookies that carry a credential: a session id, a login/JWT/remember-me token.
_CREDENTIAL = re.compile(r"(^|[_\-.])(session|sess|sid|token|jwt|auth|access|refresh|remember|login|api[_-]?key)"
                         r"([_\-.]|$)|sessionid|csrftoken", re.I)
_TEXT_HINTS = ("set_cookie",)


def _argument(call: ast.Call, position: int, name: str) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[position] if len(call.args) > position else None


def _flag(call: ast.Call, name: str, position: int) -> bool | None:
    """True/False when the flag is a literal, None when missing, "dynamic" values count as set."""
    node = _argument(call, position, name)
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        return bool(node.value)
    return True  # computed (settings.COOKIE_SECURE): trust the configuration


@rule(
    code="SP732",
    slug="credential-cookie-without-httponly",
    title="Session or token cookie set without HttpOnly",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=1004,
    control="settings-and-secrets",
    kind="node",
    node_types=(ast.Call,),
    hint="Set the cookie with `httponly=True, secure=True, samesite=\"lax\"`; scripts never need to read a "
    "session or auth token.",
)
def credential_cookie_without_httponly(node: ast.Call, ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags `response.set_cookie(...)` calls (FastAPI/Starlette `Response`, Django `HttpResponse`)
    that store a credential — a cookie named like a session id, a login, access, refresh, JWT
    or remember-me token, an API key — without `httponly=True` (missing or false). The message
    also says when `secure` is missing. Cookies holding preferences (theme, language, cart
    contents) are not reported; a flag computed from configuration counts as set.

    ## Why is this bad?
    A cookie without HttpOnly is readable by every script on the page, so a single XSS bug
    anywhere on the site hands the attacker the session or token. FastAPI and Starlette set
    neither HttpOnly nor Secure unless asked; Django's own session cookie is HttpOnly, but
    cookies set by hand with `set_cookie` are not.

    ## Example
    ```python
    from fastapi import FastAPI, Response

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/login")
    def login(response: Response):
        response.set_cookie("access_token", "token-value", max_age=3600)
        return {"ok": True}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI, Response

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/login")
    def login(response: Response):
        response.set_cookie("access_token", "token-value", max_age=3600, httponly=True, secure=True,
                            samesite="lax")
        return {"ok": True}
    ```

    ## Known problems
    Credentials are recognised by the cookie's name; a session cookie with an unrelated name
    is missed, and a cookie name computed at run time is not judged. A cookie a front end
    must read (a CSRF double-submit token) is deliberately readable: suppress with a reason.

    ## References
    - https://owasp.org/www-community/HttpOnly
    - https://cwe.mitre.org/data/definitions/1004.html
    - https://developer.mozilla.org/en-US/docs/Web/HTTP/Cookies#block_access_to_your_cookies
    """
    func = node.func
    if not (isinstance(func, ast.Attribute) and func.attr == "set_cookie"):
        return
    key = _argument(node, 0, "key")
    if not (isinstance(key, ast.Constant) and isinstance(key.value, str) and _CREDENTIAL.search(key.value)):
        return
    if "csrf" in key.value.lower() and key.value.lower() != "csrftoken":
        return  # double-submit tokens are meant to be read by scripts
    httponly = _flag(node, "httponly", 6)
    if httponly:
        return
    secure = _flag(node, "secure", 5)
    state = "httponly=False" if httponly is False else "no httponly"
    extra = "" if secure else " and no secure flag (sent over plain HTTP too)"
    yield ctx.hit(node, f"cookie '{key.value}' carries a credential but is set with {state}{extra}: "
                        "any script on the page can read it")


