"""Orchestration only: files → per-file facts (parallel, cached) → link → rules → suppressions → result."""

from __future__ import annotations

import ast
import hashlib
import multiprocessing
import os
import pickle
import re
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Sequence

from secprofile import __version__
from secprofile.config import Config
from secprofile.findings import Finding, ScanResult
from secprofile.flow import summarize_flow
from secprofile.model.facts import FileFacts, extract_python, extract_requirements, extract_template
from secprofile.model.project import Project, link
from secprofile.profile import build_profile
from secprofile.rules.base import Confidence, FileContext, Hit, Rule, Severity, all_rules
from secprofile.source.discovery import FoundFile, Skipped, discover
from secprofile.source.location import Location
from secprofile.source.names import module_name_for
from secprofile.source.parsing import Unreadable, decode_source, decode_text, parse_source
from secprofile.source.suppressions import Suppression, find_suppressions

_CACHE_FORMAT = 1
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


class ScanError(Exception):
    """A scan that cannot start (missing path); the message is for the user."""


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
                    hits.extend((rule.code, hit) for hit in rule.check(node, context))
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


class _Cache:
    """Per scanned root: per-file results by content digest, plus the last finished result.

    The finished result is keyed by every file's digest and the configuration, so an
    unchanged tree is answered without loading (or linking) any facts.
    """

    def __init__(self, directory: Path | None):
        stem = f"v{_CACHE_FORMAT}-{__version__}-{_code_fingerprint()}"
        self.facts_path = directory / f"facts-{stem}.pickle" if directory else None
        self.result_path = directory / f"result-{stem}.pickle" if directory else None
        self._entries: dict[str, tuple[str, FileResult]] | None = None
        self.dirty = False

    @property
    def entries(self) -> dict[str, tuple[str, FileResult]]:
        if self._entries is None:
            self._entries = _load(self.facts_path) or {}
        return self._entries

    def get(self, relpath: str, digest: str) -> FileResult | None:
        entry = self.entries.get(relpath)
        return entry[1] if entry and entry[0] == digest else None

    def put(self, relpath: str, digest: str, result: FileResult) -> None:
        self.entries[relpath] = (digest, result)
        self.dirty = True

    def finished(self, key: str):
        stored = _load(self.result_path)
        return stored[1] if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key else None

    def save(self, keep: set[str], key: str, finished) -> None:
        if not self.facts_path:
            return
        stale = set(self.entries) - keep
        for relpath in stale:
            del self.entries[relpath]
        if self.dirty or stale:
            _dump(self.facts_path, self.entries)
        _dump(self.result_path, (key, finished))
        for old in self.facts_path.parent.glob("*-v*.pickle"):
            if old not in (self.facts_path, self.result_path):
                try:
                    old.unlink()  # left by another secprofile version
                except OSError:
                    pass


def _load(path: Path | None):
    if path is None or not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except Exception:  # a corrupt or foreign cache is rebuilt, never trusted
        return None


