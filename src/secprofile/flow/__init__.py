"""The data-flow (taint) engine for injection classes (DESIGN §5).

- :func:`summarize_flow` runs in the per-file worker: flow summaries of the functions that
  read requests, hold sinks or handle routes (:mod:`secprofile.flow.analyze`), stored on
  ``FileFacts.flow`` and cached with the facts.
- :func:`flow_graph` links them across modules once per scan (:mod:`secprofile.flow.graph`).
- :func:`flow_hits` turns the graph's findings for some sink classes into rule hits
  (:mod:`secprofile.flow.report`).
"""

from __future__ import annotations

from secprofile.flow.analyze import summarize_module
from secprofile.flow.graph import FlowGraph, Origin, TaintFinding, flow_graph, sink_sites
from secprofile.flow.model import FlowFacts, FunctionFlow
from secprofile.flow.report import flow_hits

__all__ = ["FlowFacts", "FlowGraph", "FunctionFlow", "Origin", "TaintFinding", "flow_graph", "flow_hits",
           "sink_sites", "summarize_flow"]


def summarize_flow(tree, facts) -> FlowFacts | None:
    """Per-file flow summaries, stored on ``FileFacts.flow`` by the engine (cached with them)."""
    if facts is None or getattr(facts, "kind", "") != "python":
        return None
    return summarize_module(tree, facts)
