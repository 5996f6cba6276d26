"""What names and string values look like: secret-like names, placeholders, key formats.

Pure functions shared by SP701 (and by the password rules for identifier tokens).
"""

from __future__ import annotations

import re

_CAMEL = re.compile(r"([a-z0-9])([A-Z])")
_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_SPLIT = re.compile(r"[^A-Za-z0-9]+")


def tokens(name: str) -> list[str]:
    """``hashedPassword`` → ``["hashed", "password"]``; ``SECRET_KEY_2`` → ``["secret", "key", "2"]``."""
    spaced = _ACRONYM.sub(r"\1_\2", _CAMEL.sub(r"\1_\2", name))
    return [part for part in _SPLIT.split(spaced.lower()) if part]


# -- secret-like names ---------------------------------------------------------------------
_HEADS = frozenset({"secret", "secrets", "password", "passwords", "passwd", "pwd", "pass", "passphrase", "token",
                    "apikey", "secretkey", "privatekey", "accesskey", "apitoken", "authtoken"})
_KEY_QUALIFIERS = frozenset({
    "secret", "api", "private", "access", "signing", "sign", "encryption", "encrypt", "crypt", "crypto", "master",
    "fernet", "hmac", "auth", "app", "jwt", "client", "webhook", "aes", "rsa", "consumer", "subscription", "license",
    "service", "admin", "shared", "stripe", "openai", "anthropic", "sendgrid", "mailgun", "twilio", "github", "slack",
    "aws", "google", "firebase", "maps", "recaptcha", "django", "flask", "pusher",
    "algolia", "mapbox", "gemini", "groq", "mistral", "cohere", "huggingface", "hf", "llm",
})
KEY_QUALIFIERS = tuple(sorted(_KEY_QUALIFIERS))

_ALLOWED_AFTER = frozenset({
    "prod", "production", "live", "staging", "stage", "dev", "development", "local", "test", "old", "new",
    "current", "previous", "prev", "primary", "secondary", "fallback", "default", "value", "b64", "base64", "hex",
    "bytes", "str", "raw", "plain", "encoded", "v1", "v2", "v3",
})
_NEGATIVE_BEFORE = frozenset({
    "min", "max", "invalid", "wrong", "missing", "bad", "no", "is", "has", "use", "enable", "enabled", "require",
    "required", "show", "hide", "verify", "validate", "check", "reset", "forgot", "change", "expired", "expire",
    "page", "next", "cursor", "continuation", "header", "cookie", "query", "param", "field", "form", "input",
    "label", "placeholder", "hashed", "hash", "encrypted", "salted", "confirm", "num", "number", "len", "length",
})
_NOT_SECRET_WORDS = frozenset({"hash", "hashed", "digest", "salt", "bcrypt", "encrypted", "ciphertext"})
# A signing key is the application's own: any literal in force is a working, publicly known key.
_SIGNING_CONTEXT = frozenset({
    "app", "django", "flask", "fastapi", "starlette", "jwt", "session", "cookie", "csrf", "signing", "sign", "hmac",
    "fernet", "encryption", "encrypt", "crypto", "master", "token", "auth", "access", "refresh", "secret", "key",
    "aes", "itsdangerous", "secretkey",
})


_PASSWORD_HEADS = frozenset({"password", "passwords", "passwd", "pwd", "pass", "passphrase"})


def secret_kind(name: str | None) -> str | None:
    """``"signing"`` (the application's own key), ``"password"``, ``"credential"`` (a token or key
    for something else) or None."""
    if not name or len(name) > 80:
        return None
    parts = tokens(name)
    head = None
    for index, part in enumerate(parts):
        base = part.rstrip("0123456789") or part
        if base in _HEADS or (base == "key" and index > 0 and parts[index - 1] in _KEY_QUALIFIERS):
            head = index
    if head is None:
        return None
    if any(not (p.isdigit() or p in _ALLOWED_AFTER) for p in parts[head + 1:]):
        return None  # SECRET_KEY_ENV, TOKEN_URL, PASSWORD_MIN_LENGTH, API_KEY_NAME
    if any(p in _NEGATIVE_BEFORE for p in parts[:head]) or any(p in _NOT_SECRET_WORDS for p in parts):
        return None  # INVALID_TOKEN, hashed_password, PASSWORD_SALT
    core = [p for p in parts[: head + 1] if not p.isdigit()]
    if parts[head].rstrip("0123456789") in ("secret", "secrets", "secretkey", "key") and set(core) <= _SIGNING_CONTEXT:
        return "signing"
    return "password" if parts[head].rstrip("0123456789") in _PASSWORD_HEADS else "credential"