def _dump(path: Path, value) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        gitignore = path.parent / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("# created by secprofile\n*\n")
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only tree still scans; it just is not cached


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Changes whenever secprofile's own code does (an edited rule must not hit a stale cache)."""
    package = Path(__file__).parent
    hasher = hashlib.blake2b(digest_size=6)
    hasher.update(f"py{sys.version_info[0]}.{sys.version_info[1]}".encode())
    for source in sorted(package.rglob("*.py")):
        stat = source.stat()
        hasher.update(f"{source.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return hasher.hexdigest()


def _tree_key(config: Config, digests: dict[str, str], skipped: list[Skipped]) -> str:
    """Identifies one scan's inputs: every file's content, the configuration, the version."""
    settings = replace(config, cache=True, cache_dir=None, jobs=0, fail_on="low", source="")
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(f"{__version__}|{settings!r}".encode())
    for relpath in sorted(digests):
        hasher.update(f"|{relpath}={digests[relpath]}".encode())
    for entry in skipped:
        hasher.update(f"|skip:{entry.path}:{entry.reason}".encode())
    return hasher.hexdigest()


def _freeze(result: ScanResult) -> tuple:
    """A picklable form of a result: findings keep their rule by code (rules hold functions)."""
    findings = tuple(
        (f.rule.code, f.location, f.message, f.hint, f.severity.value, f.confidence.value, f.fingerprint, f.symbol,
         f.flow, f.snippet, f.cwe)
        for f in result.findings
    )
    return (findings, result.profile, result.skipped, result.files_scanned, result.lines_scanned, result.suppressed)


def _thaw(root: str, frozen: tuple, rules: tuple[Rule, ...]) -> ScanResult | None:
    by_code = {r.code: r for r in all_rules()}
    findings, profile, skipped, files, lines, suppressed = frozen
    try:
        rebuilt = tuple(
            Finding(by_code[code], location, message, hint, Severity(severity), Confidence(confidence), fingerprint,
                    symbol, flow, snippet, cwe)
            for code, location, message, hint, severity, confidence, fingerprint, symbol, flow, snippet, cwe in findings
        )
    except KeyError:
        return None
    return ScanResult(root, rebuilt, profile, skipped, files, lines, suppressed, rules)


def _read(found: FoundFile, max_bytes: int) -> tuple[bytes | None, str | None]:
    try:
        size = found.path.stat().st_size
        if size > max_bytes:
            return None, f"larger than {max_bytes // 1024} KiB ({size // 1024} KiB); raise max-file-size to include it"
        return found.path.read_bytes(), None
    except PermissionError:
        return None, "permission denied"
    except OSError as error:
        return None, f"cannot read: {error.strerror or error}"


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


def scan(path: str | Path, config: Config | None = None) -> ScanResult:
    """Scan a project directory (or one file) and return the finished, sorted result."""
    config = config or Config()
    root = Path(path)
    if not root.exists():
        raise ScanError(f"path does not exist: {path}")
    found, skipped = discover(root, config.exclude)
    skipped = list(skipped)
    cache = _Cache((config.cache_dir or (root if root.is_dir() else root.parent) / ".secprofile_cache")
                   if config.cache else None)
    rules = tuple(r for r in all_rules() if config.selects(r.code, r.status))
    contents: list[tuple[FoundFile, bytes]] = []
    digests: dict[str, str] = {}
    for item in found:
        data, reason = _read(item, config.max_file_bytes)
        if data is None:
            skipped.append(Skipped(item.relpath, reason or "unreadable"))
            continue
        digests[item.relpath] = hashlib.blake2b(data, digest_size=16).hexdigest()
        contents.append((item, data))
    key = _tree_key(config, digests, skipped)
    if config.cache:
        frozen = cache.finished(key)
        if frozen is not None:
            thawed = _thaw(str(path), frozen, rules)
            if thawed is not None:
                return thawed

    results: dict[str, FileResult] = {}
    todo: list[tuple[FoundFile, bytes]] = []
    for item, data in contents:
        cached = cache.get(item.relpath, digests[item.relpath]) if config.cache else None
        if cached is not None:
            results[item.relpath] = cached
        else:
            todo.append((item, data))
    for result in _analyze_all(todo, config.jobs):
        results[result.relpath] = result
        if config.cache:
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
    python = [r for r in ordered if r.facts is not None and r.facts.kind == "python"]
    result = ScanResult(
        root=str(path),
        findings=finished,
        profile=profile,
        skipped=tuple(sorted(set(skipped), key=lambda s: (s.path, s.reason))),
        files_scanned=len(python),
        lines_scanned=sum(r.facts.line_count for r in python if r.facts),
        suppressed=suppressed,
        rules=rules,
    )
    if config.cache:
        cache.save(set(digests), key, _freeze(result))
    return result


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
    ordered = sorted(unique.values(), key=lambda rh: (rh[1].location.path, rh[1].location.line,
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
