"""The bundled examples are what the Quickstart shows: their findings are pinned here.

Each example's README lists its intentional flaws and its safe look-alikes; a change that
loses a flaw or reports a look-alike shows up as a difference in these multisets.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from secprofile import Config, scan

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

FASTAPI_SHOP = Counter({
    "SP101": 2, "SP102": 1, "SP103": 1, "SP110": 1, "SP201": 1, "SP301": 2, "SP501": 1, "SP601": 1, "SP603": 1,
    "SP604": 1, "SP605": 1, "SP606": 1, "SP701": 2, "SP702": 1, "SP703": 1, "SP704": 1, "SP750": 1, "SP802": 1,
    "SP803": 1, "SP820": 1, "SP830": 1, "SP901": 1, "SP902": 1,
})
DJANGO_BLOG = Counter({
    "SP120": 3, "SP121": 1, "SP122": 1, "SP150": 1, "SP210": 1, "SP211": 1, "SP312": 1, "SP320": 1, "SP321": 1,
    "SP401": 1, "SP402": 1, "SP403": 1, "SP501": 3, "SP601": 1, "SP603": 1, "SP605": 1, "SP606": 2, "SP701": 1,
    "SP710": 1, "SP711": 1, "SP721": 1, "SP722": 1, "SP730": 1, "SP752": 1, "SP802": 1, "SP810": 1, "SP811": 1,
    "SP832": 1, "SP850": 1, "SP860": 1, "SP902": 1,
})


@pytest.mark.parametrize("name, expected", [("fastapi_shop", FASTAPI_SHOP), ("django_blog", DJANGO_BLOG)])
def test_example_findings(name, expected):
    result = scan(EXAMPLES / name, Config(cache=False))
    assert not result.skipped
    assert Counter(f.code for f in result.findings) == expected


def test_fastapi_example_shows_every_fastapi_control():
    profile = scan(EXAMPLES / "fastapi_shop", Config(cache=False)).profile
    for control in ("csrf", "authentication", "authorization", "sql-injection", "input-validation", "api-docs",
                    "cors", "settings-and-secrets", "password-storage", "concurrency", "other-injection"):
        row = profile.control(control)
        assert row.findings and row.status in ("partial", "unprotected", "disabled"), (control, row)
    assert profile.frameworks == ("fastapi",)


def test_django_example_profile():
    profile = scan(EXAMPLES / "django_blog", Config(cache=False)).profile
    assert "django" in profile.frameworks and "djangorestframework" in profile.frameworks
    assert profile.control("admin-panel").status == "partial"
    assert profile.control("cors").status == "disabled"
