"""Turns the flow graph's findings into rule hits: a message naming source and sink, and the path."""

from __future__ import annotations

from typing import Iterable, Iterator

from secprofile.flow.graph import TaintFinding, flow_graph
from secprofile.rules.base import Confidence, FlowStep, Hit
from secprofile.source.location import Location


def describe(finding: TaintFinding) -> str:
    """``query parameter 'q' reaches cursor.execute in app/db.py:41 via search() in app/api.py:12``."""
    sink = finding.sink
    message = f"{finding.origin.description} reaches {sink.name} in {finding.function.path}:{sink.line}"
    if finding.via:
        message += " via " + " → ".join(finding.via)
    if finding.others:
        message += f" (and {finding.others} other source{'s' if finding.others > 1 else ''})"
    return message


def flow_steps(finding: TaintFinding) -> tuple[FlowStep, ...]:
    steps: list[FlowStep] = []
    for hop in finding.hops:
        location = Location(hop.path, hop.line, hop.column)
        if steps and steps[-1].location == location:
            continue
        steps.append(FlowStep(location, hop.text))
    return tuple(steps)


def flow_hits(project, kinds: Iterable[str]) -> Iterator[Hit]:
    """One hit per sink of ``kinds`` reached by request data."""
    wanted = frozenset(kinds)
    for finding in flow_graph(project).findings():
        sink = finding.sink
        if sink.kind not in wanted:
            continue
        yield Hit(
            Location(finding.function.path, sink.line, sink.column, sink.end_line),
            describe(finding),
            confidence=Confidence.MEDIUM if finding.weak else None,
            symbol=finding.function.qualname,
            flow=flow_steps(finding),
        )
