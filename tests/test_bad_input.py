"""Bad input gives a clear message or a skipped entry, never a traceback (issue #2, item 9)."""

from __future__ import annotations

import os
import sys

import pytest

from secprofile import Config, scan
from secprofile.cli import main

ROUTE = """
from fastapi import FastAPI
app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

@app.post("/items")
def create(item: dict):
    return item
"""


def _reasons(result) -> dict[str, str]:
    return {s.path: s.reason for s in result.skipped}


def test_syntax_error_is_skipped_and_the_rest_scanned(make_tree):
    root = make_tree({"broken.py": "def f(:\n    pass\n", "app.py": ROUTE})
    result = scan(root, Config(cache=False))
    assert _reasons(result)["broken.py"].startswith("syntax error at line 1")
    assert [f.code for f in result.findings] == ["SP101"]


def test_python2_code_is_named_as_such(make_tree):
    root = make_tree({"old.py": "print 'hello'\nexcept_ = 1\n"})
    assert "Python 2" in _reasons(scan(root, Config(cache=False)))["old.py"]


def test_non_utf8_file_without_coding_line(make_tree):
    root = make_tree({"latin.py": "name = 'caf\xe9'\n".encode("latin-1")})
    assert "not valid utf-8" in _reasons(scan(root, Config(cache=False)))["latin.py"]


def test_pep263_coding_line_is_honoured(make_tree):
    root = make_tree({"latin.py": "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1")})
    result = scan(root, Config(cache=False))
    assert not result.skipped and result.files_scanned == 1


def test_huge_generated_file_is_skipped_with_its_size(make_tree):
    big = "x = [" + ",".join("1" for _ in range(2_600_000)) + "]\n"  # about 5 MB
    root = make_tree({"generated.py": big, "app.py": ROUTE})
    result = scan(root, Config(cache=False))
    assert "larger than 2048 KiB" in _reasons(result)["generated.py"]
    assert result.files_scanned == 1


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_directory_symlink_loop(make_tree):
    root = make_tree({"pkg/app.py": ROUTE})
    os.symlink(root / "pkg", root / "pkg" / "loop")
    result = scan(root, Config(cache=False))
    assert any("symlink loop" in s.reason for s in result.skipped)
    assert result.files_scanned == 1


def test_empty_directory(tmp_path):
    result = scan(tmp_path, Config(cache=False))
    assert result.findings == () and result.files_scanned == 0


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file(make_tree):
    root = make_tree({"secret.py": "x = 1\n", "app.py": ROUTE})
    (root / "secret.py").chmod(0)
    try:
        assert _reasons(scan(root, Config(cache=False)))["secret.py"] == "permission denied"
    finally:
        (root / "secret.py").chmod(0o644)


def test_unreadable_file_even_as_root(make_tree, monkeypatch):
    """Root can read anything, so simulate the OS refusing the read."""
    root = make_tree({"secret.py": "x = 1\n"})
    from pathlib import Path

    real = Path.read_bytes

    def refuse(self):
        if self.name == "secret.py":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert _reasons(scan(root, Config(cache=False)))["secret.py"] == "permission denied"


def test_nul_bytes(make_tree):
    root = make_tree({"blob.py": b"x = 1\x00\x00\n"})
    assert "NUL" in _reasons(scan(root, Config(cache=False)))["blob.py"]


def test_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main(["scan", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "path does not exist" in err and "Traceback" not in err


def test_unknown_option_is_a_usage_error(capsys):
    assert_exit = pytest.raises(SystemExit)
    with assert_exit as raised:
        main(["scan", ".", "--frobnicate"])
    assert raised.value.code == 2


def test_bad_config_is_reported_not_raised(make_tree, capsys):
    root = make_tree({"pyproject.toml": "[tool.secprofile]\nfail-on = 'sometimes'\n", "app.py": ROUTE})
    assert main(["scan", str(root), "--no-cache"]) == 2
    assert "fail-on" in capsys.readouterr().err


def test_cli_exit_codes_follow_fail_on(make_tree, capsys):
    root = make_tree({"app.py": ROUTE})
    assert main(["scan", str(root), "--no-cache"]) == 1
    assert main(["scan", str(root), "--no-cache", "--fail-on", "critical"]) == 0
    capsys.readouterr()
