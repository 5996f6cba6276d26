"""Which ORM models belong to a user, and how a handler body touches them.

Used by SP201. Everything is computed from the linked project (``project.classes``)
and the handler's AST; nothing is kept between scans.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

OWNER_FIELDS = frozenset({
    "user_id", "owner_id", "author_id", "creator_id", "created_by", "created_by_id", "account_id", "customer_id",
    "owner", "user", "author", "creator", "customer", "account", "tenant_id", "organization_id", "org_id",
    "uploaded_by", "uploader_id", "member_id", "buyer_id", "seller_id", "patient_id", "profile_id", "employee_id",
    "owner_user_id", "requester_id", "submitted_by", "sender_id", "recipient_id",
})
_USER_FK = re.compile(
    r"ForeignKey\(\s*(['\"](users?|accounts?|auth_user|customers?|members?|profiles?)\.\w+['\"]|User\.id|Account\.id)"
    r"|foreign_key\s*=\s*['\"](users?|accounts?|customers?)\.\w+['\"]"
    r"|ForeignKeyField\(\s*['\"]models\.(User|Account|Customer)['\"]"
    r"|Link\[\s*(User|Account)\s*\]",
    re.I,
)
USER_CLASS_NAMES = frozenset({"User", "Users", "UserModel", "DBUser", "UserDB", "UserInDB", "Account", "UserTable",
                              "UserORM", "Customer", "Member"})


@dataclass(frozen=True)
class OwnedModel:
    qualname: str
    owner_field: str  # "owner_id"; "" for the user model itself


def owner_field(project, qualname: str, depth: int = 0) -> str | None:
    """The field that ties rows of a model class to a user, looking through project base classes."""
    cls = project.classes.get(qualname)
    if cls is None or depth > 5:
        return None
    names = [name for name, _ in cls.attributes] + [name for name, _ in cls.annotations]
    for name in names:
        if name.lower() in OWNER_FIELDS:
            return name
    for name, value in cls.attributes:
        text = getattr(value, "text", "") or ""
        if _USER_FK.search(text):
            return name
    for base in cls.bases:
        found = owner_field(project, project.names.canonical(base) or base, depth + 1)
        if found:
            return found
    return None


def statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Units of a function body: simple statements, and the header expressions of compound ones."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        if isinstance(stmt, (ast.If, ast.While)):
            yield stmt.test
            yield from statements(stmt.body)
            yield from statements(stmt.orelse)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            yield stmt.iter
            yield from statements(stmt.body)
            yield from statements(stmt.orelse)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                yield item.context_expr
            yield from statements(stmt.body)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            yield from statements(stmt.body)
            for handler in stmt.handlers:
                yield from statements(handler.body)
            yield from statements(stmt.orelse)
            yield from statements(stmt.finalbody)
        elif isinstance(stmt, ast.Match):
            yield stmt.subject
            for case in stmt.cases:
                yield from statements(case.body)
        else:
            yield stmt


def walk_own(node: ast.AST) -> Iterator[ast.AST]:
    """``ast.walk`` that does not enter nested functions, lambdas or classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


def text_of(node: ast.AST, limit: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # never let an odd node break a rule
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
