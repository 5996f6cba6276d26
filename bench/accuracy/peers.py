"""The peer tools' virtualenv (bench/.venv-peers) and Semgrep rule discovery.

Shared by bench/accuracy/run.py and bench/speed/run.py. Standard library only:
the main environment gets nothing from here. Bandit, Ruff, Semgrep and
matplotlib live in their own venv because Semgrep pins dependencies that
conflict with FastAPI's.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1]
REPO = BENCH.parent
VENV = BENCH / ".venv-peers"
REQUIREMENTS = BENCH / "requirements-peers.txt"
STAMP = VENV / ".bench-stamp.json"
PEERS = ("bandit", "ruff", "semgrep")

# Semgrep rule folders (under <SEMGREP_RULES_DIR>/python/) used for the peer
# run: the Python language rules and the frameworks/libraries a FastAPI or
# Django backend uses. Override with SEMGREP_RULE_SUBDIRS="lang,django,...".
SEMGREP_RULE_SUBDIRS = (
    "lang", "django", "fastapi", "jwt", "sqlalchemy", "requests",
    "pycryptodome", "cryptography", "jinja2",
)

# Environment for every peer process: no telemetry, no update checks.
PEER_ENV_EXTRA = {
    "SEMGREP_SEND_METRICS": "off",
    "SEMGREP_ENABLE_VERSION_CHECK": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def venv_bin(name: str) -> Path:
    return VENV / ("Scripts" if os.name == "nt" else "bin") / name


def venv_python() -> Path:
    return venv_bin("python")


def peer_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(PEER_ENV_EXTRA)
    # Don't let the caller's virtualenv leak into the peers' one.
    env.pop("PYTHONPATH", None)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = str(venv_bin("")) + os.pathsep + env.get("PATH", "")
    return env


def _requirements() -> list[str]:
    reqs = []
    for line in REQUIREMENTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            reqs.append(line)
    return reqs


def _req_name(req: str) -> str:
    return re.split(r"[=<>!~\[; ]", req, maxsplit=1)[0].lower()


def _pip(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", "-q", *args],
        capture_output=True, text=True, env=peer_env(),
    )


def _tail(text: str, n: int = 8) -> str:
    lines = [ln for ln in text.strip().splitlines() if not ln.startswith("WARNING: Location")]
    return "\n".join(lines[-n:])


def ensure_peers(reinstall: bool = False) -> dict:
    """Create or reuse bench/.venv-peers; returns the stamp.

    The stamp is {"requirements_sha256", "installed": {name: version},
    "failed": {name: reason}, "install_seconds"}. A requirement that cannot be
    installed (typically semgrep) is recorded in "failed" and not retried until
    requirements-peers.txt changes or --reinstall-peers is given.
    """
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if not reinstall and STAMP.is_file():
        try:
            stamp = json.loads(STAMP.read_text())
        except ValueError:
            stamp = {}
        if stamp.get("requirements_sha256") == digest and venv_python().exists():
            return stamp
    if VENV.exists():
        log(f"[peers] requirements changed or reinstall asked: recreating {VENV.relative_to(REPO)}")
        shutil.rmtree(VENV)
    log(f"[peers] creating {VENV.relative_to(REPO)} and installing {REQUIREMENTS.relative_to(REPO)} "
        "(needs network access to PyPI; about a minute) ...")
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    reqs = _requirements()
    failed: dict[str, str] = {}
    res = _pip(["-r", str(REQUIREMENTS)])
    if res.returncode != 0:
        log("[peers] installing all requirements at once failed; trying one by one:\n" + _tail(res.stderr))
        for req in reqs:
            r = _pip([req])
            if r.returncode != 0:
                failed[_req_name(req)] = _tail(r.stderr, 3) or f"pip exit code {r.returncode}"
                log(f"[peers] could not install {req}: {failed[_req_name(req)]}")
    installed = peer_versions([_req_name(r) for r in reqs])
    for name in list(installed):
        if installed[name] is None:
            installed.pop(name)
            failed.setdefault(name, "not installed")
    stamp = {
        "requirements_sha256": digest,
        "installed": installed,
        "failed": failed,
        "install_seconds": round(time.monotonic() - t0, 1),
    }
    STAMP.write_text(json.dumps(stamp, indent=2, sort_keys=True) + "\n")
    log(f"[peers] ready in {stamp['install_seconds']} s: "
        + ", ".join(f"{k} {v}" for k, v in sorted(installed.items()))
        + (f"; FAILED: {', '.join(sorted(failed))}" if failed else ""))
    return stamp


def peer_versions(names: list[str]) -> dict[str, str | None]:
    code = (
        "import json, sys, importlib.metadata as m\n"
        "out = {}\n"
        "for n in sys.argv[1:]:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: out[n] = None\n"
        "print(json.dumps(out))\n"
    )
    res = subprocess.run([str(venv_python()), "-c", code, *names], capture_output=True, text=True,
                         env=peer_env())
    if res.returncode != 0:
        return {n: None for n in names}
    return json.loads(res.stdout)


def peer_available(stamp: dict, name: str) -> bool:
    return name in stamp.get("installed", {}) and venv_bin(name).exists()


# --------------------------------------------------------------------------
# Semgrep rules

def semgrep_rule_dirs() -> tuple[list[Path], str]:
    """The rule folders to pass as --config, or ([], reason to skip Semgrep)."""
    root = os.environ.get("SEMGREP_RULES_DIR")
    if not root:
        return [], ("SEMGREP_RULES_DIR is not set: Semgrep skipped. Point it at a checkout of "
                    "the semgrep-rules repository (its python/ folder is used).")
    base = Path(root).expanduser()
    py = base / "python" if (base / "python").is_dir() else base
    if not py.is_dir() or not any(py.iterdir()):
        return [], f"SEMGREP_RULES_DIR={root} has no python/ rules folder: Semgrep skipped."
    subdirs = os.environ.get("SEMGREP_RULE_SUBDIRS")
    names = [s.strip() for s in subdirs.split(",")] if subdirs else list(SEMGREP_RULE_SUBDIRS)
    dirs = [py / n for n in names if (py / n).is_dir()]
    missing = [n for n in names if not (py / n).is_dir()]
    if not dirs:
        return [], f"none of {names} exists under {py}: Semgrep skipped."
    note = f"missing rule folders skipped: {', '.join(missing)}" if missing else ""
    return dirs, note


def semgrep_rules_ref() -> str | None:
    """The semgrep-rules commit, when the rules dir is a git checkout (or has a REVISION file)."""
    root = os.environ.get("SEMGREP_RULES_DIR")
    if not root:
        return None
    rev = Path(root) / "REVISION"
    if rev.is_file():
        return rev.read_text().strip() or None
    res = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True)
    return res.stdout.strip() if res.returncode == 0 else None


def normalise_semgrep_id(check_id: str) -> str:
    """'work.semgrep-rules.python.lang.security.audit.eval-detected' -> 'python.lang....'."""
    i = check_id.find("python.")
    return check_id[i:] if i >= 0 else check_id


_RULE_TABLE_CODE = r"""
import json, re, sys
from pathlib import Path
import yaml
out = {}
for d in sys.argv[1:]:
    d = Path(d)
    py = d.parent
    for f in sorted(list(d.rglob("*.yaml")) + list(d.rglob("*.yml"))):
        try:
            doc = yaml.safe_load(f.read_text())
        except Exception:
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
            continue
        prefix = ".".join(("python",) + f.parent.relative_to(py).parts)
        for r in doc["rules"]:
            if not isinstance(r, dict) or "id" not in r:
                continue
            cwe = (r.get("metadata") or {}).get("cwe") or []
            if isinstance(cwe, str):
                cwe = [cwe]
            nums = []
            for c in cwe:
                m = re.search(r"CWE-(\d+)", str(c))
                if m:
                    nums.append(int(m.group(1)))
            out[prefix + "." + str(r["id"])] = nums
print(json.dumps(out, sort_keys=True))
"""


def semgrep_rule_table(dirs: list[Path]) -> dict[str, list[int]]:
    """rule id (normalised) -> CWEs from metadata, read with the peer venv's PyYAML."""
    if not dirs:
        return {}
    res = subprocess.run([str(venv_python()), "-c", _RULE_TABLE_CODE, *map(str, dirs)],
                         capture_output=True, text=True, env=peer_env())
    if res.returncode != 0:
        log("[semgrep] could not read the rule files' metadata:\n" + _tail(res.stderr))
        return {}
    return json.loads(res.stdout)


def parse_cwe_list(value) -> list[int]:
    """CWE numbers from 306, "CWE-306", "CWE-306: ...", or a list of those."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        out: list[int] = []
        for v in value:
            out.extend(parse_cwe_list(v))
        return out
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, dict):
        return parse_cwe_list(value.get("id"))
    m = re.search(r"(\d+)", str(value))
    return [int(m.group(1))] if m else []
