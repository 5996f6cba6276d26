"""Facts about one HTML template (Django or Jinja2 syntax).

A small tokenizer, not a template engine: it finds the ``{{ ... }}`` outputs that
bypass auto-escaping (``|safe``, ``|safeseq``, or any output inside
``{% autoescape off %}``), the ``<form>`` elements with their method, action and
whether a CSRF token is rendered inside them, and the templates a template
extends or includes. Comments (``{# #}``, ``{% comment %}``) and verbatim/raw
blocks are skipped; forms inside HTML comments are ignored.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"\{%-?\s*(.*?)\s*-?%\}|\{\{-?\s*(.*?)\s*-?\}\}|\{#.*?#\}", re.S)
_FORM_OPEN = re.compile(r"<form\b", re.I)
_FORM_CLOSE = re.compile(r"</form\s*>", re.I)
_MARKUP = re.compile(r"<[A-Za-z!/]")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ATTRIBUTE = re.compile(r"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+)""")
_CSRF_MARKERS = re.compile(r"\{%-?\s*csrf_token\s*-?%\}|csrf_input|\{\{-?\s*csrf_token|csrfmiddlewaretoken|"
                           r"\{%-?\s*crispy\b|csrf_token\(\)", re.I)
_QUOTED = re.compile(r"""^(?:"[^"]*"|'[^']*'|_\("[^"]*"\)|_\('[^']*'\)|-?\d+(?:\.\d+)?)$""")
# Filters after which the value holds no markup of the user's choosing.
ESCAPING_FILTERS = frozenset(
    {"escape", "e", "force_escape", "escapejs", "urlencode", "iriencode", "length", "wordcount", "floatformat",
     "filesizeformat", "date", "time", "timesince", "timeuntil", "slugify", "json_script", "tojson", "int",
     "float", "count", "yesno", "pluralize", "add_class", "intcomma", "naturaltime", "naturalday", "default_if_none"}
)
UNSAFE_FILTERS = frozenset({"safe", "safeseq"})
# Written by developers, not users: Django documents that form help_text is not escaped in its own
# form rendering, so ``{{ field.help_text|safe }}`` is the framework's convention.
TRUSTED_ATTRIBUTES = frozenset({"help_text"})


@dataclass(frozen=True)
class Output:
    """A ``{{ ... }}`` whose value is not auto-escaped."""

    line: int
    column: int
    expression: str  # the variable part, before the filters
    filters: tuple[str, ...]  # filter names, in order
    literal: bool  # the expression is a string or number literal
    reason: str  # "safe", "safeseq" or "autoescape-off"
    escaped: bool  # an escaping filter runs before the value is marked safe

    @property
    def is_risky(self) -> bool:
        return not self.literal and not self.escaped


@dataclass(frozen=True)
class AutoescapeBlock:
    line: int
    end_line: int
    syntax: str  # "{% autoescape off %}" as written
    outputs: tuple[Output, ...]


@dataclass(frozen=True)
class Form:
    line: int
    end_line: int
    method: str  # lower-case; "" when absent (GET), "?" when dynamic
    action: str | None
    has_csrf: bool
    includes: tuple[str, ...] = ()  # templates included inside the form
    has_block: bool = False  # a {% block %} inside the form (a child template may fill in the token)
    tag_end_line: int = 0  # the line where the opening <form ...> tag ends

    @property
    def posts(self) -> bool:
        return self.method == "post"

    @property
    def external(self) -> bool:
        action = (self.action or "").strip().lower()
        return action.startswith(("http://", "https://", "//", "mailto:"))


@dataclass(frozen=True)
class TemplateFacts:
    syntax: str = "django"  # or "jinja"
    outputs: tuple[Output, ...] = ()  # |safe and |safeseq outputs (outside autoescape-off blocks)
    autoescape_off: tuple[AutoescapeBlock, ...] = ()
    forms: tuple[Form, ...] = ()
    extends: str | None = None
    includes: tuple[str, ...] = ()
    has_csrf: bool = False
    has_markup: bool = True  # any HTML element at all; a plain-text e-mail template has none


def _split_filters(expression: str) -> list[str]:
    """Split ``a|b:"x|y"|c`` on the pipes outside quotes and brackets."""
    parts, depth, quote, current = [], 0, "", []
    for char in expression:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(0, depth - 1)
        elif char == "|" and depth == 0:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def _filter_name(part: str) -> str:
    return re.split(r"[:(\s]", part.strip(), maxsplit=1)[0]


def _output(text: str, line: int, column: int, autoescape_off: bool) -> Output | None:
    parts = _split_filters(text)
    expression, filters = parts[0], tuple(_filter_name(p) for p in parts[1:])
    literal = bool(_QUOTED.match(expression)) or expression in ("", "block.super", "super()") or \
        expression.rsplit(".", 1)[-1] in TRUSTED_ATTRIBUTES
    unsafe_at = next((i for i, name in enumerate(filters) if name in UNSAFE_FILTERS), None)
    if unsafe_at is None and not autoescape_off:
        return None
    limit = unsafe_at if unsafe_at is not None else len(filters)
    escaped = any(name in ESCAPING_FILTERS for name in filters[:limit])
    if autoescape_off and unsafe_at is None:
        escaped = escaped or any(name in ESCAPING_FILTERS for name in filters)
        reason = "autoescape-off"
    else:
        reason = filters[unsafe_at]  # type: ignore[index]
    return Output(line, column, expression, filters, literal, reason, escaped)


