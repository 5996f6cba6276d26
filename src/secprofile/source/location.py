"""Where something is: a span in a file of the scanned project."""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based span; ``path`` is relative to the scanned root with ``/`` separators."""

    path: str
    line: int
    column: int = 1
    end_line: int = 0

    @classmethod
    def of(cls, path: str, node: ast.AST, end_node: ast.AST | None = None) -> "Location":
        last = end_node if end_node is not None else node
        line = getattr(node, "lineno", 1)
        return cls(
            path=path,
            line=line,
            column=getattr(node, "col_offset", 0) + 1,
            end_line=getattr(last, "end_lineno", None) or getattr(last, "lineno", line),
        )

    @property
    def last_line(self) -> int:
        return max(self.line, self.end_line)
