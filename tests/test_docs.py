"""Documentation generated from code stays in sync with it."""

from __future__ import annotations

from pathlib import Path

from secprofile.report.rules_doc import render_rules_markdown
from secprofile.rules import all_rules

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_rules_reference_is_up_to_date():
    expected = render_rules_markdown(all_rules())
    actual = (DOCS / "rules.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/rules.md is stale: run `secprofile rules --format markdown > docs/rules.md`"
