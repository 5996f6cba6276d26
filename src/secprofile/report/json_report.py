"""The JSON contract (DESIGN §7): stable field names, versioned by ``schema_version``."""

from __future__ import annotations

import json

from secprofile import __version__
from secprofile.findings import Finding, ScanResult

SCHEMA_VERSION = 1


def finding_dict(finding: Finding) -> dict:
    location = finding.location
    return {
        "rule": finding.rule.code,
        "slug": finding.rule.slug,
        "title": finding.rule.title,
        "cwe": finding.cwe,
        "severity": finding.severity.value,
        "confidence": finding.confidence.value,
        "control": finding.rule.control,
        "path": location.path,
        "line": location.line,
        "end_line": location.last_line,
        "column": location.column,
        "message": finding.message,
        "hint": finding.hint,
        "fingerprint": finding.fingerprint,
    }


def to_dict(result: ScanResult) -> dict:
    profile = result.profile
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "secprofile", "version": __version__},
        "root": result.root,
        "findings": [finding_dict(f) for f in result.findings],
        "profile": {
            "frameworks": list(profile.frameworks),
            "versions": {name: version for name, version in profile.versions},
            "facts": {name: value for name, value in profile.facts},
            "controls": [
                {
                    "id": row.id,
                    "status": row.status,
                    "summary": row.summary,
                    "findings": list(row.findings),
                    "evidence": list(row.evidence),
                }
                for row in profile.controls
            ],
        },
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped],
    }


def render_json(result: ScanResult) -> str:
    return json.dumps(to_dict(result), indent=2, ensure_ascii=False) + "\n"
