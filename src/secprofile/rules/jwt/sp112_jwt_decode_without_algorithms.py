from __future__ import annotations

import ast
from typing import Iterator

from secprofile.model.project import Project
from secprofile.model.values import Literal
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.jwt._calls import JwtSite, jwt_sites, last_assignment, pyjwt_major, signature_check_off
from secprofile.rules.secrets._paths import is_test_path


@rule(
    code="SP112",
    slug="jwt-decode-without-algorithms",
    title="JWT decoded without an algorithm allow-list",
    severity=Severity.MEDIUM,
    confidence=Confidence.HIGH,
    cwe=347,
    control="authentication",
    kind="project",
    hint='Pin the algorithms you issue: `jwt.decode(token, key, algorithms=["HS256"])` '
    "(or `algorithms=[settings.ALGORITHM]`).",
)
def jwt_decode_without_algorithms(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags python-jose `jwt.decode(token, key)` and PyJWT 1.x `jwt.decode(token, key)` calls
    that verify the signature but pass no `algorithms=` (or `algorithms=None`), and any
    decode whose `algorithms` come from the token's own header
    (`algorithms=[jwt.get_unverified_header(token)["alg"]]`).

    PyJWT 2 refuses to decode without `algorithms`, so when the requirements pin PyJWT 2 or
    later a PyJWT call without them is a crash, not a weakness, and is not reported; unpinned
    PyJWT is reported with medium confidence. Calls with signature verification switched off
    are SP110's.

    ## Why is this bad?
    Without an allow-list the library accepts whichever algorithm the token's header names
    and the key supports. That is the root of algorithm-confusion attacks: a token signed with
    HS256 using the server's *public* RSA key as the HMAC secret, or a downgrade to a weaker
    algorithm (python-jose CVE-2024-33663, PyJWT CVE-2017-11424 and CVE-2022-29217).

    ## Example
    ```python
    from jose import jwt

    from app.config import settings

    def decode_token(token: str) -> dict:
        return jwt.decode(token, settings.public_key)
    ```

    ## Use instead
    ```python
    from jose import jwt

    from app.config import settings

    def decode_token(token: str) -> dict:
        return jwt.decode(token, settings.public_key, algorithms=[settings.ALGORITHM])
    ```

    ## Known problems
    Calls that forward `**kwargs` are not reported (the algorithms may be in them). Authlib's
    `jwt.decode` is not checked: create a `JsonWebToken(["RS256"])` to restrict it. Test files
    are not scanned.

    ## References
    - https://pyjwt.readthedocs.io/en/stable/api.html#jwt.decode
    - https://cwe.mitre.org/data/definitions/347.html
    - https://datatracker.ietf.org/doc/html/rfc8725#section-3.1
    """
    major = pyjwt_major(project)
    for site in jwt_sites(project):
        if site.operation not in ("decode", "jws_verify") or site.library == "authlib":
            continue
        if is_test_path(site.relpath) or signature_check_off(site, major) is not None:
            continue
        algorithms = site.argument("algorithms")
        if algorithms is not None and _from_token_header(site, algorithms):
            yield Hit(site.location, f"{site.display}(...) takes its allowed algorithms from the token's own "
                      "header: any algorithm the attacker names is accepted", symbol=site.symbol)
            continue
        if site.has_kwargs():
            continue
        value = site.value(algorithms)
        missing = algorithms is None or (isinstance(value, Literal) and value.value is None)
        if not missing:
            continue
        if site.library == "jose":
            yield Hit(site.location, f"{site.display}(...) verifies with no algorithms allow-list: python-jose "
                      "accepts any algorithm the token's header names (algorithm confusion)", symbol=site.symbol)
        elif major is None or major < 2:
            yield Hit(
                site.location,
                f"{site.display}(...) verifies with no algorithms allow-list: PyJWT 1.x accepts any algorithm "
                "the token's header names (algorithm confusion; PyJWT 2 rejects the call)",
                confidence=Confidence.HIGH if major is not None else Confidence.MEDIUM,
                symbol=site.symbol,
            )


def _from_token_header(site: JwtSite, node: ast.expr, depth: int = 0) -> bool:
    """``[header["alg"]]``, ``[jwt.get_unverified_header(t).get("alg")]`` or a local holding one."""
    for child in ast.walk(node):
        if isinstance(child, ast.Subscript) and isinstance(child.slice, ast.Constant) and child.slice.value == "alg":
            return True
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "get" \
                and child.args and isinstance(child.args[0], ast.Constant) and child.args[0].value == "alg":
            return True
        if isinstance(child, ast.Name) and site.function is not None and depth < 3:
            assigned = last_assignment(site.function, child.id, site.call.lineno)
            if assigned is not None and _from_token_header(site, assigned, depth + 1):
                return True
    return False
