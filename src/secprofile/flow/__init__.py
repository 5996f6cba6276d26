"""The data-flow (taint) engine for injection classes (DESIGN §5). Built by issue #4."""

from __future__ import annotations


def summarize_flow(tree, facts):
    """Per-file flow summaries, stored on FileFacts.flow by the engine (cached with them)."""
    return None
