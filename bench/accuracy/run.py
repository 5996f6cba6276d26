#!/usr/bin/env python3
"""Accuracy benchmark: secprofile vs Bandit, Ruff and Semgrep on labelled cases.

    python bench/accuracy/run.py [--tools secprofile,bandit,ruff,semgrep]
                                 [--cases GLOB] [--verbose]

Reads bench/accuracy/cases/*/labels.jsonl (see LABELS.md), runs every tool on
the cases, matches findings to labels (same file, finding line within the
label's span widened by one line each side, finding CWE in the label class's
CWE family: families.py) and prints a Markdown report. Also writes
bench/accuracy/results.json and results.md.

secprofile runs from this interpreter as a process (`python -m secprofile scan
CASE --format json --no-cache`); the peers run from bench/.venv-peers, created
on first use from bench/requirements-peers.txt. Semgrep needs SEMGREP_RULES_DIR
(a semgrep-rules checkout); without it Semgrep is skipped.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import families as fam  # noqa: E402
import peers  # noqa: E402

REPO = peers.REPO
CASES_DIR = HERE / "cases"
TOOLS = ("secprofile", "bandit", "ruff", "semgrep")
WINDOW = 1  # lines of slack on each side of a label's span
RESULTS_SCHEMA = 1


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Data

@dataclass(frozen=True)
class Label:
    case: str
    path: str
    start: int
    end: int
    cwe: int | None
    cls: str
    kind: str
    note: str
    lineno: int  # line in labels.jsonl

    @property
    def where(self) -> str:
        span = f"{self.start}" if self.start == self.end else f"{self.start}-{self.end}"
        return f"{self.case}/{self.path}:{span}"

    @property
    def file_level(self) -> bool:
        """LABELS.md: a setting *missing* from a module is labelled at line 1; it is about the whole file."""
        return self.start == self.end == 1 and self.cls == "insecure-configuration"

    def covers(self, path: str, line: int) -> bool:
        if path != self.path:
            return False
        return self.file_level or self.start - WINDOW <= line <= self.end + WINDOW


@dataclass(frozen=True)
class Finding:
    tool: str
    case: str
    path: str
    line: int
    rule: str
    reported_cwes: tuple[int, ...]
    message: str
    cwes: tuple[int, ...] = ()
    status: str = "ok"  # "ok" | "import-only"
    informational: bool = False  # the tool itself rates it info: not a claim of a vulnerability

    @property
    def where(self) -> str:
        return f"{self.case}/{self.path}:{self.line}"

    def sort_key(self):
        return (self.case, self.path, self.line, self.rule, self.message)


@dataclass
class ToolRun:
    tool: str
    version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: str | None = None  # reason the tool did not run at all
    seconds: float = 0.0


# --------------------------------------------------------------------------
# Labels

def load_cases(cases_dir: Path, pattern: str) -> tuple[list[str], list[Label], list[str]]:
    """Case names, labels and warnings (malformed lines are skipped, not fatal)."""
    warnings: list[str] = []
    cases: list[str] = []
    labels: list[Label] = []
    if not cases_dir.is_dir():
        return cases, labels, [f"no cases folder at {cases_dir}"]
    for d in sorted(p for p in cases_dir.iterdir() if p.is_dir()):
        if not fnmatch.fnmatch(d.name, pattern):
            continue
        lf = d / "labels.jsonl"
        if not lf.is_file():
            warnings.append(f"{d.name}: no labels.jsonl, case skipped")
            continue
        cases.append(d.name)
        for i, raw in enumerate(lf.read_text(encoding="utf-8").splitlines(), 1):
            raw = raw.strip()
            if not raw or raw.startswith("#"):
                continue
            try:
                obj = json.loads(raw)
                path = str(obj["path"]).replace("\\", "/")
                while path.startswith("./"):
                    path = path[2:]
                start = int(obj["start"])
                end = int(obj.get("end", start))
                kind = str(obj["kind"])
                cls = str(obj["class"])
                cwe = obj.get("cwe")
                cwe = int(cwe) if cwe is not None else None
            except (ValueError, KeyError, TypeError) as e:
                warnings.append(f"{d.name}/labels.jsonl:{i}: unreadable label ({e.__class__.__name__}: {e})")
                continue
            if kind not in ("vuln", "safe"):
                warnings.append(f"{d.name}/labels.jsonl:{i}: kind {kind!r} is neither vuln nor safe; skipped")
                continue
            if cls not in fam.FAMILIES:
                warnings.append(f"{d.name}/labels.jsonl:{i}: unknown class {cls!r}; skipped")
                continue
            if end < start:
                warnings.append(f"{d.name}/labels.jsonl:{i}: end < start; swapped")
                start, end = end, start
            if not (d / path).is_file():
                warnings.append(f"{d.name}/labels.jsonl:{i}: {path} does not exist")
            labels.append(Label(d.name, path, start, end, cwe, cls, kind, str(obj.get("note", "")), i))
    return cases, labels, warnings


# --------------------------------------------------------------------------
# Running the tools

def _tail(text: str, n: int = 6) -> str:
    lines = [lab for lab in (text or "").strip().splitlines() if not lab.startswith("WARNING: Location")]
    return "\n".join(lines[-n:])


def _case_and_path(raw: str, root: Path) -> tuple[str, str] | None:
    """Split a peer's reported file name (relative to root, or absolute) into (case, path)."""
    p = Path(raw)
    if p.is_absolute():
        try:
            p = p.resolve().relative_to(root.resolve())
        except ValueError:
            return None
    parts = [x for x in p.parts if x not in (".", "")]
    if len(parts) < 2:
        return None
    return parts[0], "/".join(parts[1:])


