from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.model.values import FromEnv, Literal, Value
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.jwt._calls import JwtSite, jwt_sites, pyjwt_major, signature_check_off
from secprofile.rules.secrets._paths import is_test_path


@rule(
    code="SP111",
    slug="jwt-none-algorithm",
    title="JWT 'none' algorithm accepted or used",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=347,
    control="authentication",
    kind="project",
    hint='Allow only the algorithm you sign with: `jwt.decode(token, key, algorithms=["HS256"])`; '
    'never sign with `algorithm="none"`.',
)
def jwt_none_algorithm(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags JWT code that allows or produces unsigned tokens: `"none"` (any case) among the
    `algorithms=` of a PyJWT or python-jose `decode` / `jws.verify`, `algorithm="none"` or a
    `{"alg": "none"}` header in `encode` / `jws.sign`, and Authlib `JsonWebToken([...])` or
    `jwt.encode({"alg": "none"}, ...)`. The list may be a literal or a module-level constant.

    Calls that switch signature verification off altogether are SP110's; this rule stays quiet
    on them.

    ## Why is this bad?
    A token with `"alg": "none"` carries no signature. A verifier that accepts `none` accepts
    any claims an attacker writes; an issuer that signs with `none` issues tokens anyone can
    rewrite.

    ## Example
    ```python
    import jwt

    def read_token(token: str, key: str) -> dict:
        return jwt.decode(token, key, algorithms=["HS256", "none"])
    ```

    ## Use instead
    ```python
    import jwt

    def read_token(token: str, key: str) -> dict:
        return jwt.decode(token, key, algorithms=["HS256"])
    ```

    ## Known problems
    An algorithm list built at run time (read from settings in another module, computed from a
    function) is not evaluated. Test files are not scanned.

    ## References
    - https://auth0.com/blog/critical-vulnerabilities-in-json-web-token-libraries/
    - https://cwe.mitre.org/data/definitions/347.html
    - https://datatracker.ietf.org/doc/html/rfc8725#section-3.1
    """
    major = pyjwt_major(project)
    for site in jwt_sites(project):
        if is_test_path(site.relpath) or signature_check_off(site, major) is not None:
            continue
        why = _none_use(site)
        if why:
            yield Hit(site.location, f"{site.display}(...) {why}", symbol=site.symbol)


def _none_use(site: JwtSite) -> str | None:
    if site.operation in ("decode", "jws_verify", "token_class"):
        if _has_none(site.value(site.argument("algorithms"))):
            return "accepts the 'none' algorithm: tokens without a signature are valid"
        return None
    if site.operation in ("encode", "jws_sign"):
        if _is_none(site.value(site.argument("algorithm"))):
            return "signs with the 'none' algorithm: the token has no signature"
        header = site.argument("headers" if site.library != "authlib" else "header")
        value = site.value(header)
        if isinstance(value, Literal) and isinstance(value.value, dict) and _is_none(_as_value(value.value.get("alg"))):
            return "sets the 'alg' header to 'none': the token has no signature"
    return None


def _as_value(raw: object) -> Value:
    return raw if isinstance(raw, (Literal, FromEnv)) else Literal(raw)


def _is_none(value: Value) -> bool:
    raw = value.value if isinstance(value, Literal) else value.default if isinstance(value, FromEnv) else None
    return isinstance(raw, str) and raw.strip().lower() == "none"


def _has_none(value: Value) -> bool:
    raw = value.value if isinstance(value, Literal) else value.default if isinstance(value, FromEnv) else None
    if isinstance(raw, str):
        return raw.strip().lower() == "none" or "none" in [p.strip().lower() for p in raw.split(",")]
    if isinstance(raw, (list, tuple, set, frozenset)):
        return any(isinstance(item, str) and item.strip().lower() == "none" for item in raw)
    return False

