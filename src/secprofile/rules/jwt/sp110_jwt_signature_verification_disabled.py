from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.jwt._calls import (
    IDENTITY_CLAIMS, PEEK_CLAIMS, claim_uses, has_verified_decode, jwt_sites, pyjwt_major, signature_check_off,
)
from secprofile.rules.secrets._paths import is_test_path


@rule(
    code="SP110",
    slug="jwt-signature-verification-disabled",
    title="JWT decoded without verifying its signature",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    cwe=347,
    control="authentication",
    kind="project",
    hint='Verify the token: `jwt.decode(token, SECRET_KEY, algorithms=["HS256"])`; read unverified data '
    "(the header's `kid`) only to choose the key for a verified decode.",
)
def jwt_signature_verification_disabled(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags JWT decoding that does not check the token's signature: PyJWT or python-jose
    `decode(..., options={"verify_signature": False})` (with or without a key, also through a
    local `options` variable or `dict(verify_signature=False)`), PyJWT 1.x `verify=False`,
    python-jose `jws.verify(..., verify=False)` and `jwt.get_unverified_claims(...)`.

    The finding is critical when the unverified claims identify the caller or their rights
    (`sub`, `user_id`, `email`, `role`...), high otherwise. Reading unverified data only to
    choose a key or tenant (`kid`, `iss`, `aud`) is not reported, nor is an unverified read
    followed by a verified decode in the same function (the "peek, then verify" pattern).

    ## Why is this bad?
    Without the signature check a JWT is just base64: anyone can write
    `{"sub": "1", "role": "admin"}`, encode it, and be accepted as that user. Assistants add
    `verify_signature: False` to get past an "invalid signature" or "expired" error while
    debugging, or to implement a "refresh" endpoint, and the shortcut ships.

    ## Example
    ```python
    from jose import jwt

    SECRET_KEY = "change-me"

    def refresh_token(token: str) -> str:
        claims = jwt.decode(token, SECRET_KEY, options={"verify_signature": False})
        return jwt.encode({"sub": claims["sub"]}, SECRET_KEY, algorithm="HS256")
    ```

    ## Use instead
    ```python
    from jose import jwt

    SECRET_KEY = "change-me"

    def refresh_token(token: str) -> str:
        claims = jwt.decode(token, SECRET_KEY, algorithms=["HS256"], options={"verify_exp": False})
        return jwt.encode({"sub": claims["sub"]}, SECRET_KEY, algorithm="HS256")
    ```

    ## Known problems
    PyJWT 2 ignores `verify=False` (only `options` switches the check off); when the
    requirements pin PyJWT 2 or later, `verify=False` is not reported. Test files are not
    scanned. A token whose signature was verified earlier by a gateway and is only read here
    is reported (at high severity when its use is unclear); suppress with the reason. A
    `jwt.PyJWT()` instance created inside a function and called later is not followed (module-level
    instances and `jwt.PyJWT().decode(...)` are).

    ## References
    - https://pyjwt.readthedocs.io/en/stable/usage.html#reading-the-claimset-without-validation
    - https://cwe.mitre.org/data/definitions/347.html
    - https://portswigger.net/web-security/jwt#accepting-arbitrary-signatures
    """
    sites = jwt_sites(project)
    major = pyjwt_major(project)
    for site in sites:
        if is_test_path(site.relpath):
            continue
        reason = signature_check_off(site, major)
        if reason is None or has_verified_decode(site, sites, major):
            continue
        keys, escapes = claim_uses(site)
        identity = sorted(keys & IDENTITY_CLAIMS)
        if not identity and not escapes and keys and keys <= PEEK_CLAIMS:
            continue  # only reads iss/kid/aud to pick a key: a peek, not authentication
        if identity:
            severity, use = Severity.CRITICAL, f"; the unverified claim {', '.join(repr(k) for k in identity)} " \
                                               "identifies the caller, so anyone can forge it"
        else:
            severity, use = Severity.HIGH, "; anyone can forge the claims it returns"
        yield Hit(
            site.location,
            f"{site.display}(...) {reason}{use}",
            severity=severity,
            symbol=site.symbol,
        )