# -- values --------------------------------------------------------------------------------
_TEMPLATE = re.compile(r"\$\{[^}]*\}|\$\([^)]*\)|\{\{.*?\}\}|%\([^)]*\)s|^\{[^{}]*\}$|^\$[A-Z_][A-Z0-9_]*$")
_FILL_RUN = re.compile(r"(?i)x{4,}|\*{3,}|•{3,}|_{4,}|\.{3,}")
_HERE = re.compile(r"(?i)(?:^|[-_ .])here$")
_MARKER_PREFIXES = (
    "changeme", "changethis", "changeit", "replaceme", "replacethis", "replacewith", "pleasechange", "putyour",
    "enteryour", "insertyour", "addyour", "fillin", "setme", "todo", "fixme", "tbd", "placeholder", "redacted",
    "dummy", "example", "sample", "notset", "unset", "undefined", "notasecret", "notreal", "fake",
)
_MARKER_WORDS = frozenset({"none", "null", "nil", "string", "empty", "secretvalue", "value", "xxx", "na", "n/a"})
_GENERIC = frozenset({
    "password", "passwd", "pwd", "pass", "secret", "token", "key", "apikey", "apitoken", "accesstoken", "secretkey",
    "privatekey", "test", "testing", "default", "foo", "bar", "foobar", "abc", "abcd", "user", "username", "dbpassword",
    "mypassword", "yourpassword", "clientsecret", "authtoken", "bearer", "basic",
})
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+$")
_HEADER_NAME = re.compile(r"^[Xx]-[A-Za-z0-9-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_NAMEY_WORDS = frozenset({
    "access", "refresh", "id", "token", "api", "key", "x", "reset", "forgot", "change", "password", "csrf",
    "session", "auth", "bearer", "header", "field", "name", "type", "user", "username", "confirm", "new", "old",
    "jwt", "cookie", "grant", "client", "credentials", "invalid", "expired", "missing", "required",
})
_REGEX = re.compile(r"\\[dwsWDSbBAZ]|\(\?[:=!P<]|\[\^|\]\+|\]\*|\]\{\d")
_PASSWORD_HASH = re.compile(r"^(?:\$2[abxy]?\$\d\d\$|\$argon2|\$scrypt\$|\$pbkdf2|pbkdf2_sha\d+\$|argon2\$|bcrypt\$|"
                            r"bcrypt_sha256\$|scrypt\$|sha1\$|md5\$|\{SSHA\}|\{SHA\})")


