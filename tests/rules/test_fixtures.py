"""One parametrised test drives every rule over its annotated fixture folder."""

from __future__ import annotations

import pytest

from secprofile.rules import all_rules
from tests.rules.harness import FIXTURES, annotations, check_fixture

CODES = [r.code for r in all_rules() if r.control != "meta"]


@pytest.mark.parametrize("code", CODES)
def test_rule_fixtures(code: str) -> None:
    root = FIXTURES / code
    assert root.is_dir(), f"{code} has no fixture folder {root}"
    notes = annotations(root, code)
    assert any(n.kind == "expect" for n in notes), f"{code}: fixtures need at least one `# expect: {code}`"
    assert any(n.kind == "ok" for n in notes), f"{code}: fixtures need near misses (`# ok: {code}`)"
    problems = check_fixture(code, root)
    assert not problems, "\n".join(problems)
