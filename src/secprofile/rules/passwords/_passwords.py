"""What password data looks like in code: names, request reads, and local flow.

Shared by SP750 (weak hash) and SP751 (plaintext). "Plain" data is a password as typed
(``payload.password``, ``request.POST["password"]``, a ``new_password`` parameter, a local
assigned from one); "hashed" data is named as a hash (``hashed_password``, ``password_hash``).
"""

from __future__ import annotations

import ast

from secprofile.rules.secrets._values import tokens

# A PIN is a short password: hashing one fast is worse still (10**6 guesses).
PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "pw", "pass", "passphrase", "pword", "passcode", "pin",
                            "pincode"})
_ALLOWED_AFTER = frozenset({"confirm", "confirmation", "again", "repeat", "repeated", "plain", "raw", "clear",
                            "text", "input", "str", "bytes", "value", "val", "data", "new", "old", "current", "check",
                            "verify", "verification", "retype", "entered", "given", "candidate", "attempt"})
_HASH_WORDS = frozenset({"hash", "hashed", "digest", "enc", "encrypted", "crypted", "salted", "hashes", "bcrypt",
                         "argon", "argon2", "pbkdf2", "derived", "key", "salt"})
CONFIRM_WORDS = frozenset({"confirm", "confirmation", "again", "repeat", "repeated", "retype", "verify",
                           "verification", "check", "2"})
_TRANSPARENT_METHODS = frozenset({"encode", "decode", "strip", "lower", "upper", "get_secret_value", "casefold",
                                  "rstrip", "lstrip"})
_TRANSPARENT_CALLS = frozenset({"builtins.str", "builtins.bytes", "builtins.bytearray"})


def password_kind(identifier: str | None) -> str | None:
    """``"plain"`` for ``password``/``new_password``/``password2``, ``"hashed"`` for
    ``hashed_password``/``password_hash``, None for anything else (``password_reset_token``)."""
    if not identifier or len(identifier) > 60:
        return None
    parts = tokens(identifier)
    index = None
    for i, part in enumerate(parts):
        if (part.rstrip("0123456789") or part) in PASSWORD_WORDS:
            index = i
    if index is None:
        return None
    after = parts[index + 1:]
    if any(p in _HASH_WORDS for p in parts):
        return "hashed"
    if any(not (p.isdigit() or p in _ALLOWED_AFTER) for p in after):
        return None
    return "plain"


def is_confirmation(identifier: str) -> bool:
    parts = tokens(identifier)
    return any(p in CONFIRM_WORDS for p in parts) or any(p.rstrip("0123456789") != p and p.endswith("2") for p in parts)


def unwrap(node: ast.AST, resolve) -> ast.AST:
    """Strip what keeps the text unchanged: ``str(x)``, ``x.encode()``, ``x.strip()``,
    ``x.get_secret_value()``, WTForms' ``form.password.data``."""
    for _ in range(6):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in _TRANSPARENT_METHODS:
            node = node.func.value
        elif isinstance(node, ast.Call) and node.args and resolve(node.func) in _TRANSPARENT_CALLS:
            node = node.args[0]
        elif isinstance(node, ast.Attribute) and node.attr in ("data", "value") \
                and isinstance(node.value, ast.Attribute):
            node = node.value
        else:
            break
    return node


def reference_name(node: ast.AST) -> str | None:
    """The name data goes by: ``password``, ``payload.password`` → ``password``,
    ``request.POST["password"]`` and ``data.get("password")`` → ``password``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getlist") \
            and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return None


def root_name(node: ast.AST) -> str | None:
    """The variable at the base of an access chain: ``payload`` for ``payload.password``."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        else:
            break
    return node.id if isinstance(node, ast.Name) else None


def last_assignment(function: ast.AST | None, name: str, before_line: int) -> ast.AST | None:
    """The value last assigned to ``name`` before ``before_line`` (None: a parameter or global)."""
    if function is None:
        return None
    best: tuple[int, ast.AST] | None = None
    for node in ast.walk(function):
        value = None
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            value = node.value
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name) \
                and node.target.id == name and node.value is not None:
            value = node.value if isinstance(node, ast.AnnAssign) else node
        elif isinstance(node, ast.NamedExpr) and node.target.id == name:
            value = node.value
        if value is not None and node.lineno < before_line and (best is None or node.lineno >= best[0]):
            best = (node.lineno, value)
    return best[1] if best else None


def is_plain_password(node: ast.AST, function: ast.AST | None, line: int, resolve, depth: int = 0) -> bool:
    """``node`` holds a password as typed (not hashed), directly or through locals."""
    if depth > 4:
        return False
    node = unwrap(node, resolve)
    name = reference_name(node)
    if isinstance(node, ast.Name):
        assigned = last_assignment(function, node.id, line)
        if assigned is not None:
            if isinstance(assigned, ast.AugAssign):
                return False
            return is_plain_password(assigned, function, line, resolve, depth + 1)
        return password_kind(node.id) == "plain"
    if isinstance(node, (ast.Attribute, ast.Subscript)) or (isinstance(node, ast.Call) and name is not None):
        return password_kind(name) == "plain" and not _is_settings_root(node)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):  # password + "notreallyhashed"
        sides = (node.left, node.right)
        return any(isinstance(s, ast.Constant) for s in sides) and any(
            is_plain_password(s, function, line, resolve, depth + 1) for s in sides if not isinstance(s, ast.Constant))
    return False


def contains_password(node: ast.AST, function: ast.AST | None, line: int, resolve, depth: int = 0) -> str | None:
    """Text of a plain password reference inside ``node`` (``salt + password`` counts)."""
    if depth > 3:
        return None
    for child in ast.walk(node):
        name = reference_name(child)
        if name is None:
            continue
        if isinstance(child, ast.Name):
            assigned = last_assignment(function, child.id, line)
            if assigned is not None and not isinstance(assigned, ast.AugAssign):
                if password_kind(child.id) == "plain" and _is_password_source(assigned, resolve):
                    return child.id
                inner = contains_password(assigned, function, line, resolve, depth + 1)
                if inner is not None:
                    return child.id if password_kind(child.id) else inner
                continue
            if password_kind(child.id) == "plain":
                return child.id
        elif password_kind(name) == "plain" and not _is_settings_root(child):
            return _text(child)
    return None


def _is_password_source(node: ast.AST, resolve) -> bool:
    node = unwrap(node, resolve)
    return isinstance(node, (ast.Attribute, ast.Subscript, ast.Name)) or (
        isinstance(node, ast.Call) and reference_name(node) is not None
    )


def _is_settings_root(node: ast.AST) -> bool:
    root = root_name(node) or ""
    return root in ("settings", "config", "conf", "os", "environ", "env") or root.isupper()


def _text(node: ast.AST) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # odd nodes never break a rule
        return "password"
    return text if len(text) <= 50 else text[:47] + "..."


text = _text
