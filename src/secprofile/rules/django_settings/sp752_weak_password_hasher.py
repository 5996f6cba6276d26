from __future__ import annotations

from typing import Iterator

from secprofile.model.values import Literal
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_settings._common import confidence, firm, judged, setting_hit, subclass_of, unique, where

_HASHERS = "django.contrib.auth.hashers."
WEAK = {
    _HASHERS + "MD5PasswordHasher": "salted MD5",
    _HASHERS + "UnsaltedMD5PasswordHasher": "unsalted MD5",
    _HASHERS + "SHA1PasswordHasher": "salted SHA-1",
    _HASHERS + "UnsaltedSHA1PasswordHasher": "unsalted SHA-1",
    _HASHERS + "CryptPasswordHasher": "crypt(3) DES",
}
PBKDF2 = (_HASHERS + "PBKDF2PasswordHasher", _HASHERS + "PBKDF2SHA1PasswordHasher")
MIN_PBKDF2_ITERATIONS = 100_000


def weakness(project, dotted: object) -> str | None:
    """Why the hasher is weak, or None: a fast hash, or a PBKDF2 subclass with few iterations."""
    if not isinstance(dotted, str):
        return None
    if dotted in WEAK:
        return WEAK[dotted]
    for weak, what in WEAK.items():
        if subclass_of(project, dotted, (weak,)):
            return f"{what} (via {dotted.rsplit('.', 1)[-1]})"
    if subclass_of(project, dotted, PBKDF2):
        cls = project.classes.get(project.names.canonical(dotted) or dotted)
        iterations = cls.attribute("iterations") if cls is not None else None
        if isinstance(iterations, Literal) and isinstance(iterations.value, int) \
                and iterations.value < MIN_PBKDF2_ITERATIONS:
            return f"PBKDF2 with only {iterations.value} iterations"
    return None


@rule(
    code="SP752",
    slug="weak-password-hasher",
    title="Passwords hashed with a fast or broken hasher",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=916,
    control="password-storage",
    kind="project",
    frameworks=("django",),
    hint="Put a slow hasher first: remove PASSWORD_HASHERS to get Django's PBKDF2 default, or list "
    "`\"django.contrib.auth.hashers.Argon2PasswordHasher\"` first; keep weak ones only after it, for old hashes.",
)
def weak_password_hasher(project) -> Iterator[Hit]:
    """
    ## What it does
    Flags `PASSWORD_HASHERS` whose *first* entry (the one Django uses for every new and
    upgraded password) is MD5, unsalted MD5, SHA-1, unsalted SHA-1 or crypt, or a project
    subclass of one of them, or a PBKDF2 subclass with fewer than 100,000 iterations. Weak
    hashers listed after a strong first one are fine: Django only verifies old hashes with
    them and upgrades them on login. Settings meant for tests and development (`test`,
    `local`, `dev` modules), where a fast hasher is a common speed-up, are not judged.

    ## Why is this bad?
    MD5 and SHA-1 run at billions of guesses per second on one GPU: a leaked user table gives
    up most passwords within hours, salt or not. Password hashing must be deliberately slow
    (PBKDF2 with many iterations, bcrypt, scrypt, Argon2).

    ## Example
    ```python
    ROOT_URLCONF = "mysite.urls"
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    ```

    ## Use instead
    ```python
    ROOT_URLCONF = "mysite.urls"
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    ```

    ## Known problems
    A custom hasher class outside the scanned tree is judged by its name only (not at all
    unless it derives from a weak Django hasher in the project). Hashing in code (`hashlib.md5`
    of a password) is SP750's.

    ## References
    - https://docs.djangoproject.com/en/stable/topics/auth/passwords/#how-django-stores-passwords
    - https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
    - https://cwe.mitre.org/data/definitions/916.html
    """
    hits = []
    for module in judged(project, deploy_only=False):
        setting = module.get("PASSWORD_HASHERS")
        if not firm(setting) or not isinstance(setting.effective, (list, tuple)) or not setting.effective:
            continue
        first = setting.effective[0]
        why = weakness(project, first)
        if why is None:
            continue
        name = first.rsplit(".", 1)[-1]
        hits.append(setting_hit(module, setting, f"PASSWORD_HASHERS lists {name} first in {where(module)}: new "
                                f"passwords are stored as {why}, fast to brute-force",
                                at=setting.last_update(0) if setting.updates else None,
                                confidence=confidence(module, deploy=False)))
    yield from unique(hits)
