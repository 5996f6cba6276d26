"""The analysis pipeline behind :func:`secprofile.engine.scan`, imported only when the
result is not already cached: per-file facts (in worker processes), link, rules,
suppressions, and the finished, fingerprinted findings."""

from __future__ import annotations

import ast
import hashlib
import multiprocessing
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Sequence

from secprofile.config import Config
from secprofile.findings import Finding, ScanResult
from secprofile.flow import summarize_flow
from secprofile.model.facts import FileFacts, extract_python, extract_requirements, extract_template
from secprofile.model.project import Project, link
from secprofile.profile import build_profile
from secprofile.rules.base import FileContext, Hit, Rule, all_rules
from secprofile.source.discovery import FoundFile, Skipped
from secprofile.source.location import Location
from secprofile.source.names import module_name_for
from secprofile.source.parsing import Unreadable, decode_source, decode_text, parse_source
from secprofile.source.suppressions import Suppression, find_suppressions

_PARALLEL_THRESHOLD = 48  # below this many files a process pool costs more than it saves
_FRAMEWORK_IMPORTS = {"fastapi": ("fastapi", "starlette"), "django": ("django", "rest_framework", "ninja")}


@dataclass(frozen=True)
class FileResult:
    """Everything learned from one file; picklable, cached by content hash."""

    relpath: str
    facts: FileFacts | None
    hits: tuple[tuple[str, Hit], ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    skipped: str | None = None
    errors: tuple[str, ...] = ()


def analyze_file(found: FoundFile, data: bytes) -> FileResult:
    """The per-file step: decode, parse, extract facts, run node and file rules."""
    relpath = found.relpath
    if found.kind == "template":
        text = decode_text(data)
        return FileResult(relpath, extract_template(text, relpath),
                          suppressions=find_suppressions(text.splitlines(), template=True))
    if found.kind == "requirements":
        return FileResult(relpath, extract_requirements(decode_text(data), relpath))
    try:
        text = decode_source(data)
        tree = parse_source(text, relpath)
        lines = text.splitlines()
        module, is_package = module_name_for(relpath)
        facts = extract_python(tree, relpath, module, is_package, len(lines))
        facts = replace(facts, flow=summarize_flow(tree, facts))
    except Unreadable as error:
        return FileResult(relpath, None, skipped=str(error))
    except RecursionError:
        return FileResult(relpath, None, skipped="too deeply nested to analyse")
    context = FileContext(relpath, facts.module, tree, facts.names, lines, facts)
    hits, errors = _run_file_rules(context)
    notes = _scout(context, errors)
    if notes:
        facts = replace(facts, notes=notes)
    return FileResult(relpath, facts, tuple(hits), find_suppressions(lines), errors=tuple(errors))


def _applies(rule: Rule, facts: FileFacts) -> bool:
    if not rule.frameworks:
        return True
    return any(facts.imports_any(*_FRAMEWORK_IMPORTS.get(fw, (fw,))) for fw in rule.frameworks)


def _run_file_rules(context: FileContext) -> tuple[list[tuple[str, Hit]], list[str]]:
    hits: list[tuple[str, Hit]] = []
    errors: list[str] = []
    rules = [r for r in all_rules() if r.kind in ("node", "file") and _applies(r, context.facts)]
    dispatch: dict[type, list[Rule]] = {}
    for rule in rules:
        if rule.kind == "node":
            for node_type in rule.node_types:
                dispatch.setdefault(node_type, []).append(rule)
        else:
            try:
                hits.extend((rule.code, hit) for hit in rule.check(context))
            except Exception as error:  # a rule bug must not lose the rest of the scan
                errors.append(f"{rule.code} failed: {type(error).__name__}: {error}")
    if dispatch:
        failed: set[str] = set()
        try:
            _walk(context.tree, context, dispatch, hits, errors, failed)
        except RecursionError:
            errors.append("too deeply nested for node rules")
    return hits, errors


def _scout(context: FileContext, errors: list[str]) -> tuple[tuple[str, object], ...]:
    """Run the project rules' per-file pre-passes while the tree is at hand."""
    notes: list[tuple[str, object]] = []
    for rule in all_rules():
        if rule.scout is None:  # project rules apply by the project's frameworks, not the file's imports
            continue
        try:
            note = rule.scout(context)
        except RecursionError:
            continue
        except Exception as error:  # a rule bug must not lose the rest of the scan
            errors.append(f"{rule.code} scout failed: {type(error).__name__}: {error}")
            continue
        if note is not None:
            notes.append((rule.code, note))
    return tuple(notes)


_LEAVE = object()  # marks, on the walk's stack, the point where a node's subtree is done
_SKIPPED_CHILDREN = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


def _walk(tree, context, dispatch, hits, errors, failed) -> None:
    """One iterative pre-order walk per file, dispatching nodes to the rules that asked for
    their type; ``context.stack`` holds the ancestors of the node being checked."""
    ancestors = context.stack
    stack: list = [tree]
    rules_for = dispatch.get
    while stack:
        node = stack.pop()
        if node is _LEAVE:
            ancestors.pop()
            continue
        rules = rules_for(type(node))
        if rules:
            for rule in rules:
                if rule.code in failed:
                    continue
                try:
                    for hit in rule.check(node, context):
                        hits.append((rule.code, hit))
                except Exception as error:  # a rule bug must not lose the rest of the scan
                    failed.add(rule.code)
                    errors.append(f"{rule.code} failed at line {getattr(node, 'lineno', '?')}: "
                                  f"{type(error).__name__}: {error}")
        ancestors.append(node)
        stack.append(_LEAVE)
        children = []
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list:
                children.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST) and not isinstance(value, _SKIPPED_CHILDREN):
                children.append(value)
        children.reverse()
        stack.extend(children)


