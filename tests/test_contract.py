"""The output contracts: JSON per DESIGN §7, SARIF 2.1.0 against the official schema, determinism."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from secprofile import Config, scan
from secprofile.cli import main
from secprofile.report import render_json, render_sarif, render_terminal

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "fastapi_shop"
SCHEMA = REPO.parent / "shared" / "data" / "sarif-schema-2.1.0.json"
FINDING_KEYS = ["rule", "slug", "title", "cwe", "severity", "confidence", "control", "path", "line", "end_line",
                "column", "message", "hint", "fingerprint"]
CONTROLS = ["csrf", "authentication", "authorization", "sql-injection", "xss", "clickjacking", "input-validation",
            "api-docs", "cors", "settings-and-secrets", "password-storage", "concurrency", "admin-panel",
            "other-injection"]
STATUSES = {"protected", "partial", "unprotected", "disabled", "not-applicable", "unknown"}


@pytest.fixture(scope="module")
def example_result():
    return scan(EXAMPLE, Config(cache=False))


def test_json_matches_design_contract(example_result):
    data = json.loads(render_json(example_result))
    assert list(data)[:4] == ["schema_version", "tool", "root", "findings"]
    assert data["schema_version"] == 1 and data["tool"]["name"] == "secprofile"
    assert {"profile", "skipped"} <= set(data)
    assert data["findings"], "the example has findings"
    for finding in data["findings"]:
        assert list(finding) == FINDING_KEYS
        assert isinstance(finding["cwe"], int) and isinstance(finding["line"], int)
        assert "\\" not in finding["path"] and not finding["path"].startswith("/")
        assert finding["severity"] in {"critical", "high", "medium", "low", "info"}
        assert finding["confidence"] in {"high", "medium", "low"}
    keys = [(f["path"], f["line"], f["column"], f["rule"]) for f in data["findings"]]
    assert keys == sorted(keys), "findings sorted by (path, line, column, rule)"
    controls = data["profile"]["controls"]
    assert [c["id"] for c in controls] == CONTROLS
    fingerprints = {f["fingerprint"] for f in data["findings"]}
    for control in controls:
        assert control["status"] in STATUSES and control["summary"]
        assert set(control["findings"]) <= fingerprints
    assert isinstance(data["profile"]["frameworks"], list)


def test_fingerprints_do_not_depend_on_line_numbers(make_tree):
    source = """
    from fastapi import FastAPI
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/items")
    def create(item: dict):
        return item
    """
    first = scan(make_tree({"app.py": source}), Config(cache=False)).findings
    moved = make_tree({"app.py": "\n\n\n" + source}, root=None)
    shifted = scan(moved, Config(cache=False)).findings
    assert [f.fingerprint for f in first] == [f.fingerprint for f in shifted]
    assert first[0].location.line != shifted[0].location.line


def test_sarif_validates_against_the_official_schema(example_result):
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.is_file():
        pytest.skip(f"SARIF schema not found at {SCHEMA} (../shared is absent in a fresh clone)")
    document = json.loads(render_sarif(example_result))
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
    run = document["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    for result in run["results"]:
        rule = rules[result["ruleId"]]
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert any(tag.startswith("CWE-") for tag in rule["properties"]["tags"])
        assert float(rule["properties"]["security-severity"]) > 0
        assert "## What it does" in rule["help"]["markdown"]
        assert result["partialFingerprints"]["secprofile/v1"]


def test_output_is_deterministic(tmp_path):
    first = scan(EXAMPLE, Config(cache=False))
    second = scan(EXAMPLE, Config(cache=True, cache_dir=tmp_path / "cache"))
    third = scan(EXAMPLE, Config(cache=True, cache_dir=tmp_path / "cache"))  # warm
    for render in (render_json, render_sarif, render_terminal):
        assert render(first) == render(second) == render(third)


def test_cache_notices_a_changed_file(make_tree, tmp_path):
    root = make_tree({"app.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    config = Config(cache=True, cache_dir=tmp_path / "c")
    assert [f.code for f in scan(root, config).findings] == ["SP820"]
    (root / "app.py").write_text("from fastapi import FastAPI\napp = FastAPI(openapi_url=None)\n")
    assert scan(root, config).findings == ()


def test_cache_rewrites_only_the_changed_files_shard(make_tree, tmp_path):
    files = {f"pkg/mod{i}.py": f"VALUE = {i}\n" for i in range(40)}
    root = make_tree({"app.py": "from fastapi import FastAPI\napp = FastAPI()\n", **files})
    cache = tmp_path / "c"
    config = Config(cache=True, cache_dir=cache)
    scan(root, config)
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("facts-*.pickle")}
    assert len(before) > 1
    time.sleep(0.01)
    (root / "app.py").write_text("from fastapi import FastAPI\napp = FastAPI(openapi_url=None)\n")
    assert scan(root, config).findings == ()
    after = {p.name: p.stat().st_mtime_ns for p in cache.glob("facts-*.pickle")}
    assert after.keys() == before.keys()
    assert sum(after[name] != before[name] for name in before) == 1
    # and a cold reader of the shards sees the same tree as the writer
    assert scan(root, Config(cache=True, cache_dir=cache)).findings == ()


def test_cli_writes_each_format(tmp_path, capsys):
    for fmt in ("json", "sarif", "terminal"):
        out = tmp_path / f"report.{fmt}"
        assert main(["scan", str(EXAMPLE), "--no-cache", "--format", fmt, "-o", str(out)]) == 1
        assert out.read_text().strip()
    capsys.readouterr()