def _rel(path: str, root: Path) -> str:
    """A reported path relative to the case root, with / separators."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.resolve().relative_to(root.resolve())
        except ValueError:
            pass
    s = p.as_posix()
    while s.startswith("./"):
        s = s[2:]
    return s


def run_secprofile(cases: list[str], cases_dir: Path) -> ToolRun:
    run = ToolRun("secprofile")
    if importlib.util.find_spec("secprofile") is None:
        run.skipped = (f"secprofile is not importable from {sys.executable} "
                       "(install the project, e.g. `pip install -e .`)")
        return run

    def one(case: str) -> tuple[str, list[Finding], str | None, str | None]:
        cmd = [sys.executable, "-m", "secprofile", "scan", str(cases_dir / case), "--format", "json", "--no-cache"]
        res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
        if res.returncode not in (0, 1):
            return case, [], f"{case}: exit code {res.returncode}: {_tail(res.stderr)}", None
        try:
            doc = json.loads(res.stdout)
        except ValueError:
            return case, [], f"{case}: output is not JSON: {_tail(res.stdout or res.stderr)}", None
        out = []
        for f in doc.get("findings", []):
            out.append(Finding("secprofile", case, _rel(str(f.get("path", "")), cases_dir / case),
                               int(f.get("line") or 0), str(f.get("rule", "")),
                               tuple(peers.parse_cwe_list(f.get("cwe"))),
                               str(f.get("message") or f.get("title") or ""),
                               informational=f.get("severity") == "info"))
        version = (doc.get("tool") or {}).get("version")
        return case, out, None, version

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _case, found, err, version in pool.map(one, cases):
            run.findings.extend(found)
            if err:
                run.errors.append(err)
            if version:
                run.version = version
    run.seconds = time.monotonic() - t0
    return run


def _copy_cases(cases: list[str], cases_dir: Path, dest: Path) -> None:
    """Peers scan a copy outside the git work tree, so no .gitignore, pyproject
    or default .semgrepignore (which drops tests/) changes what they see."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ruff_cache", ".secprofile_cache", "labels.jsonl")
    for case in cases:
        shutil.copytree(cases_dir / case, dest / case, ignore=ignore)
    (dest / ".semgrepignore").write_text("# empty: scan everything\n")