def _analyze_batch(batch: list[tuple[FoundFile, bytes]]) -> list[FileResult]:
    return [analyze_file(found, data) for found, data in batch]


def _analyze_all(todo: list[tuple[FoundFile, bytes]], jobs: int) -> list[FileResult]:
    workers = jobs or os.cpu_count() or 1
    if workers <= 1 or len(todo) < _PARALLEL_THRESHOLD:
        return _analyze_batch(todo)
    # Big files first so that the last batch is not the slowest.
    ordered = sorted(todo, key=lambda item: -len(item[1]))
    batches = [ordered[i::workers * 4] for i in range(workers * 4)]
    try:
        context = multiprocessing.get_context("fork") if sys.platform != "win32" else None
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return [result for batch in pool.map(_analyze_batch, batches) for result in batch]
    except (OSError, RuntimeError):  # no process support here: same results, one core
        return _analyze_batch(todo)


def _run_project_rules(project: Project, rules: Sequence[Rule], skipped: list[Skipped]) -> Iterable[tuple[Rule, Hit]]:
    frameworks = set(project.frameworks)
    if "djangorestframework" in frameworks:
        frameworks.add("django")
    if "starlette" in frameworks:
        frameworks.add("fastapi")
    for rule in rules:
        if rule.kind != "project" or (rule.frameworks and not frameworks.intersection(rule.frameworks)):
            continue
        try:
            hits = list(rule.check(project))
        except Exception as error:  # report, keep scanning
            skipped.append(Skipped("<project>", f"internal error: {rule.code} failed: {type(error).__name__}: {error}"))
            continue
        yield from ((rule, hit) for hit in hits)


# Bandit test ids → the CWE they flag, so ``# nosec B608`` silences our SQL finding on that line.
_BANDIT_CWE = {
    "B102": 78, "B103": 732, "B104": 605, "B105": 798, "B106": 798, "B107": 798, "B108": 377, "B201": 489,
    "B301": 502, "B302": 502, "B303": 328, "B304": 327, "B306": 377, "B307": 95, "B308": 79, "B310": 918,
    "B311": 330, "B320": 611, "B321": 319, "B324": 328, "B403": 502, "B501": 295, "B506": 502, "B601": 78,
    "B602": 78, "B603": 78, "B604": 78, "B605": 78, "B606": 78, "B607": 78, "B608": 89, "B609": 78,
    "B610": 89, "B611": 89, "B701": 79, "B702": 79, "B703": 79,
}


def _apply_suppressions(raw, suppressions, config: Config):
    used: set[tuple[str, int, str]] = set()
    kept: list[tuple[Rule, Hit]] = []
    suppressed = 0
    for rule, hit in raw:
        location = hit.location
        if config.ignored_in(location.path, rule.code):
            suppressed += 1
            continue
        match = None
        for suppression in suppressions.get(location.path, ()):
            if not (location.line <= suppression.line <= location.last_line):
                continue
            if suppression.kind == "secprofile" and any(rule.code.startswith(c) for c in suppression.codes):
                match = (suppression, next(c for c in suppression.codes if rule.code.startswith(c)))
            elif suppression.kind == "nosec" and (
                not suppression.codes or any(_BANDIT_CWE.get(c) == rule.cwe for c in suppression.codes)
            ):
                match = (suppression, "")
            if match:
                break
        if match:
            suppressed += 1
            used.add((location.path, match[0].line, match[1]))
        else:
            kept.append((rule, hit))
    unused = []
    for path, items in sorted(suppressions.items()):
        for suppression in items:
            if suppression.kind == "malformed":
                unused.append(Hit(Location(path, suppression.line), "suppression comment names no rule code: "
                                  "write `# secprofile: ignore[SP101] reason`", symbol=path))
            elif suppression.kind == "secprofile":
                for code in suppression.codes:
                    if (path, suppression.line, code) not in used and config.selects(code) and not code.startswith("SP001"):
                        unused.append(Hit(Location(path, suppression.line),
                                          f"unused suppression: no {code} finding on this line", symbol=path))
    return kept, suppressed, unused