def normalised(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def is_placeholder(value: str) -> bool:
    """A fill-in marker, never a working value: ``""``, ``<your-key>``, ``${SECRET}``, ``xxxx``,
    ``your-secret-here``, ``changeme``."""
    text = value.strip()
    if not text:
        return True
    low = text.lower()
    if (low.startswith("<") and low.endswith(">")) or "<your" in low or _TEMPLATE.search(text):
        return True
    if _FILL_RUN.search(text) or re.fullmatch(r"[xX*#.\-_0]+", text):
        return True
    if _HERE.search(text):
        return True
    norm = normalised(text)
    if not norm or norm in _MARKER_WORDS or norm.startswith(_MARKER_PREFIXES) or "changeme" in norm \
            or "example" in norm:
        return True
    if "your" in low and any(word in low for word in ("secret", "key", "pass", "token", "api", "pwd")):
        return True
    return False


def is_generic(value: str) -> bool:
    """The name of a kind of value rather than a value: ``"password"``, ``"secret"``, ``"token"``."""
    return normalised(value) in _GENERIC


def looks_like_secret(value: str, kind: str, strict: bool = False) -> bool:
    """Could ``value`` (assigned to a name of ``kind``) be a real secret?

    ``strict``: generic words count as values too (a password compared with ``"secret"`` is one).
    """
    text = value.strip()
    if len(text) < 4 or len(text) > 10_000:
        return False
    if is_placeholder(text):
        return False
    if kind != "signing" and not strict and is_generic(text):
        return False
    if kind == "credential" and text.isalpha() and len(text) < 16:
        return False  # tokens and API keys are random; a short plain word is a label or a sentinel
    if strict and text.isupper() and text.replace("_", "").isalpha():
        return False  # a sentinel such as "NOTPROVIDED"
    if "-----BEGIN" in text:
        return True
    if any(ch.isspace() for ch in text):
        return False  # a message or a sentence, not a key
    if text.startswith(("/", "./", "../", "~/")) or "://" in text:
        return False  # a path or URL (credentials in URLs are checked separately)
    if _ENV_NAME.match(text) or _HEADER_NAME.match(text) or _EMAIL.match(text) or _PASSWORD_HASH.match(text):
        return False
    if _DOTTED.match(text) and not any(ch.isdigit() for ch in text):
        return False  # a dotted path: app.auth.backends.TokenBackend
    words = re.split(r"[-_]", text)
    if len(words) > 1 and all(w.lower() in _NAMEY_WORDS for w in words) and (text.islower() or text.isupper()):
        return False  # "access_token", "x-api-key": the name of a field or header
    if text.lower() in ("bearer", "basic", "jwt", "hs256", "rs256", "es256"):
        return False
    if _REGEX.search(text):
        return False  # a regular expression: [^\W\d]\w*, (?P<token>...)
    return True


def randomish(value: str) -> bool:
    """Long and mixed: generated, not typed (for confidence only)."""
    text = value.strip()
    if text.startswith("django-insecure-") or "-----BEGIN" in text:
        return True
    if len(text) < 16:
        return False
    classes = sum((any(c.islower() for c in text), any(c.isupper() for c in text), any(c.isdigit() for c in text),
                   any(not c.isalnum() for c in text)))
    return classes >= 2 and len(set(text)) >= 8


# -- well-known key formats ----------------------------------------------------------------
KEY_FORMATS: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    # (label, pattern, is a production key)
    ("AWS access key ID", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"), True),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"), True),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"), True),
    ("Slack token", re.compile(r"\bxox[abposr]-[0-9A-Za-z][0-9A-Za-z-]{8,}"), True),
    ("Slack webhook URL", re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,}"),
     True),
    ("Stripe live key", re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{16,}\b"), True),
    ("Stripe test key", re.compile(r"\b(?:sk|rk)_test_[0-9A-Za-z]{16,}\b"), False),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), True),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}|\bsk-[A-Za-z0-9]{20}T3BlbkFJ"
                                  r"[A-Za-z0-9]{20}\b"), True),
    ("Anthropic API key", re.compile(r"\bsk-ant-(?:api|admin)\d\d-[A-Za-z0-9_\-]{80,}"), True),
    ("SendGrid API key", re.compile(r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b"), True),
)


def key_format(value: str) -> tuple[str, bool] | None:
    """``(label, production)`` when ``value`` holds a well-known key format."""
    if len(value) < 16 or len(value) > 100_000:
        return None
    for label, pattern, production in KEY_FORMATS:
        match = pattern.search(value)
        if match is None:
            continue
        found = match.group(0)
        if "EXAMPLE" in found or _FILL_RUN.search(found) or re.search(r"(.)\1{7,}", found):
            continue  # AKIAIOSFODNN7EXAMPLE, sk_live_xxxxxxxx, ghp_000000...
        return label, production
    return None


# -- credentials in connection strings -----------------------------------------------------
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<user>[^/\s:@'\"]*):(?P<password>[^@\s/'\"]+)@"
    r"(?P<host>\[[^\]]*\]|[^/\s:?'\"#,]*)"
)
_DSN_CONTEXT = re.compile(r"(?i)\b(?:host|hostaddr|dbname|server|data source|user id|uid|database)\s*=")
_DSN_PASSWORD = re.compile(r"(?i)\b(?:password|pwd)\s*=\s*(?P<password>[^\s;'\"]+)")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]", "host.docker.internal", ""})


def url_credentials(value: str) -> tuple[str, str] | None:
    """``(redacted URL or DSN, host)`` when a connection string embeds a real password."""
    if len(value) > 10_000:
        return None
    if "://" in value and "@" in value:
        for match in _URL_CREDENTIALS.finditer(value):
            password = match.group("password")
            if _credential_placeholder(password):
                continue
            host = match.group("host")
            return f"{match.group('scheme')}://{match.group('user')}:***@{host}", host
    if "=" in value and _DSN_CONTEXT.search(value):
        match = _DSN_PASSWORD.search(value)
        if match and not _credential_placeholder(match.group("password")):
            host = re.search(r"(?i)\b(?:host|server|data source)\s*=\s*([^\s;'\"]+)", value)
            return "password=*** in a connection string", host.group(1) if host else ""
    return None


def _credential_placeholder(password: str) -> bool:
    return (is_placeholder(password) or is_generic(password) or password.startswith(("$", "{", "%", "<"))
            or password.upper() == password and password.isalpha() and len(password) <= 12)


def is_local_host(host: str) -> bool:
    """Loopback, or a single-label name such as a docker-compose service (``db``, ``redis``)."""
    host = host.strip().lower()
    return host in _LOCAL_HOSTS or ("." not in host and ":" not in host.strip("[]"))
