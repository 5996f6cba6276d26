"""SARIF 2.1.0 for code-scanning services: rules with help from the docstrings, CWE tags,
``security-severity``, ``partialFingerprints`` and ``codeFlows`` for data flows."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path

from secprofile import __version__
from secprofile.findings import Finding, ScanResult
from secprofile.rules.base import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
_PRECISION = {"high": "high", "medium": "medium", "low": "low"}


def _rule_descriptor(rule: Rule) -> dict:
    what = rule.section("What it does").strip() or rule.title
    return {
        "id": rule.code,
        "name": rule.slug,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": " ".join(what.split())},
        "help": {"text": rule.doc or rule.title, "markdown": rule.doc or rule.title},
        "defaultConfiguration": {"level": _LEVEL[rule.severity.value]},
        "properties": {
            "tags": ["security", f"CWE-{rule.cwe}", f"external/cwe/cwe-{rule.cwe}", rule.control],
            "security-severity": _SECURITY_SEVERITY[rule.severity.value],
            "precision": _PRECISION[rule.confidence.value],
        },
    }


def _artifact(root: str, path: str) -> dict:
    if Path(root).is_absolute():
        return {"uri": path, "uriBaseId": "%SRCROOT%"}
    base = Path(root).as_posix() if Path(root).is_dir() or not Path(root).suffix else posixpath.dirname(Path(root).as_posix())
    return {"uri": posixpath.normpath(posixpath.join(base, path)) if base not in ("", ".") else path}


def _location(root: str, path: str, line: int, column: int, end_line: int) -> dict:
    return {
        "physicalLocation": {
            "artifactLocation": _artifact(root, path),
            "region": {"startLine": line, "startColumn": max(column, 1), "endLine": max(end_line, line)},
        }
    }


def _result(root: str, finding: Finding, index: int) -> dict:
    loc = finding.location
    message = finding.message + (f" Fix: {finding.hint}" if finding.hint else "")
    result = {
        "ruleId": finding.rule.code,
        "ruleIndex": index,
        "level": _LEVEL[finding.severity.value],
        "message": {"text": message},
        "locations": [_location(root, loc.path, loc.line, loc.column, loc.last_line)],
        "partialFingerprints": {"secprofile/v1": finding.fingerprint},
        "properties": {"severity": finding.severity.value, "confidence": finding.confidence.value,
                       "control": finding.rule.control, "cwe": f"CWE-{finding.cwe}"},
    }
    if finding.flow:
        result["codeFlows"] = [{
            "threadFlows": [{
                "locations": [
                    {"location": {**_location(root, step.location.path, step.location.line, step.location.column,
                                              step.location.last_line), "message": {"text": step.message}}}
                    for step in finding.flow
                ]
            }]
        }]
    return result


def render_sarif(result: ScanResult) -> str:
    # The rules that have results: the same list whether the result was computed or cached.
    rules = sorted({f.rule for f in result.findings}, key=lambda r: r.code)
    index = {rule.code: i for i, rule in enumerate(rules)}
    run: dict = {
        "tool": {
            "driver": {
                "name": "secprofile",
                "version": __version__,
                "informationUri": "https://pypi.org/project/secprofile/",
                "rules": [_rule_descriptor(rule) for rule in rules],
            }
        },
        "results": [_result(result.root, f, index[f.rule.code]) for f in result.findings],
        "columnKind": "unicodeCodePoints",
    }
    if Path(result.root).is_absolute():
        root_uri = Path(result.root).resolve().as_uri()
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": root_uri.rstrip("/") + "/"}}
    if result.skipped:
        run["invocations"] = [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [
                {"level": "note", "message": {"text": f"skipped {s.path}: {s.reason}"}} for s in result.skipped
            ],
        }]
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2, ensure_ascii=False) + "\n"