def run_bandit(cases: list[str], root: Path, stamp: dict) -> ToolRun:
    run = ToolRun("bandit", stamp.get("installed", {}).get("bandit"))
    if not peers.peer_available(stamp, "bandit"):
        run.skipped = "bandit is not installed in bench/.venv-peers"
        return run
    t0 = time.monotonic()
    res = subprocess.run([str(peers.venv_bin("bandit")), "-f", "json", "-q", "-r", *cases],
                         capture_output=True, text=True, cwd=root, env=peers.peer_env())
    run.seconds = time.monotonic() - t0
    if res.returncode not in (0, 1):
        run.errors.append(f"exit code {res.returncode}: {_tail(res.stderr)}")
    try:
        doc = json.loads(res.stdout)
    except ValueError:
        run.errors.append("output is not JSON: " + _tail(res.stdout or res.stderr))
        return run
    for e in doc.get("errors", []):
        run.errors.append(f"{e.get('filename')}: {e.get('reason')}")
    for r in doc.get("results", []):
        cp = _case_and_path(r["filename"], root)
        if cp is None:
            continue
        run.findings.append(Finding("bandit", cp[0], cp[1], int(r.get("line_number") or 0), str(r.get("test_id")),
                                    tuple(peers.parse_cwe_list(r.get("issue_cwe"))),
                                    f"{r.get('test_name')}: {r.get('issue_text')}"))
    return run


def run_ruff(cases: list[str], root: Path, stamp: dict) -> ToolRun:
    run = ToolRun("ruff", stamp.get("installed", {}).get("ruff"))
    if not peers.peer_available(stamp, "ruff"):
        run.skipped = "ruff is not installed in bench/.venv-peers"
        return run
    cmd = [str(peers.venv_bin("ruff")), "check", "--isolated", "--no-cache", "--no-respect-gitignore",
           "--select", "S,DJ,FAST", "--output-format", "json", "--exit-zero", *cases]
    t0 = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=root, env=peers.peer_env())
    run.seconds = time.monotonic() - t0
    if res.returncode != 0:
        run.errors.append(f"exit code {res.returncode}: {_tail(res.stderr)}")
    try:
        doc = json.loads(res.stdout)
    except ValueError:
        run.errors.append("output is not JSON: " + _tail(res.stdout or res.stderr))
        return run
    for r in doc:
        cp = _case_and_path(r["filename"], root)
        if cp is None:
            continue
        code = r.get("code")
        if not code:  # a syntax error
            run.errors.append(f"{cp[0]}/{cp[1]}: {r.get('message')}")
            continue
        run.findings.append(Finding("ruff", cp[0], cp[1], int((r.get("location") or {}).get("row") or 0),
                                    code, (), f"{code}: {r.get('message')}"))
    return run


def run_semgrep(cases: list[str], root: Path, stamp: dict, rule_dirs: list[Path]) -> ToolRun:
    run = ToolRun("semgrep", stamp.get("installed", {}).get("semgrep"))
    if not peers.peer_available(stamp, "semgrep"):
        reason = stamp.get("failed", {}).get("semgrep", "not installed")
        run.skipped = f"semgrep could not be installed in bench/.venv-peers ({reason.splitlines()[-1]})"
        return run
    cmd = [str(peers.venv_bin("semgrep")), "scan"]
    for d in rule_dirs:
        cmd += ["--config", str(d)]
    cmd += ["--json", "--metrics=off", "--disable-version-check", "--no-git-ignore", "--quiet", *cases]
    t0 = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=root, env=peers.peer_env())
    run.seconds = time.monotonic() - t0
    if res.returncode not in (0, 1):
        run.errors.append(f"exit code {res.returncode}: {_tail(res.stderr)}")
    try:
        doc = json.loads(res.stdout)
    except ValueError:
        run.errors.append("output is not JSON: " + _tail(res.stdout or res.stderr))
        return run
    for e in doc.get("errors", []):
        where = e.get("path") or ""
        run.errors.append(f"{e.get('level', 'error')}: {where} {e.get('type')} {str(e.get('message', ''))[:200]}")
    for r in doc.get("results", []):
        cp = _case_and_path(r["path"], root)
        if cp is None:
            continue
        extra = r.get("extra") or {}
        rid = peers.normalise_semgrep_id(r.get("check_id", ""))
        msg = " ".join(str(extra.get("message", "")).split())
        run.findings.append(Finding("semgrep", cp[0], cp[1], int((r.get("start") or {}).get("line") or 0), rid,
                                    tuple(peers.parse_cwe_list((extra.get("metadata") or {}).get("cwe"))),
                                    f"{rid.rsplit('.', 1)[-1]}: {msg[:160]}",
                                    informational=str(extra.get("severity", "")).upper() == "INFO"))
    return run


# --------------------------------------------------------------------------
# Scoring

def classify(f: Finding) -> Finding:
    cwes, status = fam.finding_cwes(f.tool, f.rule, f.reported_cwes)
    return Finding(f.tool, f.case, f.path, f.line, f.rule, f.reported_cwes, f.message, cwes, status, f.informational)


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 3) if den else None


