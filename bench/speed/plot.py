"""Draw docs/benchmark-speed.png from bench/speed/results.json.

Run by bench/speed/run.py with the peer venv's Python (matplotlib lives there,
not in the main environment):  .venv-peers/bin/python plot.py RESULTS.json OUT.png
"""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {"secprofile": "#2b6cb0", "bandit": "#c05621", "ruff": "#6b46c1", "semgrep": "#2f855a"}


def main(src: str, dst: str) -> int:
    result = json.load(open(src))
    trees = result.get("trees") or []
    tree = next((t for t in trees if t["name"] == "django"), trees[0] if trees else None)
    if tree is None:
        print("no tree in results", file=sys.stderr)
        return 1
    rows = [r for r in tree["rows"] if r.get("median_seconds")]
    if not rows:
        print("no successful rows to plot", file=sys.stderr)
        return 1
    rows.sort(key=lambda r: r["median_seconds"])
    labels = [r["label"] for r in rows]
    secs = [r["median_seconds"] for r in rows]
    colours = [COLOURS.get(r["tool"], "#718096") for r in rows]

    fig, ax = plt.subplots(figsize=(8, 0.55 * len(rows) + 1.6), dpi=120)
    bars = ax.barh(labels, secs, color=colours)
    ax.invert_yaxis()
    log = max(secs) / max(min(secs), 1e-3) > 20
    if log:
        ax.set_xscale("log")
    for bar, s in zip(bars, secs, strict=True):
        ax.text(bar.get_width() * (1.08 if log else 1.0) + (0 if log else max(secs) * 0.01),
                bar.get_y() + bar.get_height() / 2, f"{s:.2f} s", va="center", fontsize=9)
    if log:
        ax.set_xlim(left=min(secs) / 3, right=max(secs) * 4)
    else:
        ax.set_xlim(left=0, right=max(secs) * 1.18)
    ax.set_xlabel("median wall-clock seconds" + (" (log scale)" if log else "") + ", lower is better")
    runs = result.get("runs")
    ax.set_title(f"Scanning {tree['name']} {tree['version']} ({tree['lines']:,} lines of Python), "
                 f"median of {runs} run{'s' if runs != 1 else ''}", fontsize=10)
    cpu = result.get("machine", {})
    fig.text(0.01, 0.01, f"{cpu.get('cpus', '?')} CPUs, {cpu.get('cpu', '')}", fontsize=7, color="#4a5568")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(dst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
