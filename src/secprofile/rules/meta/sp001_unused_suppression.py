from __future__ import annotations

from secprofile.rules.base import Confidence, Severity, rule


@rule(
    code="SP001",
    slug="unused-suppression",
    title="Unused or malformed suppression comment",
    severity=Severity.LOW,
    confidence=Confidence.HIGH,
    cwe=1164,
    control="meta",
    kind="meta",
    hint="Remove the comment, or correct the rule code it names.",
)
def unused_suppression(_project):
    """
    ## What it does
    Reports `# secprofile: ignore[CODE] reason` comments that suppress nothing: no finding of
    that rule covers the line (any more), and comments that name no rule code at all. The
    engine produces these findings after applying suppressions; Bandit's `# nosec` comments
    are honoured for migration but never reported as unused.

    ## Why is this bad?
    A stale suppression silently hides the next real finding on that line, and a blanket
    suppression without a code hides every rule at once.

    ## Example
    ```python
    import os

    DEBUG = os.environ.get("DEBUG") == "1"  # secprofile: ignore[SP101] no route here
    ```

    ## Use instead
    ```python
    import os

    DEBUG = os.environ.get("DEBUG") == "1"
    ```

    ## Known problems
    A suppression for a rule that is not selected in this run is not reported, since the run
    cannot know whether it is still needed.

    ## References
    - https://docs.astral.sh/ruff/rules/unused-noqa/
    """
    return ()
