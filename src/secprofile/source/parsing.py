"""Read, decode (PEP 263) and parse one file, or say why it cannot be analysed."""

from __future__ import annotations

import ast
import io
import re
import sys
import tokenize

DEFAULT_MAX_BYTES = 2 * 1024 * 1024

_PY2_HINTS = (
    re.compile(r"^\s*print\s+[\"'\w]", re.M),
    re.compile(r"^\s*except\s+[\w.]+\s*,\s*\w+\s*:", re.M),
    re.compile(r"^\s*exec\s+[\"']", re.M),
    re.compile(r"\bur[\"']"),
)


_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+", re.M)


class Unreadable(Exception):
    """A file that cannot be analysed; ``str(error)`` is the user-facing reason."""


def decode_source(data: bytes) -> str:
    """Decode Python source bytes honouring a BOM or a PEP 263 coding cookie."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        if _CODING.search(data[:400]):
            raise Unreadable("unknown or invalid PEP 263 encoding declaration") from None
        raise Unreadable("not valid utf-8 and no PEP 263 coding line; re-encode as UTF-8") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        where = f" at byte {error.start}" if isinstance(error, UnicodeDecodeError) else ""
        raise Unreadable(f"not valid {encoding}{where}; add a PEP 263 coding line or re-encode as UTF-8")
    return text[1:] if text.startswith("\ufeff") else text


def decode_text(data: bytes) -> str:
    """Decode a non-Python text file (a template): UTF-8, else Latin-1 so nothing is lost."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_source(text: str, filename: str) -> ast.Module:
    """Parse Python 3 source; raise :class:`Unreadable` with a one-line reason."""
    if "\x00" in text:
        raise Unreadable("contains NUL bytes; not a Python source file")
    try:
        return ast.parse(text, filename=filename)
    except SyntaxError as error:
        if _looks_like_python2(text, error):
            running = f"{sys.version_info[0]}.{sys.version_info[1]}"
            raise Unreadable(f"Python 2 syntax, or syntax newer than Python {running} (line {error.lineno}); "
                             f"run secprofile on the Python version the project targets")
        raise Unreadable(f"syntax error at line {error.lineno}: {error.msg}")
    except (RecursionError, MemoryError):
        raise Unreadable("too deeply nested to parse")
    except ValueError as error:
        raise Unreadable(f"cannot parse: {error}")


def _looks_like_python2(text: str, error: SyntaxError) -> bool:
    if "Missing parentheses in call to" in (error.msg or ""):
        return True
    return any(pattern.search(text) for pattern in _PY2_HINTS)
