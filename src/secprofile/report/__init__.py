"""Reporters: each receives a finished, sorted ScanResult and returns text."""

from secprofile.report.json_report import render_json, to_dict
from secprofile.report.sarif import render_sarif
from secprofile.report.terminal import render_terminal

FORMATS = ("terminal", "json", "sarif", "html")

__all__ = ["FORMATS", "render_json", "render_sarif", "render_terminal", "to_dict"]
