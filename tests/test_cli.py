from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from secprofile.cli import main
from secprofile.rules import all_rules

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "fastapi_shop"


def test_rules_lists_every_rule(capsys):
    assert main(["rules", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["code"] for r in listed] == [r.code for r in all_rules()]


def test_rule_prints_its_documentation(capsys):
    assert main(["rule", "SP101"]) == 0
    out = capsys.readouterr().out
    assert "## What it does" in out and "CWE-306" in out
    assert main(["rule", "route-without-authentication"]) == 0
    capsys.readouterr()


def test_unknown_rule(capsys):
    assert main(["rule", "SP999"]) == 2
    assert "no rule" in capsys.readouterr().err


def test_compare_prints_rows_side_by_side(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["compare", str(EXAMPLE), str(tmp_path / "empty"), "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "fastapi_shop" in out and "authentication" in out and "empty" in out
    assert main(["compare", str(EXAMPLE), str(tmp_path / "empty"), "--no-cache", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["projects"][0]["controls"]["api-docs"]["status"] == "unprotected"


def test_python_dash_m_works(tmp_path):
    done = subprocess.run([sys.executable, "-m", "secprofile", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("secprofile ")


def test_terminal_has_no_colour_when_not_a_tty(capsys):
    main(["scan", str(EXAMPLE), "--no-cache"])
    out = capsys.readouterr().out
    assert "\033[" not in out and "Security profile" in out


def test_baseline_hides_known_findings_but_not_new_copies(tmp_path, make_tree, capsys):
    app = (
        "from fastapi import FastAPI\n"
        "app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)\n\n"
        "@app.post('/a')\ndef a(x: dict):\n    return x\n"
    )
    root = make_tree({"app.py": app})
    baseline = tmp_path / "baseline.json"
    assert main(["scan", str(root), "--no-cache", "--write-baseline", str(baseline)]) == 1
    assert main(["scan", str(root), "--no-cache", "--baseline", str(baseline)]) == 0
    (root / "app.py").write_text(app + "\n\n@app.post('/b')\ndef b(x: dict):\n    return x\n")
    capsys.readouterr()
    assert main(["scan", str(root), "--no-cache", "--baseline", str(baseline), "--format", "json"]) == 1
    out = capsys.readouterr().out
    assert '"line": 9,' in out and '"line": 4,' not in out
    (tmp_path / "bogus.json").write_text("{}")
    assert main(["scan", str(root), "--no-cache", "--baseline", str(tmp_path / "bogus.json")]) == 2
