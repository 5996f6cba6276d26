"""The command line: parse, build a Config, call the engine, pick a reporter, return the exit code.

Exit codes: 0 no finding at or above ``--fail-on``; 1 findings at or above it;
2 usage, configuration or internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

from secprofile import __version__
from secprofile.baseline import BaselineError, apply_baseline, load_baseline, write_baseline
from secprofile.config import SEVERITIES, ConfigError, load_config
from secprofile.engine import ScanError, scan
from secprofile.findings import ScanResult
from secprofile.report import render_json, render_sarif, render_terminal
from secprofile.rules.base import all_rules, rule_by_code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 on usage errors, as we do
        self.print_usage(sys.stderr)
        self.exit(2, f"secprofile: error: {message}\n")


def _codes(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(c.strip().upper() for c in text.split(",") if c.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="secprofile", description="Static security profiles for FastAPI and Django backends.")
    parser.add_argument("--version", action="version", version=f"secprofile {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    scan_parser = commands.add_parser("scan", help="scan a project: findings and its security profile")
    scan_parser.add_argument("path", help="project directory or file")
    scan_parser.add_argument("--format", choices=("terminal", "json", "sarif", "html"), default="terminal")
    scan_parser.add_argument("-o", "--output", help="write the report to this file instead of stdout")
    scan_parser.add_argument("--select", help="only these rule codes or prefixes (comma-separated)")
    scan_parser.add_argument("--ignore", help="skip these rule codes or prefixes (comma-separated)")
    scan_parser.add_argument("--exclude", action="append", default=[], help="glob of paths to skip (repeatable)")
    scan_parser.add_argument("--fail-on", choices=SEVERITIES + ("never",),
                             help="exit 1 when a finding has at least this severity (default: low)")
    scan_parser.add_argument("--preview", action="store_true", default=None, help="also run preview rules")
    scan_parser.add_argument("--no-cache", action="store_true", help="do not read or write the facts cache")
    scan_parser.add_argument("--cache-dir", help="where to keep the cache (default: <path>/.secprofile_cache)")
    scan_parser.add_argument("--jobs", type=int, help="worker processes (default: one per core)")
    scan_parser.add_argument("--no-profile", action="store_true", help="terminal: findings only")
    scan_parser.add_argument("--baseline", help="hide findings recorded in this baseline file (count-aware)")
    scan_parser.add_argument("--write-baseline", metavar="FILE", help="record the current findings as a baseline")
    scan_parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")

    compare_parser = commands.add_parser("compare", help="security profiles of several projects side by side")
    compare_parser.add_argument("paths", nargs="+", help="project directories")
    compare_parser.add_argument("--format", choices=("terminal", "json"), default="terminal")
    compare_parser.add_argument("--no-cache", action="store_true")

    rules_parser = commands.add_parser("rules", help="list the rules")
    rules_parser.add_argument("--format", choices=("terminal", "json", "markdown"), default="terminal")
    rule_parser = commands.add_parser("rule", help="print one rule's documentation")
    rule_parser.add_argument("code", help="rule code (SP101) or slug")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "scan":
            return _scan(args)
        if args.command == "compare":
            return _compare(args)
        if args.command == "rules":
            return _rules(args)
        if args.command == "rule":
            return _rule(args)
        parser.print_help()
        return 2
    except (ScanError, ConfigError, BaselineError) as error:
        print(f"secprofile: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("secprofile: interrupted", file=sys.stderr)
        return 2
    except Exception as error:  # last resort: a message, never a traceback
        if os.environ.get("SECPROFILE_DEBUG"):
            raise
        print(f"secprofile: internal error: {type(error).__name__}: {error}\n"
              "Please report it; set SECPROFILE_DEBUG=1 for the traceback.", file=sys.stderr)
        return 2


def _config_for(path: str, args: argparse.Namespace):
    root = Path(path)
    if not root.exists():
        raise ScanError(f"path does not exist: {path}")
    config = load_config(root)
    cache_dir = getattr(args, "cache_dir", None)
    return config.with_overrides(
        select=_codes(getattr(args, "select", None)),
        ignore=_codes(getattr(args, "ignore", None)),
        exclude=tuple(config.exclude) + tuple(getattr(args, "exclude", None) or ()),
        fail_on=getattr(args, "fail_on", None),
        preview=getattr(args, "preview", None),
        cache=False if args.no_cache else None,
        cache_dir=Path(cache_dir) if cache_dir else None,
        jobs=getattr(args, "jobs", None),
    )


def _scan(args: argparse.Namespace) -> int:
    config = _config_for(args.path, args)
    result = scan(args.path, config)
    if args.write_baseline:
        write_baseline(result, Path(args.write_baseline))
    if args.baseline:
        result = apply_baseline(result, load_baseline(Path(args.baseline)))
    colour = args.color == "always" or (
        args.color == "auto" and not args.output and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    if args.format == "json":
        text = render_json(result)
    elif args.format == "sarif":
        text = render_sarif(result)
    elif args.format == "html":
        from secprofile.report.html import render_html

        text = render_html(result)
    else:
        text = render_terminal(result, colour=colour, show_profile=not args.no_profile)
    _emit(text, args.output)
    return 1 if result.at_or_above(config.fail_on) else 0


def _emit(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        raise ScanError(f"cannot write {output}: {error.strerror or error}") from None


def _compare(args: argparse.Namespace) -> int:
    results: list[ScanResult] = [scan(path, _config_for(path, args)) for path in args.paths]
    if args.format == "json":
        from secprofile.report.json_report import to_dict

        payload = {"schema_version": 1, "projects": [
            {"root": r.root, "frameworks": to_dict(r)["profile"]["frameworks"],
             "controls": {row.id: {"status": row.status, "summary": row.summary, "findings": len(row.findings)}
                          for row in r.profile.controls}}
            for r in results]}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0
    from secprofile.report.compare import render_compare

    sys.stdout.write(render_compare(results))
    return 0


def _rules(args: argparse.Namespace) -> int:
    rules = all_rules()
    if args.format == "json":
        sys.stdout.write(json.dumps([
            {"code": r.code, "slug": r.slug, "title": r.title, "severity": r.severity.value,
             "confidence": r.confidence.value, "cwe": r.cwe, "control": r.control, "frameworks": list(r.frameworks),
             "status": r.status, "since": r.since}
            for r in rules], indent=2) + "\n")
        return 0
    if args.format == "markdown":
        from secprofile.report.rules_doc import render_rules_markdown

        sys.stdout.write(render_rules_markdown(rules))
        return 0
    for r in rules:
        frameworks = ",".join(r.frameworks) or "any"
        sys.stdout.write(f"{r.code}  {r.slug:<44} {r.severity.value:<8} CWE-{r.cwe:<5} {r.control:<20} {frameworks}\n")
    return 0


def _rule(args: argparse.Namespace) -> int:
    found = rule_by_code(args.code)
    if found is None:
        print(f"secprofile: error: no rule {args.code!r}; `secprofile rules` lists them", file=sys.stderr)
        return 2
    header = (f"# {found.code} {found.slug}: {found.title}\n\n"
              f"Severity: {found.severity.value}  Confidence: {found.confidence.value}  CWE-{found.cwe}  "
              f"Control: {found.control}  Frameworks: {', '.join(found.frameworks) or 'any'}\n\n")
    sys.stdout.write(header + found.doc + "\n")
    return 0
