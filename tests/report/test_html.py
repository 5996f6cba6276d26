from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from secprofile import Config, scan
from secprofile.report.html import render_html

HOSTILE = '''
from fastapi import FastAPI
app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

@app.post("/x/<script>alert(1)</script>")
def create(item: dict):
    return item
'''


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_scanned_text_is_escaped(make_tree):
    page = render_html(scan(make_tree({"app.py": HOSTILE}), Config(cache=False)))
    parser = _Collector()
    parser.feed(page)
    assert "script" not in parser.tags
    assert any("<script>alert(1)</script>" in chunk for chunk in parser.text)
    assert "default-src 'none'" in page  # the page loads nothing


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("chromium-browser")),
                    reason="headless Chromium not installed (apt-get install chromium)")
def test_report_renders_in_a_real_browser(make_tree, tmp_path):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    page = tmp_path / "report.html"
    page.write_text(render_html(scan(make_tree({"app.py": HOSTILE}), Config(cache=False))))
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Security profile" in done.stdout and "SP101" in done.stdout
    assert "<script>alert(1)" not in done.stdout  # stayed text, not markup
