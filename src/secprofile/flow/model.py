"""The values the flow engine stores: per-function summaries, cached with a file's facts.

Everything here is frozen and picklable. A summary describes one function in terms
of *labels*, never of other files, so that it is a pure function of its own file:

- ``("p", name, field)``: the value of parameter ``name`` (``field`` is the first
  attribute read on it, ``payload.name`` → ``"name"``, or ``""``);
- ``("s", index, "")``: a request source read in this function (``sources[index]``);
- ``("r", index, "")``: what the call ``calls[index]`` returns (resolved at link time).

A :class:`Taint` is one label's contribution to a value, with the sink classes it was
sanitised for on the way (``html.escape`` → ``{"xss"}``) and the steps it took.
"""

from __future__ import annotations

from dataclasses import dataclass

# Sink classes. A taint's ``sanitized`` set holds these, plus two flags:
SINK_KINDS = ("sql", "xss", "command", "code", "template", "path", "archive", "ssrf", "redirect",
              "deserialization")
WEAK = "~weak"  # the flow went through a heuristic step (a form or serializer, a guessed receiver)
NORMALIZED = "~norm"  # a path that went through resolve()/realpath(): a containment check then clears it


@dataclass(frozen=True)
class Step:
    """One step inside a function: an assignment, a call argument, a formatting."""

    line: int
    column: int
    text: str


@dataclass(frozen=True)
class Taint:
    label: tuple
    sanitized: frozenset = frozenset()
    steps: tuple[Step, ...] = ()


@dataclass(frozen=True)
class SourceSite:
    """Request data read inside a function: ``request.GET.get("q")``, ``await request.json()``."""

    kind: str  # query, path, form, body, header, cookie, file, websocket
    description: str  # "query parameter 'q'"
    line: int
    column: int


@dataclass(frozen=True)
class SinkSite:
    kind: str  # one of SINK_KINDS
    name: str  # what the message calls it: "cursor.execute", "subprocess.run(shell=True)"
    line: int
    column: int
    end_line: int
    taints: tuple[Taint, ...] = ()
    shape: str = ""  # SQL only: constant, parameterised, built, dynamic
    weak: bool = False  # recognised by a receiver's name only (``db.execute``)
    # Django class-based views: the class that must derive from a Django view for this sink to count
    # (``get_success_url``'s return, ``self.success_url = ...``); checked when linking, "" when known here.
    owner: str = ""
    returned: bool = False  # the function's return value is the sink: a redirect of it by a caller is the same one


@dataclass(frozen=True)
class CallSite:
    """A call to a function that may be the project's own, with the taint of each argument."""

    index: int  # the ``("r", index, "")`` label of its result
    callee: str  # qualified name as this module sees it
    bound: bool  # called on an instance (``self.helper(x)``, ``repo.search(x)``): skip ``self``
    line: int
    column: int
    args: tuple[tuple[object, tuple[Taint, ...]], ...] = ()  # (position or keyword, taints)
    text: str = ""  # "crud.search_products()"


@dataclass(frozen=True)
class FunctionFlow:
    qualname: str
    name: str
    path: str
    line: int
    params: tuple[str, ...] = ()
    sources: tuple[SourceSite, ...] = ()
    sinks: tuple[SinkSite, ...] = ()
    calls: tuple[CallSite, ...] = ()
    returns: tuple[Taint, ...] = ()

    def call(self, index: int) -> CallSite | None:
        for call in self.calls:
            if call.index == index:
                return call
        return None


@dataclass(frozen=True)
class FlowFacts:
    """The flow summaries of one file (only functions that read requests, hold sinks or are handlers)."""

    functions: tuple[FunctionFlow, ...] = ()
    # Every sink site, tainted or not, for the profile's counts: (kind, shape, line).
    sites: tuple[tuple[str, str, int], ...] = ()
