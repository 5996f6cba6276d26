"""Orchestration: discovery, content digests and the two caches (per-file results, finished result).

The analysis itself (per-file facts in worker processes → link → rules → suppressions) lives in
``_analysis.py`` and is imported only when the cache cannot answer.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sys
import tempfile
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from secprofile import __version__
from secprofile.config import Config
from secprofile.findings import Finding, ScanResult
from secprofile.rules.base import Confidence, Severity, rules_in_modules
from secprofile.source.discovery import FoundFile, Skipped, discover

if TYPE_CHECKING:
    from secprofile._analysis import FileResult

_CACHE_FORMAT = 2
# Per-file results are spread over this many files so that a run that re-analyses a few
# files rewrites only their shards (Django's source: 5 MB of facts, 0.1 s to pickle in full).
_SHARDS = 16


class ScanError(Exception):
    """A scan that cannot start (missing path); the message is for the user."""


class _Cache:
    """Per scanned root: per-file results by content digest, plus the last finished result.

    The finished result is keyed by every file's digest and the configuration, so an
    unchanged tree is answered without loading (or linking) any facts.
    """

    def __init__(self, directory: Path | None):
        stem = f"v{_CACHE_FORMAT}-{__version__}-{_code_fingerprint()}"
        self.shard_paths = [directory / f"facts-{stem}-{i:02d}.pickle" for i in range(_SHARDS)] if directory else []
        self.result_path = directory / f"result-{stem}.pickle" if directory else None
        self._shards: list[dict[str, tuple[str, FileResult]]] | None = None
        self.dirty: set[int] = set()

    @property
    def shards(self) -> list[dict[str, tuple[str, FileResult]]]:
        if self._shards is None:
            loaded = [_load(path) for path in self.shard_paths] or [{} for _ in range(_SHARDS)]
            self._shards = [shard if isinstance(shard, dict) else {} for shard in loaded]
        return self._shards

    @staticmethod
    def _shard_of(relpath: str) -> int:
        return hashlib.blake2b(relpath.encode("utf-8", "surrogateescape"), digest_size=2).digest()[0] % _SHARDS

    def get(self, relpath: str, digest: str) -> FileResult | None:
        entry = self.shards[self._shard_of(relpath)].get(relpath)
        return entry[1] if entry and entry[0] == digest else None

    def put(self, relpath: str, digest: str, result: FileResult) -> None:
        index = self._shard_of(relpath)
        self.shards[index][relpath] = (digest, result)
        self.dirty.add(index)

    def finished(self, key: str):
        stored = _load(self.result_path)
        return stored[1] if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == key else None

    def save(self, keep: set[str], key: str, finished) -> None:
        if not self.result_path:
            return
        for index, shard in enumerate(self.shards):
            stale = set(shard) - keep
            for relpath in stale:
                del shard[relpath]
            if stale or index in self.dirty:
                _dump(self.shard_paths[index], shard)
        _dump(self.result_path, (key, finished))
        current = {*self.shard_paths, self.result_path}
        for old in self.result_path.parent.glob("*-v*.pickle"):
            if old not in current:
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
    """A picklable form of a result: findings keep their rule by code and module (rules hold
    functions); thawing imports only the modules of the rules that have findings."""
    modules = tuple(sorted({(f.rule.code, f.rule.module) for f in result.findings}))
    findings = tuple(
        (f.rule.code, f.location, f.message, f.hint, f.severity.value, f.confidence.value, f.fingerprint, f.symbol,
         f.flow, f.snippet, f.cwe)
        for f in result.findings
    )
    return (modules, findings, result.profile, result.skipped, result.files_scanned, result.lines_scanned,
            result.suppressed)


def _thaw(root: str, frozen: tuple) -> ScanResult | None:
    modules, findings, profile, skipped, files, lines, suppressed = frozen
    by_code = rules_in_modules(modules)
    try:
        rebuilt = tuple(
            Finding(by_code[code], location, message, hint, Severity(severity), Confidence(confidence), fingerprint,
                    symbol, flow, snippet, cwe)
            for code, location, message, hint, severity, confidence, fingerprint, symbol, flow, snippet, cwe in findings
        )
    except KeyError:
        return None
    rules = tuple(sorted({f.rule for f in rebuilt}, key=lambda r: r.code))
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


def scan(path: str | Path, config: Config | None = None) -> ScanResult:
    """Scan a project directory (or one file) and return the finished, sorted result.

    An unchanged tree is answered from the cache without importing the analysis
    pipeline or linking anything: that is most of a warm run's speed.
    """
    # A scan allocates millions of small acyclic objects (syntax trees, facts, the cache
    # being unpickled) that reference counting frees; the cyclic collector would only keep
    # rescanning them (unpickling the facts of Django's source: 0.41-0.63 s with it, 0.15 s
    # without). Paused for the scan, restored after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _scan(path, config or Config())
    finally:
        if collecting:
            gc.enable()


def _scan(path: str | Path, config: Config) -> ScanResult:
    root = Path(path)
    if not root.exists():
        raise ScanError(f"path does not exist: {path}")
    found, skipped = discover(root, config.exclude)
    skipped = list(skipped)
    cache = _Cache((config.cache_dir or (root if root.is_dir() else root.parent) / ".secprofile_cache")
                   if config.cache else None)
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
        thawed = _thaw(str(path), frozen) if frozen is not None else None
        if thawed is not None:
            return thawed
    from secprofile._analysis import analyze

    result = analyze(root, str(path), config, contents, digests, skipped, cache if config.cache else None)
    if config.cache:
        cache.save(set(digests), key, _freeze(result))
    return result
