#!/usr/bin/env python3
"""Speed benchmark: secprofile vs Bandit, Ruff and Semgrep on real code.

    python bench/speed/run.py [--runs 3] [--quick] [--tools secprofile,bandit,ruff,semgrep]
                              [--trees django,...]

Installs the trees of bench/speed/corpus.txt into bench/.corpus/ (pip --no-deps
--target, once), then times whole processes on a copy of each tree outside the
git work tree: median wall-clock seconds of N runs and peak resident memory of
the process tree. Rows:

  secprofile cold         --no-cache
  secprofile warm         cache primed, nothing changed (--cache-dir in a temp dir)
  secprofile 1 changed    cache primed, a comment appended to one file before each run
  bandit                  -r -q -f json (single process)
  ruff                    check --select S --no-cache
  semgrep                 the SEMGREP_RULES_DIR python rules (skipped without it)

Writes bench/speed/results.json, results.md and docs/benchmark-speed.png (drawn
by bench/speed/plot.py with the peer venv's matplotlib).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "accuracy"))

import peers  # noqa: E402

REPO = peers.REPO
CORPUS_FILE = HERE / "corpus.txt"
CORPUS_DIR = peers.BENCH / ".corpus"
PLOT = REPO / "docs" / "benchmark-speed.png"
TOOLS = ("secprofile", "bandit", "ruff", "semgrep")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Corpus

@dataclass
class Tree:
    requirement: str
    package: str
    touch: str
    name: str = ""
    version: str = ""
    root: Path = Path()
    files: int = 0
    lines: int = 0

    @property
    def path(self) -> Path:
        return self.root / self.package


def read_corpus() -> list[Tree]:
    trees = []
    for raw in CORPUS_FILE.read_text().splitlines():
        raw = raw.split("#", 1)[0].strip()
        if not raw:
            continue
        req, package, touch = raw.split()
        name, _, version = req.partition("==")
        t = Tree(req, package, touch, name=name.lower(), version=version)
        t.root = CORPUS_DIR / f"{t.name}-{t.version}"
        trees.append(t)
    return trees


def ensure_tree(t: Tree) -> bool:
    done = t.root / ".complete"
    if done.is_file() and t.path.is_dir():
        return True
    if t.root.exists():
        shutil.rmtree(t.root)
    log(f"[corpus] pip install --no-deps --target {t.root.relative_to(REPO)} {t.requirement}")
    res = subprocess.run([sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                          "--no-deps", "--no-compile", "--target", str(t.root), t.requirement],
                         capture_output=True, text=True)
    if res.returncode != 0 or not t.path.is_dir():
        tail = "\n".join(ln for ln in res.stderr.strip().splitlines()[-5:] if not ln.startswith("WARNING: Location"))
        log(f"[corpus] could not install {t.requirement}: {tail}")
        return False
    done.write_text(t.requirement + "\n")
    return True


def count_python(path: Path) -> tuple[int, int]:
    files = lines = 0
    for p in sorted(path.rglob("*.py")):
        if p.is_file():
            files += 1
            with open(p, "rb") as fh:
                lines += sum(1 for _ in fh)
    return files, lines


def warm_page_cache(path: Path) -> None:
    for p in path.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                while fh.read(1 << 20):
                    pass


# --------------------------------------------------------------------------
# Measuring one process

def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(x) for x in fh.read().split())
        except OSError:
            pass
    return out


def _tree_rss(root: int) -> int:
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        stack.extend(_children(pid))
    return total


@dataclass
class Measurement:
    seconds: float
    rc: int
    maxrss_single: int  # bytes, largest single process (wait4 ru_maxrss, includes waited-for children)
    rss_tree_peak: int  # bytes, largest sampled sum of RSS over the process tree
    timed_out: bool = False

    @property
    def peak_rss(self) -> int:
        return max(self.maxrss_single, self.rss_tree_peak)


def compile_secprofile() -> str:
    """Byte-compile secprofile's modules, as ``pip install`` does for the peers' venv.

    An editable install never does, and the timed runs set PYTHONDONTWRITEBYTECODE, so
    without this every secprofile run would compile its ~150 modules from source first.
    """
    package = Path(importlib.util.find_spec("secprofile").origin).parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return f"secprofile's modules byte-compiled first (python -m compileall {package.name}), as pip does for the peers"


def measure(cmd: list[str], cwd: Path, env: dict, out: Path, err: Path, timeout: float) -> Measurement:
    with open(out, "wb") as fo, open(err, "wb") as fe:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        peak = [0]
        done = threading.Event()
        timed_out = [False]

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _tree_rss(proc.pid))
                done.wait(0.05)

        def kill() -> None:
            if not done.wait(timeout):
                timed_out[0] = True
                try:
                    os.killpg(proc.pid, signal.SIGKILL)  # the group of the process we started
                except ProcessLookupError:
                    pass

        threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=kill, daemon=True)]
        for th in threads:
            th.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        done.set()
        proc.returncode = os.waitstatus_to_exitcode(status)
        for th in threads:
            th.join()
    return Measurement(seconds, proc.returncode, usage.ru_maxrss * 1024, peak[0], timed_out[0])


# --------------------------------------------------------------------------
# Rows

@dataclass
class Row:
    key: str        # e.g. "secprofile-warm"
    tool: str
    label: str      # shown in tables
    cmd: list[str]
    env: dict
    ok_codes: tuple[int, ...]
    cwd: Path
    prime: bool = False                # run once, untimed, before timing
    touch: Path | None = None          # append a comment to this file before each timed run
    runs: list[Measurement] = field(default_factory=list)
    error: str | None = None
    findings: int | None = None


def count_findings(tool: str, out: Path) -> int | None:
    try:
        doc = json.loads(out.read_text())
    except (OSError, ValueError):
        return None
    if tool == "secprofile":
        return len(doc.get("findings", []))
    if tool == "bandit":
        return len(doc.get("results", []))
    if tool == "ruff":
        return len(doc) if isinstance(doc, list) else None
    if tool == "semgrep":
        return len(doc.get("results", []))
    return None


def build_rows(tools: list[str], tree: Tree, work: Path, changed: Path, tmp: Path, rule_dirs: list[Path],
               skips: dict[str, str]) -> list[Row]:
    rows: list[Row] = []
    target = tree.package
    main_env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    penv = peers.peer_env()
    if "secprofile" in tools and "secprofile" not in skips:
        sp = [sys.executable, "-m", "secprofile", "scan"]
        rows.append(Row("secprofile-cold", "secprofile", "secprofile, cold (--no-cache)",
                        sp + [target, "--format", "json", "--no-cache"], main_env, (0, 1), work))
        rows.append(Row("secprofile-warm", "secprofile", "secprofile, warm cache",
                        sp + [target, "--format", "json", "--cache-dir", str(tmp / "cache-warm")],
                        main_env, (0, 1), work, prime=True))
        rows.append(Row("secprofile-changed", "secprofile", "secprofile, 1 file changed",
                        sp + [target, "--format", "json", "--cache-dir", str(tmp / "cache-changed")],
                        main_env, (0, 1), changed, prime=True, touch=changed / tree.touch))
    if "bandit" in tools and "bandit" not in skips:
        rows.append(Row("bandit", "bandit", "Bandit",
                        [str(peers.venv_bin("bandit")), "-r", "-q", "-f", "json", target], penv, (0, 1), work))
    if "ruff" in tools and "ruff" not in skips:
        rows.append(Row("ruff", "ruff", "Ruff (--select S)",
                        [str(peers.venv_bin("ruff")), "check", "--isolated", "--no-respect-gitignore",
                         "--select", "S", "--no-cache", "--output-format", "json", "--exit-zero", target],
                        penv, (0,), work))
    if "semgrep" in tools and "semgrep" not in skips:
        cmd = [str(peers.venv_bin("semgrep")), "scan"]
        for d in rule_dirs:
            cmd += ["--config", str(d)]
        cmd += ["--json", "--metrics=off", "--disable-version-check", "--no-git-ignore", "--quiet", target]
        rows.append(Row("semgrep", "semgrep", "Semgrep OSS", cmd, penv, (0, 1), work))
    return rows


def run_row(row: Row, n: int, warmup: bool, tmp: Path, timeout: float) -> None:
    out, err = tmp / f"{row.key}.out", tmp / f"{row.key}.err"

    def once() -> Measurement | None:
        m = measure(row.cmd, row.cwd, row.env, out, err, timeout)
        if m.timed_out:
            row.error = f"timed out after {timeout:.0f} s"
            return None
        if m.rc not in row.ok_codes:
            tail = "\n".join(err.read_text(errors="replace").strip().splitlines()[-6:])
            row.error = f"exit code {m.rc}: {tail}"
            return None
        return m

    if row.prime or warmup:
        log(f"  {row.label}: {'priming cache' if row.prime else 'warm-up run'} ...")
        if once() is None:
            log(f"  {row.label}: FAILED: {row.error}")
            return
    for i in range(n):
        if row.touch is not None:
            with open(row.touch, "a") as fh:
                fh.write(f"# secprofile speed benchmark: edit {i + 1}\n")
        m = once()
        if m is None:
            log(f"  {row.label}: FAILED: {row.error}")
            return
        row.runs.append(m)
        log(f"  {row.label}: run {i + 1}/{n}: {m.seconds:.2f} s, {m.peak_rss / 2**20:.0f} MB")
    row.findings = count_findings(row.tool, out)


# --------------------------------------------------------------------------
# Report

def machine() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
                break
    except OSError:
        pass
    return info


def row_result(row: Row) -> dict:
    secs = [m.seconds for m in row.runs]
    return {
        "key": row.key,
        "tool": row.tool,
        "label": row.label,
        "command": [Path(c).name if i == 0 else c for i, c in enumerate(row.cmd)],
        "runs_seconds": [round(s, 3) for s in secs],
        "median_seconds": round(statistics.median(secs), 3) if secs else None,
        "min_seconds": round(min(secs), 3) if secs else None,
        "max_seconds": round(max(secs), 3) if secs else None,
        "peak_rss_mb": round(max(m.peak_rss for m in row.runs) / 2**20, 1) if row.runs else None,
        "max_single_process_rss_mb": round(max(m.maxrss_single for m in row.runs) / 2**20, 1) if row.runs else None,
        "findings": row.findings,
        "error": row.error,
    }


def render(result: dict) -> str:
    out = ["# secprofile speed benchmark", ""]
    m = result["machine"]
    out.append(f"Machine: {m.get('cpu', '?')}, {m.get('cpus')} CPUs, {m.get('memory_gib', '?')} GiB; "
               f"{m.get('platform')}; Python {m.get('python')}.")
    out.append("Versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items() if v) + ".")
    n = result["runs"]
    out.append(f"Median of {n} run{'s' if n != 1 else ''} per row (wall clock, whole process); peak RSS is the largest "
               "sampled sum over the process tree. `Bandit / tool` is how many times faster than Bandit.")
    for note in result["notes"]:
        out.append(f"Note: {note}")
    out.append("")
    for tree in result["trees"]:
        out += [f"## {tree['name']} {tree['version']} ({tree['files']:,} files, {tree['lines']:,} lines of Python)", ""]
        bandit = next((r["median_seconds"] for r in tree["rows"] if r["tool"] == "bandit" and r["median_seconds"]),
                      None)
        out += ["| tool | median s | min–max s | Bandit / tool | peak RSS MB | findings |",
                "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for r in tree["rows"]:
            if r["median_seconds"] is None:
                out.append(f"| {r['label']} | failed | | | | |")
                continue
            ratio = "–"
            if bandit and r["median_seconds"]:
                x = bandit / r["median_seconds"]
                ratio = f"{x:.1f}×" if x >= 1 else f"{x:.2f}×"
            spread = f"{r['min_seconds']:.2f}–{r['max_seconds']:.2f}"
            out.append(f"| {r['label']} | {r['median_seconds']:.2f} | {spread} | {ratio} | "
                       f"{r['peak_rss_mb']:.0f} | {r['findings'] if r['findings'] is not None else '–'} |")
        out.append("")
        fails = [r for r in tree["rows"] if r["error"]]
        for r in fails:
            out.append(f"- {r['label']} failed: {r['error'].splitlines()[0] if r['error'] else ''}")
        if fails:
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def plot(result_path: Path) -> None:
    if not peers.venv_python().exists():
        log("[plot] no peer venv: docs/benchmark-speed.png not drawn")
        return
    res = subprocess.run([str(peers.venv_python()), str(HERE / "plot.py"), str(result_path), str(PLOT)],
                         capture_output=True, text=True, env=peers.peer_env())
    if res.returncode != 0:
        log("[plot] failed: " + "\n".join(res.stderr.strip().splitlines()[-5:]))
    else:
        log(f"[plot] wrote {PLOT.relative_to(REPO)}")


# --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="timed runs per row (median is reported; default 3)")
    ap.add_argument("--quick", action="store_true", help="smoke test: django only, 1 run, no warm-up")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ",".join(TOOLS))
    ap.add_argument("--trees", default="", help="comma-separated corpus names (default: all in corpus.txt)")
    ap.add_argument("--no-warmup", action="store_true", help="skip the untimed warm-up run of each row")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before one run is killed")
    ap.add_argument("--no-plot", action="store_true", help="don't draw docs/benchmark-speed.png")
    ap.add_argument("--reinstall-peers", action="store_true", help="recreate bench/.venv-peers")
    args = ap.parse_args(argv)

    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    bad = [t for t in tools if t not in TOOLS]
    if bad:
        ap.error(f"unknown tool(s): {', '.join(bad)}")
    tools = [t for t in TOOLS if t in tools]
    runs = 1 if args.quick else max(1, args.runs)
    warmup = not (args.quick or args.no_warmup)

    trees = read_corpus()
    if args.quick:
        trees = trees[:1]
    elif args.trees:
        wanted = {x.strip().lower() for x in args.trees.split(",")}
        trees = [t for t in trees if t.name in wanted or t.package in wanted]
    if not trees:
        log("no corpus trees selected")
        return 2

    notes: list[str] = []
    skips: dict[str, str] = {}
    if "secprofile" in tools and importlib.util.find_spec("secprofile") is None:
        skips["secprofile"] = (f"secprofile is not importable from {sys.executable} "
                               "(install the project, e.g. `pip install -e .`): secprofile rows skipped")
    stamp: dict = {}
    if any(t != "secprofile" for t in tools):
        stamp = peers.ensure_peers(reinstall=args.reinstall_peers)
        for t in ("bandit", "ruff", "semgrep"):
            if t in tools and not peers.peer_available(stamp, t):
                skips[t] = f"{t} is not installed in bench/.venv-peers: skipped"
    rule_dirs: list[Path] = []
    if "semgrep" in tools and "semgrep" not in skips:
        rule_dirs, note = peers.semgrep_rule_dirs()
        if not rule_dirs:
            skips["semgrep"] = note
        elif note:
            notes.append(note)
    for reason in skips.values():
        log(f"SKIPPED: {reason}")
        notes.append(reason)

    if "secprofile" in tools and "secprofile" not in skips:
        notes.append(compile_secprofile())

    versions: dict[str, str | None] = {}
    if "secprofile" in tools and "secprofile" not in skips:
        try:
            from importlib.metadata import version
            versions["secprofile"] = version("secprofile")
        except Exception:
            versions["secprofile"] = "?"
    for t in ("bandit", "ruff", "semgrep"):
        if t in tools and t not in skips:
            versions[t] = stamp.get("installed", {}).get(t)
    if rule_dirs:
        versions["semgrep-rules"] = (peers.semgrep_rules_ref() or "?")[:12]
        notes.append("Semgrep rules: python/{" + ",".join(d.name for d in rule_dirs) + "} of semgrep-rules.")
    if not warmup:
        notes.append("no warm-up runs (--quick / --no-warmup): first-run effects are included")

    result: dict = {"schema_version": 1, "machine": machine(), "versions": versions, "runs": runs,
                    "warmup": warmup, "notes": notes, "trees": []}
    for tree in trees:
        if not ensure_tree(tree):
            notes.append(f"{tree.requirement} could not be installed: skipped")
            continue
        tree.files, tree.lines = count_python(tree.path)
        log(f"\n== {tree.name} {tree.version}: {tree.files:,} .py files, {tree.lines:,} lines of Python")
        with tempfile.TemporaryDirectory(prefix="secprofile-speed-") as tmpname:
            tmp = Path(tmpname)
            work, changed = tmp / "work", tmp / "changed"
            for d in (work, changed):
                d.mkdir()
                shutil.copytree(tree.path, d / tree.package, ignore=shutil.ignore_patterns("__pycache__"))
                (d / ".semgrepignore").write_text("# empty: scan everything (the default skips tests/ dirs)\n")
            warm_page_cache(tmp)
            rows = build_rows(tools, tree, work, changed, tmp, rule_dirs, skips)
            for row in rows:
                run_row(row, runs, warmup and not row.prime, tmp, args.timeout)
            result["trees"].append({"name": tree.name, "version": tree.version, "package": tree.package,
                                    "files": tree.files, "lines": tree.lines, "touched_file": tree.touch,
                                    "rows": [row_result(r) for r in rows]})

    md = render(result)
    print(md, end="")
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    (HERE / "results.md").write_text(md)
    log(f"wrote {(HERE / 'results.json').relative_to(REPO)} and {(HERE / 'results.md').relative_to(REPO)}")
    if not args.no_plot:
        plot(HERE / "results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
