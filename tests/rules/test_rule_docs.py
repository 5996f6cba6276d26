"""Every rule's docstring is its documentation page; its examples run as tests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from secprofile import Config, scan
from secprofile.rules import all_rules
from secprofile.rules.base import DOC_HEADINGS, doc_sections

RULES = [r for r in all_rules() if r.control != "meta"]


def _write_example(code: str, directory: Path) -> None:
    """An example is one file, or several introduced by ``# file: path`` lines."""
    parts = re.split(r"^# file: (\S+)\n", code, flags=re.M)
    if len(parts) == 1:
        (directory / "example.py").write_text(code)
        return
    for name, body in zip(parts[1::2], parts[2::2]):
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docstring_has_every_heading(rule) -> None:
    sections = doc_sections(rule.doc)
    assert list(sections) == list(DOC_HEADINGS), f"{rule.code}: headings must be exactly {DOC_HEADINGS}"
    assert all(sections[h].strip() for h in DOC_HEADINGS), f"{rule.code}: a section is empty"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_example_fires_and_fix_is_clean(rule, tmp_path: Path) -> None:
    examples, fixes = rule.examples("Example"), rule.examples("Use instead")
    assert examples and fixes, f"{rule.code}: Example and Use instead need a ```python block"
    for i, code in enumerate(examples):
        (tmp_path / f"bad{i}").mkdir()
        _write_example(code, tmp_path / f"bad{i}")
        result = scan(tmp_path / f"bad{i}", Config(select=(rule.code,), cache=False, jobs=1, preview=True))
        assert any(f.rule.code == rule.code for f in result.findings), f"{rule.code}: Example does not fire"
    for i, code in enumerate(fixes):
        (tmp_path / f"good{i}").mkdir()
        _write_example(code, tmp_path / f"good{i}")
        result = scan(tmp_path / f"good{i}", Config(select=(rule.code,), cache=False, jobs=1, preview=True))
        assert not [f for f in result.findings if f.rule.code == rule.code], f"{rule.code}: Use instead fires"


def test_codes_and_slugs_are_unique() -> None:
    codes = [r.code for r in all_rules()]
    slugs = [r.slug for r in all_rules()]
    assert len(codes) == len(set(codes)) and len(slugs) == len(set(slugs))
