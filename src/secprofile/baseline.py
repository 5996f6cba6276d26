"""Count-aware baselines: accept today's findings, gate CI on new ones.

A baseline maps each finding's fingerprint (line-independent) to how many
findings carry it. A later scan drops up to that many findings per
fingerprint, so a second copy of a baselined bug still shows.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path

from secprofile.findings import ScanResult

FORMAT = 1


class BaselineError(Exception):
    """An unreadable or foreign baseline file; the message is for the user."""


def write_baseline(result: ScanResult, path: Path) -> None:
    counts = Counter(f.fingerprint for f in result.findings)
    document = {
        "secprofile_baseline": FORMAT,
        "fingerprints": {fingerprint: counts[fingerprint] for fingerprint in sorted(counts)},
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def load_baseline(path: Path) -> Counter:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BaselineError(f"cannot read baseline {path}: {error}") from None
    if not isinstance(document, dict) or document.get("secprofile_baseline") != FORMAT:
        raise BaselineError(f"{path} is not a secprofile baseline (format {FORMAT})")
    fingerprints = document.get("fingerprints", {})
    if not isinstance(fingerprints, dict) or not all(isinstance(v, int) for v in fingerprints.values()):
        raise BaselineError(f"{path}: 'fingerprints' must map fingerprints to counts")
    return Counter(fingerprints)


def apply_baseline(result: ScanResult, known: Counter) -> ScanResult:
    remaining = Counter(known)
    kept = []
    for finding in result.findings:
        if remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
        else:
            kept.append(finding)
    return replace(result, findings=tuple(kept), suppressed=result.suppressed + len(result.findings) - len(kept))