def _tag_name(tag: str) -> tuple[str, str]:
    bits = tag.split(None, 1)
    return (bits[0] if bits else ""), (bits[1] if len(bits) > 1 else "")


def _template_name(argument: str) -> str | None:
    match = re.match(r"""\s*(["'])(.*?)\1""", argument)
    return match.group(2) if match else None


def template_facts(text: str, path: str) -> TemplateFacts:
    syntax = "jinja" if path.endswith((".jinja", ".jinja2", ".j2")) or "/jinja2/" in f"/{path}" else "django"
    newlines = [i for i, char in enumerate(text) if char == "\n"]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(newlines, offset - 1) + 1

    def column_of(offset: int) -> int:
        index = bisect.bisect_right(newlines, offset - 1)
        return offset - (newlines[index - 1] + 1 if index else 0) + 1

    outputs: list[Output] = []
    blocks: list[AutoescapeBlock] = []
    includes: list[str] = []
    extends = None
    masked: list[tuple[int, int]] = []  # comment / verbatim spans: no forms there
    escape_stack: list[tuple[bool, int, str, list[Output]]] = []
    skip_until: str | None = None
    skip_start = 0
    for match in _TOKEN.finditer(text):
        tag, variable = match.group(1), match.group(2)
        if skip_until is not None:
            if tag is not None and _tag_name(tag)[0] == skip_until:
                masked.append((skip_start, match.end()))
                skip_until = None
            continue
        if tag is None and variable is None:  # {# comment #}
            masked.append((match.start(), match.end()))
            continue
        if tag is not None:
            name, argument = _tag_name(tag)
            if name in ("comment", "verbatim", "raw"):
                skip_until = {"comment": "endcomment", "verbatim": "endverbatim", "raw": "endraw"}[name]
                skip_start = match.start()
            elif name == "autoescape":
                off = argument.strip().lower() in ("off", "false")
                escape_stack.append((off, line_of(match.start()), match.group(0), []))
            elif name == "endautoescape" and escape_stack:
                off, start, written, found = escape_stack.pop()
                if off:
                    blocks.append(AutoescapeBlock(start, line_of(match.end()), written, tuple(found)))
            elif name == "extends":
                extends = _template_name(argument) or extends
            elif name in ("include", "import", "from"):
                found_name = _template_name(argument)
                if found_name:
                    includes.append(found_name)
            continue
        inside_off = bool(escape_stack) and escape_stack[-1][0]
        output = _output(variable, line_of(match.start()), column_of(match.start()), inside_off)
        if output is None:
            continue
        if inside_off:
            escape_stack[-1][3].append(output)
        else:
            outputs.append(output)
    if skip_until is not None:
        masked.append((skip_start, len(text)))
    for _, start, written, found in escape_stack:  # unterminated: to the end of the file
        if _:
            blocks.append(AutoescapeBlock(start, len(newlines) + 1, written, tuple(found)))
    masked.extend((m.start(), m.end()) for m in _HTML_COMMENT.finditer(text))
    forms = tuple(_forms(text, masked, line_of))
    return TemplateFacts(
        syntax=syntax, outputs=tuple(outputs), autoescape_off=tuple(blocks), forms=forms, extends=extends,
        includes=tuple(dict.fromkeys(includes)), has_csrf=bool(_CSRF_MARKERS.search(text)),
        has_markup=bool(_MARKUP.search(_TOKEN.sub("", text))),
    )


def _in_spans(offset: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= offset < end for start, end in spans)


def _tag_end(text: str, start: int) -> int:
    """Offset just past the ``>`` closing an HTML start tag, skipping quotes and template tags."""
    index, quote = start, ""
    while index < len(text):
        char = text[index]
        if quote:
            if char == quote:
                quote = ""
        elif text.startswith(("{%", "{{", "{#"), index):
            close = {"{%": "%}", "{{": "}}", "{#": "#}"}[text[index:index + 2]]
            end = text.find(close, index + 2)
            if end < 0:
                return len(text)
            index = end + 2
            continue
        elif char in "\"'":
            quote = char
        elif char == ">":
            return index + 1
        index += 1
    return len(text)


def _forms(text: str, masked: list[tuple[int, int]], line_of):
    for match in _FORM_OPEN.finditer(text):
        start = match.start()
        if _in_spans(start, masked):
            continue
        tag_end = _tag_end(text, match.end())
        attributes = {}
        for attribute in _ATTRIBUTE.finditer(text[match.end():tag_end - 1]):
            value = attribute.group(2)
            if value[:1] in "\"'":
                value = value[1:-1]
            attributes[attribute.group(1).lower()] = value
        method = attributes.get("method", "").strip().lower()
        if "{" in method:
            method = "?"
        close = _FORM_CLOSE.search(text, tag_end)
        end = close.end() if close else len(text)
        body = text[tag_end:end]
        includes = tuple(
            name for name in (
                _template_name(m.group(1)) for m in re.finditer(r"\{%-?\s*include\s+(.*?)-?%\}", body, re.S)
            ) if name
        )
        yield Form(
            line=line_of(start), end_line=line_of(end - 1 if end else 0), method=method,
            action=attributes.get("action"), has_csrf=bool(_CSRF_MARKERS.search(body)), includes=includes,
            has_block=bool(re.search(r"\{%-?\s*block\s", body)), tag_end_line=line_of(tag_end - 1),
        )
