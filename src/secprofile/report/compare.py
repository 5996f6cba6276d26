"""``secprofile compare``: the control rows of several projects side by side."""

from __future__ import annotations

from typing import Sequence

from secprofile.findings import ScanResult
from secprofile.rules.base import CONTROLS


def render_compare(results: Sequence[ScanResult]) -> str:
    names = [r.root.rstrip("/").rsplit("/", 1)[-1] or r.root for r in results]
    width = max([14, *(len(n) for n in names)])
    lines = ["control".ljust(20) + "".join(n[:width].ljust(width + 2) for n in names)]
    lines.append("-" * 20 + "".join("-" * width + "  " for _ in names))
    lines.append("frameworks".ljust(20) + "".join((",".join(r.profile.frameworks) or "-")[:width].ljust(width + 2)
                                                 for r in results))
    for control in CONTROLS:
        cells = []
        for result in results:
            row = result.profile.control(control)
            cell = row.status if row else "-"
            if row and row.findings:
                cell += f" ({len(row.findings)})"
            cells.append(cell[:width].ljust(width + 2))
        lines.append(control.ljust(20) + "".join(cells))
    lines.append("")
    lines.append("(n) = findings behind the status; `secprofile scan PATH` shows them.")
    return "\n".join(lines) + "\n"