def _strength(rule_hit: tuple[Rule, Hit]) -> tuple:
    rule, hit = rule_hit
    severity = (hit.severity or rule.severity).rank
    confidence = (hit.confidence or rule.confidence).rank
    return (-severity, -confidence, rule.code)


def _one_per_root_cause(pairs) -> list[tuple[Rule, Hit]]:
    """Two rules flagging the same weakness (CWE) on the same line see one root cause — a
    data-flow rule and a broader pattern rule on one ``eval`` call, say: keep the strongest."""
    best: dict[tuple, tuple[Rule, Hit]] = {}
    for pair in pairs:
        rule, hit = pair
        key = (hit.location.path, hit.location.line, hit.cwe or rule.cwe)
        if key not in best or _strength(pair) < _strength(best[key]):
            best[key] = pair
    return list(best.values())


def _normalised(line: str) -> str:
    return re.sub(r"\s+", " ", line.strip())


def _finish(root: Path, raw: list[tuple[Rule, Hit]]) -> tuple[Finding, ...]:
    lines: dict[str, list[str]] = {}

    def line_text(path: str, number: int) -> str:
        if path not in lines:
            try:
                file = root / path if root.is_dir() else root
                lines[path] = decode_text(file.read_bytes()).splitlines()
            except OSError:
                lines[path] = []
        text = lines[path]
        return text[number - 1] if 0 < number <= len(text) else ""

    unique: dict[tuple, tuple[Rule, Hit]] = {}
    for rule, hit in raw:  # one finding per rule, place and message
        unique.setdefault((rule.code, hit.location, hit.message), (rule, hit))
    ordered = sorted(_one_per_root_cause(unique.values()), key=lambda rh: (rh[1].location.path, rh[1].location.line,
                                                      rh[1].location.column, rh[0].code, rh[1].message))
    occurrences: dict[str, int] = {}
    findings = []
    for rule, hit in ordered:
        symbol = hit.symbol or ""
        snippet = line_text(hit.location.path, hit.location.line)
        key = "|".join((rule.code, hit.location.path, symbol, _normalised(snippet)))
        index = occurrences.get(key, 0)
        occurrences[key] = index + 1
        fingerprint = hashlib.sha256(f"{key}|{index}".encode()).hexdigest()[:20]
        findings.append(
            Finding(
                rule=rule,
                location=hit.location,
                message=hit.message,
                hint=hit.hint or rule.hint,
                severity=hit.severity or rule.severity,
                confidence=hit.confidence or rule.confidence,
                fingerprint=fingerprint,
                symbol=symbol,
                flow=hit.flow,
                snippet=snippet.rstrip(),
                cwe=hit.cwe or rule.cwe,
            )
        )
    return tuple(findings)


def analyze(root: Path, given: str, config: Config, contents: list[tuple[FoundFile, bytes]],
            digests: dict[str, str], skipped: list[Skipped], cache) -> ScanResult:
    """Everything after discovery: reuse cached per-file results, analyse the rest, link, run rules."""
    rules = tuple(r for r in all_rules() if config.selects(r.code, r.status))
    results: dict[str, FileResult] = {}
    todo: list[tuple[FoundFile, bytes]] = []
    for item, data in contents:
        cached = cache.get(item.relpath, digests[item.relpath]) if cache is not None else None
        if cached is not None:
            results[item.relpath] = cached
        else:
            todo.append((item, data))
    for result in _analyze_all(todo, config.jobs):
        results[result.relpath] = result
        if cache is not None:
            cache.put(result.relpath, digests[result.relpath], result)

    ordered = [results[r] for r in sorted(results)]
    for result in ordered:
        if result.skipped:
            skipped.append(Skipped(result.relpath, result.skipped))
        skipped.extend(Skipped(result.relpath, f"internal error: {e}") for e in result.errors)
    project = link(root, [r.facts for r in ordered if r.facts is not None], config)
    selected = {r.code: r for r in rules}
    raw: list[tuple[Rule, Hit]] = [
        (selected[code], hit) for result in ordered for code, hit in result.hits if code in selected
    ]
    raw.extend(_run_project_rules(project, rules, skipped))
    suppressions = {r.relpath: r.suppressions for r in ordered if r.suppressions}
    findings, suppressed, unused = _apply_suppressions(raw, suppressions, config)
    if "SP001" in selected:
        findings.extend((selected["SP001"], hit) for hit in unused)
    finished = _finish(root, findings)
    profile = build_profile(project, finished)
    project.release()
    python = [r for r in ordered if r.facts is not None and r.facts.kind == "python"]
    return ScanResult(
        root=given,
        findings=finished,
        profile=profile,
        skipped=tuple(sorted(set(skipped), key=lambda s: (s.path, s.reason))),
        files_scanned=len(python),
        lines_scanned=sum(r.facts.line_count for r in python if r.facts),
        suppressed=suppressed,
        rules=rules,
    )