def _counts() -> dict:
    return {"tp": 0, "fn": 0, "fp": 0, "fp_on_safe": 0, "dup": 0}


def _finish(c: dict) -> dict:
    c["precision"] = _ratio(c["tp"], c["tp"] + c["fp"])
    c["recall"] = _ratio(c["tp"], c["tp"] + c["fn"])
    p, r = c["precision"], c["recall"]
    c["f1"] = round(2 * p * r / (p + r), 3) if p and r else (0.0 if p is not None and r is not None else None)
    return c


def score(run: ToolRun, labels: list[Label], static_classes: set[str]) -> dict:
    findings = sorted((classify(f) for f in run.findings), key=Finding.sort_key)
    vulns = [lab for lab in labels if lab.kind == "vuln"]
    safes = [lab for lab in labels if lab.kind == "safe"]
    by_loc: dict[tuple[str, str], list[Label]] = {}
    for lab in labels:
        by_loc.setdefault((lab.case, lab.path), []).append(lab)

    matched: dict[Label, list[Finding]] = {lab: [] for lab in vulns}
    fps: dict[tuple, dict] = {}  # (case, path, line, class) -> record
    unclassified: dict[str, int] = {}
    informational: dict[str, int] = {}
    seen_classes: set[str] = set()

    for f in findings:
        if f.informational:
            informational[f.rule] = informational.get(f.rule, 0) + 1
            continue
        if f.status == "import-only" or not fam.classes_for(f.cwes) and not any(
                lab.cwe in f.cwes for lab in by_loc.get((f.case, f.path), []) if lab.covers(f.path, f.line)):
            unclassified[f.rule] = unclassified.get(f.rule, 0) + 1
            continue
        here = [lab for lab in by_loc.get((f.case, f.path), []) if lab.covers(f.path, f.line)]
        hits = [lab for lab in here if lab.kind == "vuln" and fam.matches(f.cwes, lab.cls, lab.cwe)]
        for lab in hits:
            matched[lab].append(f)
        pc = fam.primary_class(f.cwes)
        if pc:
            seen_classes.add(pc)
        if hits:
            continue
        fitting = [lab for lab in here if fam.matches(f.cwes, lab.cls, lab.cwe)]
        safe_hits = [lab for lab in fitting if lab.kind == "safe"]
        spot = (safe_hits or fitting)[0] if fitting else None
        cls = spot.cls if spot else pc
        # One FP per spot and class: findings on the same label span (or, off
        # labels, the same line) are one false alarm however many rules fire.
        key = (f.case, f.path, spot.start if spot else f.line, cls)
        rec = fps.setdefault(key, {"class": cls, "where": f.where, "findings": [], "safe_labels": []})
        rec["findings"].append(f)
        for lab in safe_hits:
            if lab.where not in rec["safe_labels"]:
                rec["safe_labels"].append(lab.where)

    per_class = {c: _counts() for c in fam.CLASSES}
    for lab, fs in matched.items():
        c = per_class[lab.cls]
        if fs:
            c["tp"] += 1
            c["dup"] += len(fs) - 1
            seen_classes.add(lab.cls)
        else:
            c["fn"] += 1
    for rec in fps.values():
        c = per_class[rec["class"]]
        c["fp"] += 1
        if rec["safe_labels"]:
            c["fp_on_safe"] += 1

    overall = _counts()
    for c in per_class.values():
        for k in overall:
            overall[k] += c[k]
    overall["unclassified"] = sum(unclassified.values())
    overall["findings"] = len(findings)
    covered = static_classes | seen_classes
    for cls, c in per_class.items():
        c["vuln_labels"] = sum(1 for lab in vulns if lab.cls == cls)
        c["safe_labels"] = sum(1 for lab in safes if lab.cls == cls)
        c["covered"] = cls in covered
        _finish(c)
    _finish(overall)

    fn_list = [{"label": lab.where, "class": lab.cls, "cwe": lab.cwe, "note": lab.note}
               for lab in sorted(matched, key=lambda lab: (lab.case, lab.path, lab.start, lab.cls)) if not matched[lab]]
    tp_list = [{"label": lab.where, "class": lab.cls, "findings": [f"{f.rule} {f.where}" for f in fs]}
               for lab, fs in sorted(matched.items(), key=lambda kv: (kv[0].case, kv[0].path, kv[0].start, kv[0].cls))
               if fs]
    fp_list = [{"where": r["where"], "class": r["class"], "safe_labels": r["safe_labels"],
                "findings": [{"rule": f.rule, "cwes": list(f.cwes), "message": f.message} for f in r["findings"]]}
               for _, r in sorted(fps.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3] or ""))]
    return {
        "tool": run.tool,
        "version": run.version,
        "skipped": run.skipped,
        "errors": run.errors,
        "overall": overall,
        "per_class": per_class,
        "unclassified_by_rule": dict(sorted(unclassified.items(), key=lambda kv: (-kv[1], kv[0]))),
        "informational_by_rule": dict(sorted(informational.items(), key=lambda kv: (-kv[1], kv[0]))),
        "true_positives": tp_list,
        "false_negatives": fn_list,
        "false_positives": fp_list,
    }


