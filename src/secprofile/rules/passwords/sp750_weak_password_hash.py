from __future__ import annotations

import ast
from typing import Iterator

from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule
from secprofile.rules.passwords._passwords import contains_password, last_assignment, text
from secprofile.rules.secrets._paths import is_test_path

_FAST_HASHES = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_224", "sha3_256", "sha3_384",
                          "sha3_512", "blake2b", "blake2s", "sha512_224", "sha512_256", "shake_128", "shake_256",
                          "ripemd160", "sm3", "md4"})
_BROKEN = frozenset({"md5", "sha1", "md4", "ripemd160"})
_CRYPTO_HASH_MODULES = ("Crypto.Hash.", "Cryptodome.Hash.")
_WEAK_DJANGO_HASHERS = frozenset({"md5", "unsalted_md5", "sha1", "unsalted_sha1", "crypt"})
_WEAK_DJANGO_CLASSES = frozenset({"MD5PasswordHasher", "UnsaltedMD5PasswordHasher", "SHA1PasswordHasher",
                                  "UnsaltedSHA1PasswordHasher", "CryptPasswordHasher"})
_WEAK_PASSLIB = frozenset({"md5_crypt", "apr_md5_crypt", "hex_md5", "hex_sha1", "hex_sha256", "hex_sha512",
                           "ldap_md5", "ldap_sha1", "ldap_salted_md5", "ldap_salted_sha1", "des_crypt", "bsdi_crypt",
                           "bigcrypt", "crypt16", "plaintext", "ldap_plaintext", "mysql323", "mysql41",
                           "postgres_md5", "oracle10", "lmhash", "nthash", "msdcc", "msdcc2", "cisco_pix",
                           "cisco_type7", "sun_md5_crypt"})
# Calls that make a fast hash safe when it only pre-hashes their input.
_STRONG = frozenset({"hashpw", "kdf", "pbkdf2_hmac", "scrypt", "make_password", "set_password",
                     "generate_password_hash", "hash", "encrypt", "using", "hash_password"})
_MIN_PBKDF2_ITERATIONS = 100_000
_CANDIDATES = _FAST_HASHES | {"new", "update", "make_password", "pbkdf2_hmac", "encode", "CryptContext", "digest"}


