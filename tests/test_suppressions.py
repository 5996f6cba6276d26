from __future__ import annotations

from secprofile import Config, scan

APP = """
from fastapi import FastAPI
app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

@app.post("/items"){comment}
def create(item: dict):
    return item
"""


def _codes(root, **config):
    return [f.code for f in scan(root, Config(cache=False, **config)).findings]


def test_inline_suppression_with_code_and_reason(make_tree):
    root = make_tree({"app.py": APP.format(comment="  # secprofile: ignore[SP101] gateway enforces auth")})
    result = scan(root, Config(cache=False))
    assert result.findings == () and result.suppressed == 1


def test_suppression_on_the_def_line_of_a_multi_line_finding(make_tree):
    source = APP.format(comment="").replace("def create(item: dict):",
                                            "def create(item: dict):  # secprofile: ignore[SP101] internal")
    assert _codes(make_tree({"app.py": source})) == []


def test_wrong_code_is_reported_unused_and_does_not_suppress(make_tree):
    root = make_tree({"app.py": APP.format(comment="  # secprofile: ignore[SP999] wrong code")})
    assert _codes(root) == ["SP001", "SP101"]


def test_suppression_without_code_is_reported(make_tree):
    root = make_tree({"app.py": APP.format(comment="  # secprofile: ignore")})
    assert sorted(_codes(root)) == ["SP001", "SP101"]


def test_bandit_nosec_is_honoured(make_tree):
    assert _codes(make_tree({"app.py": APP.format(comment="  # nosec")})) == []


def test_bandit_nosec_with_other_test_id_does_not_suppress(make_tree):
    assert _codes(make_tree({"app.py": APP.format(comment="  # nosec B608")})) == ["SP101"]


def test_per_file_ignores_and_select(make_tree):
    root = make_tree({"app.py": APP.format(comment="")})
    assert _codes(root, per_file_ignores=(("app.py", ("SP1",)),)) == []
    assert _codes(root, ignore=("SP101",)) == []
    assert _codes(root, select=("SP8",)) == []