def static_coverage(tool: str, semgrep_table: dict[str, list[int]]) -> set[str]:
    """Classes a peer has at least one rule for, from its rule table."""
    if tool == "bandit":
        rules = {r: fam.finding_cwes("bandit", r, ()) for r in fam.BANDIT_RULE_CWES}
    elif tool == "ruff":
        rules = {r: fam.finding_cwes("ruff", r, ()) for r in fam.RUFF_RULE_CWES}
    elif tool == "semgrep":
        rules = {r: fam.finding_cwes("semgrep", r, cwes) for r, cwes in semgrep_table.items()}
    else:
        return set()  # secprofile: only what it was seen to report
    out = set()
    for cwes, status in rules.values():
        if status == "ok":
            pc = fam.primary_class(cwes)
            if pc:
                out.add(pc)
    return out


# --------------------------------------------------------------------------
# Report

def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}"


def _table(head: list[str], rows: list[list[str]], align: list[str] | None = None) -> str:
    align = align or ["l"] + ["r"] * (len(head) - 1)
    sep = ["---:" if a == "r" else ":---:" if a == "c" else "---" for a in align]
    lines = ["| " + " | ".join(head) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def render(result: dict, full: bool) -> str:
    scored = [t for t in result["tools"] if not t["skipped"]]
    out = ["# secprofile accuracy benchmark", ""]
    s = result["summary"]
    out.append(f"{s['cases']} cases, {s['vuln_labels']} vuln labels, {s['safe_labels']} safe labels "
               f"(cases glob `{result['options']['cases']}`).")
    out.append("Tools: " + (", ".join(f"{t['tool']} {t['version'] or '?'}" for t in scored) or "none ran") + ".")
    if result.get("semgrep_rules"):
        sr = result["semgrep_rules"]
        out.append(f"Semgrep rules: {sr['rules']} rules from semgrep-rules "
                   f"`python/{{{','.join(sr['folders'])}}}`" + (f" @ {sr['ref'][:12]}" if sr.get("ref") else "") + ".")
    for t in result["tools"]:
        if t["skipped"]:
            out.append(f"**{t['tool']} skipped:** {t['skipped']}")
    out += ["", "Matching: same file, finding line within the label's lines ±1, finding CWE in the "
            "class's CWE family (bench/accuracy/families.py). Duplicates (extra findings on an already "
            "found label) and unclassified findings (CWE in no family, or import-only warnings) are not FPs. "
            "Several findings of one class on the same spot (a label's lines, or else one line) are one FP. "
            "Findings a tool itself rates informational (secprofile `info`, Semgrep `INFO`) are not claims of a "
            "vulnerability and are not scored. A label at line 1 of class insecure-configuration marks a setting "
            "missing from the whole module (LABELS.md) and is matched anywhere in that file.", ""]

    out += ["## Overall", ""]
    rows = []
    for t in scored:
        o = t["overall"]
        rows.append([t["tool"], str(o["tp"]), str(o["fn"]), str(o["fp"]), str(o["fp_on_safe"]), str(o["dup"]),
                     str(o["unclassified"]), _fmt(o["precision"]), _fmt(o["recall"]), _fmt(o["f1"])])
    out += [_table(["tool", "TP", "FN", "FP", "FP on safe spots", "dup", "unclassified", "precision",
                    "recall", "F1"], rows), ""]

    out += ["## Recall by class", "",
            "Cell: found / vuln labels (FPs attributed to the class). `n/c`: the tool has no rule for the class.", ""]
    rows = []
    for cls in fam.CLASSES:
        n_v = s["per_class_labels"][cls]["vuln"]
        n_s = s["per_class_labels"][cls]["safe"]
        if not n_v and not n_s and not any(t["per_class"][cls]["fp"] for t in scored):
            continue
        row = [cls, str(n_v), str(n_s)]
        for t in scored:
            c = t["per_class"][cls]
            cell = f"{c['tp']}/{n_v}" if n_v else "–"
            if c["fp"]:
                cell += f" ({c['fp']} FP)"
            if not c["covered"]:
                cell += " n/c"
            row.append(cell)
        rows.append(row)
    out += [_table(["class", "vuln", "safe"] + [t["tool"] for t in scored], rows), ""]

    uncl = [t for t in scored if t["overall"]["unclassified"]]
    if uncl:
        out += ["Unclassified findings (not scored): " + "; ".join(
            f"{t['tool']} {t['overall']['unclassified']} ("
            + ", ".join(f"{r} ×{n}" for r, n in list(t["unclassified_by_rule"].items())[:6])
            + (", …" if len(t["unclassified_by_rule"]) > 6 else "") + ")" for t in uncl), ""]
    info = [t for t in scored if t.get("informational_by_rule")]
    if info:
        out += ["Informational findings (not scored): " + "; ".join(
            f"{t['tool']} {sum(t['informational_by_rule'].values())} ("
            + ", ".join(f"{r} ×{n}" for r, n in list(t["informational_by_rule"].items())[:6]) + ")" for t in info), ""]
    errs = [t for t in result["tools"] if t["errors"]]
    if errs:
        out += ["Tool errors: " + "; ".join(f"{t['tool']} {len(t['errors'])}" for t in errs)
                + " (see results.json or --verbose).", ""]

    if full:
        for t in scored:
            out += [f"## {t['tool']} {t['version'] or ''} by class", ""]
            rows = []
            for cls in fam.CLASSES:
                c = t["per_class"][cls]
                if not (c["vuln_labels"] or c["safe_labels"] or c["fp"]):
                    continue
                rows.append([cls, str(c["tp"]), str(c["fn"]), str(c["fp"]), str(c["fp_on_safe"]), str(c["dup"]),
                             _fmt(c["precision"]), _fmt(c["recall"]), "yes" if c["covered"] else "no"])
            out += [_table(["class", "TP", "FN", "FP", "FP on safe", "dup", "precision", "recall", "covered"],
                           rows), ""]
    return "\n".join(out).rstrip() + "\n"


def render_verbose(result: dict) -> str:
    out = []
    for t in result["tools"]:
        if t["skipped"]:
            continue
        out.append(f"\n=== {t['tool']}: {len(t['false_negatives'])} FN, {len(t['false_positives'])} FP")
        for e in t["errors"]:
            out.append(f"  ERROR {e}")
        for fn in t["false_negatives"]:
            out.append(f"  FN {fn['label']}  [{fn['class']} CWE-{fn['cwe']}]  {fn['note']}")
        for fp in t["false_positives"]:
            safe = f"  (on safe label {', '.join(fp['safe_labels'])})" if fp["safe_labels"] else ""
            for f in fp["findings"]:
                cw = ",".join(f"CWE-{c}" for c in f["cwes"])
                out.append(f"  FP {fp['where']}  [{fp['class']}; {f['rule']} {cw}]  {f['message'][:150]}{safe}")
        if t["unclassified_by_rule"]:
            out.append("  unclassified: " + ", ".join(f"{r} ×{n}" for r, n in t["unclassified_by_rule"].items()))
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ",".join(TOOLS))
    ap.add_argument("--cases", default="*", help="glob on case folder names (default: all)")
    ap.add_argument("--cases-dir", type=Path, default=CASES_DIR, help=argparse.SUPPRESS)
    ap.add_argument("--verbose", "-v", action="store_true", help="list every FN and FP with file:line and message")
    ap.add_argument("--reinstall-peers", action="store_true", help="recreate bench/.venv-peers")
    ap.add_argument("--no-write", action="store_true", help="print only; don't write results.json/results.md")
    args = ap.parse_args(argv)

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in tools if t not in TOOLS]
    if unknown:
        ap.error(f"unknown tool(s): {', '.join(unknown)} (choose from {', '.join(TOOLS)})")
    tools = [t for t in TOOLS if t in tools]  # fixed order
    problems = fam.self_check()
    if problems:
        for p in problems:
            log(f"families.py: {p}")
        return 2

    cases_dir = args.cases_dir.resolve()
    cases, labels, warnings = load_cases(cases_dir, args.cases)
    for w in warnings:
        log(f"[labels] {w}")
    if not cases:
        log(f"no cases matching {args.cases!r} under {cases_dir}")
        return 2
    log(f"[labels] {len(cases)} cases, {sum(lab.kind == 'vuln' for lab in labels)} vuln + "
        f"{sum(lab.kind == 'safe' for lab in labels)} safe labels")

    peer_tools = [t for t in tools if t != "secprofile"]
    stamp: dict = {}
    if peer_tools:
        stamp = peers.ensure_peers(reinstall=args.reinstall_peers)

    rule_dirs: list[Path] = []
    semgrep_table: dict[str, list[int]] = {}
    semgrep_note = ""
    if "semgrep" in tools:
        rule_dirs, semgrep_note = peers.semgrep_rule_dirs()
        if semgrep_note:
            log(f"[semgrep] {semgrep_note}")
        semgrep_table = peers.semgrep_rule_table(rule_dirs) if peers.peer_available(stamp, "semgrep") else {}

    runs: dict[str, ToolRun] = {}
    with tempfile.TemporaryDirectory(prefix="secprofile-accuracy-") as tmp:
        root = Path(tmp) / "cases"
        if peer_tools:
            root.mkdir()
            _copy_cases(cases, cases_dir, root)
        for tool in tools:
            log(f"[{tool}] running ...")
            if tool == "secprofile":
                run = run_secprofile(cases, cases_dir)
            elif tool == "bandit":
                run = run_bandit(cases, root, stamp)
            elif tool == "ruff":
                run = run_ruff(cases, root, stamp)
            else:
                if not rule_dirs:
                    run = ToolRun("semgrep", stamp.get("installed", {}).get("semgrep"), skipped=semgrep_note)
                else:
                    run = run_semgrep(cases, root, stamp, rule_dirs)
            if run.skipped:
                log(f"[{tool}] SKIPPED: {run.skipped}")
            else:
                log(f"[{tool}] {len(run.findings)} findings in {run.seconds:.1f} s"
                    + (f", {len(run.errors)} errors" if run.errors else ""))
            runs[tool] = run

    case_set = set(cases)
    scored = []
    for tool in tools:
        run = runs[tool]
        run.findings = [f for f in run.findings if f.case in case_set]
        scored.append(score(run, labels, static_coverage(tool, semgrep_table)))

    per_class_labels = {c: {"vuln": sum(1 for lab in labels if lab.cls == c and lab.kind == "vuln"),
                            "safe": sum(1 for lab in labels if lab.cls == c and lab.kind == "safe")}
                        for c in fam.CLASSES}
    result = {
        "schema_version": RESULTS_SCHEMA,
        "options": {"tools": tools, "cases": args.cases, "window": WINDOW},
        "summary": {
            "cases": len(cases),
            "case_names": cases,
            "vuln_labels": sum(1 for lab in labels if lab.kind == "vuln"),
            "safe_labels": sum(1 for lab in labels if lab.kind == "safe"),
            "per_class_labels": per_class_labels,
            "label_warnings": warnings,
        },
        "families": {c: sorted(fam.FAMILIES[c]) for c in fam.CLASSES},
        "semgrep_rules": ({"folders": [d.name for d in rule_dirs], "rules": len(semgrep_table),
                           "ref": peers.semgrep_rules_ref()} if rule_dirs else None),
        "tools": scored,
    }
    md_short = render(result, full=False)
    print(md_short, end="")
    if args.verbose:
        print(render_verbose(result), end="")
    if not args.no_write:
        (HERE / "results.json").write_text(json.dumps(result, indent=2, sort_keys=False) + "\n")
        (HERE / "results.md").write_text(render(result, full=True))
        log(f"wrote {(HERE / 'results.json').relative_to(REPO)} and {(HERE / 'results.md').relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