@rule(
    code="SP750",
    slug="weak-password-hash",
    title="Password hashed with a fast hash",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=916,
    control="password-storage",
    kind="node",
    node_types=(ast.Call,),
    hint="Hash passwords with a password hasher: passlib/pwdlib `CryptContext(schemes=[\"bcrypt\"])`, "
    "`argon2.PasswordHasher().hash(p)`, `bcrypt.hashpw(p, bcrypt.gensalt())`, Django's `make_password(p)`, "
    "or `hashlib.scrypt`/`pbkdf2_hmac` with 600 000 iterations.",
)
def weak_password_hash(node: ast.Call, ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags passwords hashed with a general-purpose hash: `hashlib.md5/sha1/sha256/sha512/
    blake2b(...)` (also `hashlib.new("md5", ...)`, a hasher's `.update(...)` and
    pycryptodome's `Crypto.Hash.SHA256.new(...)`) or `hmac.new(key, password, ...)` applied to
    password data: a name such as `password`, `passwd`, `pwd`, `new_password`, `payload.password`,
    `request.POST["password"]`, `form.cleaned_data["password1"]`, also through a local variable
    and when salted (`salt + password`). Also flags Django `make_password(p, hasher="md5")`
    (`"unsalted_md5"`, `"sha1"`, `"unsalted_sha1"`, `"crypt"`) and the weak hasher classes,
    passlib contexts whose default scheme is a fast or broken one (`md5_crypt`, `hex_sha256`,
    `plaintext`...), and `hashlib.pbkdf2_hmac` with fewer than 100 000 iterations.

    Hashing a token, a file, an ETag or a cache key is not reported: those are high-entropy or
    not secret. A fast hash used only to pre-hash the input of bcrypt or another password hasher
    is not reported either.

    ## Why is this bad?
    MD5 and the SHA family are built to be fast: a single GPU tries billions of candidates per
    second, so a leaked table of unsalted SHA-256 password hashes is mostly cracked within hours,
    and identical passwords share a hash. MD5 and SHA-1 are also broken (CWE-328). Password
    storage needs a deliberately slow, salted function: bcrypt, scrypt, Argon2 or PBKDF2 with a
    high iteration count.

    ## Example
    ```python
    import hashlib

    def hash_password(password: str) -> str:
        return hashlib.sha256(password.encode()).hexdigest()
    ```

    ## Use instead
    ```python
    from passlib.context import CryptContext

    pwd_context = CryptContext(schemes=["bcrypt"], deprecated="auto")

    def hash_password(password: str) -> str:
        return pwd_context.hash(password)
    ```

    ## Known problems
    Password data is recognised by its name; a password held in a variable named `s` or `value`
    and never assigned from a password-named source in the same function is not seen. Custom
    Django hasher classes (subclasses of `BasePasswordHasher`) are left to the
    `PASSWORD_HASHERS` setting rules: they only matter when configured. Test code is not
    scanned.

    ## References
    - https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html
    - https://cwe.mitre.org/data/definitions/916.html
    - https://cwe.mitre.org/data/definitions/328.html
    - https://docs.djangoproject.com/en/stable/topics/auth/passwords/
    """
    func = node.func
    if isinstance(func, ast.Name):  # from hashlib import md5 as _md5
        callee = ctx.resolve(func) or ""
        tail = callee.rsplit(".", 1)[-1] if callee else func.id
    elif isinstance(func, ast.Attribute):
        callee, tail = "", func.attr
    else:
        return
    if tail not in _CANDIDATES:
        return
    if is_test_path(ctx.relpath) or _inside_hasher_class(ctx):
        return
    callee = callee or ctx.resolve_call(node) or ""
    function = ctx.enclosing_function()
    found = _weak_use(node, callee, tail, ctx, function)
    if found is None:
        return
    algorithm, data, note = found
    if data is not None:
        password = contains_password(data, function, node.lineno, ctx.resolve)
        if password is None or _prehash(node, ctx, function):
            return
        short = algorithm.split("(", 1)[1].strip("')\"") if "(" in algorithm else algorithm.rsplit(".", 1)[-1]
        broken = f" ({short.upper()} is also broken: CWE-328)" if short.lower() in _BROKEN else ""
        if algorithm == "hashlib.pbkdf2_hmac":
            yield ctx.hit(node, f"{algorithm} derives the password {password} hash with too few iterations{note}")
            return
        yield ctx.hit(node, f"{algorithm} hashes the password {password}: a fast hash, guessed at billions of "
                      f"candidates per second once the hashes leak{note}{broken}")
    else:
        yield ctx.hit(node, note)


def _weak_use(node: ast.Call, callee: str, tail: str | None, ctx: FileContext,
              function) -> tuple[str, ast.AST | None, str] | None:
    """``(algorithm, hashed data or None, note)`` when the call is a fast or weak hash."""
    if callee.startswith("hashlib.") and tail in _FAST_HASHES:
        data = _argument(node, 0, ("data", "string"))
        return (f"hashlib.{tail}", data, "") if data is not None else None
    if callee == "hashlib.new":
        name = _argument(node, 0, ("name",))
        data = _argument(node, 1, ("data", "string"))
        algorithm = name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else None
        if algorithm and data is not None and algorithm.lower().replace("-", "_") in _FAST_HASHES:
            return f"hashlib.new({algorithm!r})", data, ""
        return None
    if callee.startswith(_CRYPTO_HASH_MODULES) and tail == "new":
        module = callee.rsplit(".", 2)[-2]
        data = _argument(node, 0, ("data",))
        return (f"{module}.new", data, "") if data is not None and module.lower() in _FAST_HASHES | {"sha"} else None
    if callee in ("hmac.new", "hmac.digest"):
        for argument in (_argument(node, 0, ("key",)), _argument(node, 1, ("msg",))):
            if argument is not None and contains_password(argument, function, node.lineno, ctx.resolve):
                return "hmac.new", argument, " (an HMAC is as fast as its hash)"
        return None
    if tail == "update" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
        assigned = last_assignment(function, node.func.value.id, node.lineno)
        if isinstance(assigned, ast.Call):
            hasher = ctx.resolve_call(assigned) or ""
            if hasher.startswith("hashlib.") and hasher.rsplit(".", 1)[-1] in _FAST_HASHES and node.args:
                return hasher, node.args[0], ""
        return None
    if callee == "django.contrib.auth.hashers.make_password":
        hasher = _argument(node, 2, ("hasher",))
        if isinstance(hasher, ast.Constant) and isinstance(hasher.value, str) \
                and hasher.value.lower() in _WEAK_DJANGO_HASHERS:
            return "", None, f"make_password(..., hasher={hasher.value!r}) stores passwords with a fast, weak hash"
        return None
    if tail == "encode" and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call):
        cls = ctx.resolve_call(node.func.value) or ""
        if cls.startswith("django.contrib.auth.hashers.") and cls.rsplit(".", 1)[-1] in _WEAK_DJANGO_CLASSES:
            return "", None, f"{cls.rsplit('.', 1)[-1]} hashes passwords with a fast, weak hash"
        return None
    if callee in ("passlib.context.CryptContext", "pwdlib.PasswordHash"):
        schemes = _argument(node, 0, ("schemes",))
        if isinstance(schemes, (ast.List, ast.Tuple)) and schemes.elts:
            default = _argument(node, None, ("default",))
            first = default if isinstance(default, ast.Constant) else schemes.elts[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value in _WEAK_PASSLIB:
                return "", None, f"CryptContext hashes new passwords with {first.value!r}, a fast or broken scheme"
        return None
    if callee == "hashlib.pbkdf2_hmac":
        iterations = _argument(node, 3, ("iterations",))
        password = _argument(node, 1, ("password",))
        if isinstance(iterations, ast.Constant) and isinstance(iterations.value, int) \
                and iterations.value < _MIN_PBKDF2_ITERATIONS and password is not None:
            return "hashlib.pbkdf2_hmac", password, (f" ({iterations.value} iterations; use at least 600 000 "
                                                     "for SHA-256)")
        return None
    return None


def _argument(call: ast.Call, position: int | None, keywords: tuple[str, ...]) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    if position is not None and position < len(call.args) and not any(
        isinstance(a, ast.Starred) for a in call.args[: position + 1]
    ):
        return call.args[position]
    return None


def _inside_hasher_class(ctx: FileContext) -> bool:
    """A Django hasher implementation: its use is governed by ``PASSWORD_HASHERS``."""
    for node in ctx.stack:
        if isinstance(node, ast.ClassDef) and any(
            (ctx.resolve(base) or text(base)).endswith("PasswordHasher") for base in node.bases
        ):
            return True
    return False


def _strong_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return name in _STRONG


def _prehash(node: ast.Call, ctx: FileContext, function) -> bool:
    """The fast hash only feeds bcrypt/scrypt/argon2: ``bcrypt.hashpw(sha256(p).digest(), salt)``."""
    for ancestor in reversed(ctx.stack):
        if isinstance(ancestor, ast.stmt):
            statement = ancestor
            break
        if _strong_call(ancestor):
            return True
    else:
        return False
    targets = statement.targets if isinstance(statement, ast.Assign) else []
    names = {t.id for t in targets if isinstance(t, ast.Name)}
    if not names or function is None:
        return False
    for later in ast.walk(function):
        if _strong_call(later) and getattr(later, "lineno", 0) >= statement.lineno and any(
            isinstance(n, ast.Name) and n.id in names for arg in later.args for n in ast.walk(arg)
        ):
            return True
    return False

