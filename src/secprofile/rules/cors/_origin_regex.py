"""Judging a CORS origin regex by trying attacker origins on it (for SP833; not a rule module).

A regex is not judged by its spelling. Instead:

1. the intended hosts are read from the regex itself: the host names spelled in its literal
   parts (``example.com`` in ``https://([a-z0-9-]+\\.)?example\\.com``) and the hosts of a few
   origins generated from the regex and confirmed to match it (``https://a.example.com``);
2. origins an attacker can own are built from them: an unrelated site, a look-alike domain
   (``https://evilexample.com``), the intended host followed by the attacker's domain
   (``https://example.com.evil.example``), the host with a literal dot replaced by another
   character (``https://appxexample.com``), a site on a shared hosting domain the regex trusts
   (``https://attacker-app.vercel.app``), and plain ``http://`` for an https host;
3. each one is matched the way the library does it: Starlette's ``CORSMiddleware`` uses
   ``fullmatch``, django-cors-headers ``re.match`` (anchored at the start only).

An origin counts as the attacker's only when its registrable domain is not one the regex
names (``evil.example.com`` is the site's own subdomain, never reported).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Callable, Iterator

try:  # Python 3.11+
    from re import _parser as _sre  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre  # type: ignore[no-redef]

FULLMATCH = "fullmatch"  # Starlette CORSMiddleware: allow_origin_regex.fullmatch(origin)
MATCH = "match"  # django-cors-headers: re.match(pattern, origin)

_MAX_PATTERN = 500  # longer patterns are not judged (bounded work per pattern)
_MAX_SAMPLES = 16
_MAX_REPEAT_SAMPLE = 8  # a{n} with a larger n is not expanded
_ATTACKER = "evil.example"  # a domain the attacker owns (RFC 2606 name, never a real site)
_UNRELATED = ("https://attacker.example", "http://attacker.example")
_HOST = re.compile(r"(?:[a-z0-9-]+\.)+[a-z0-9-]+|localhost", re.I)
_ORIGIN = re.compile(r"^(https?)://([a-z0-9.-]+)(:\d{1,5})?$")
_TOKEN = re.compile(r"[a-z0-9-]+", re.I)
_SWAPPED_TLD = "xyz"  # a top-level domain anyone can register names under
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")
# Domains where anyone can publish a site as a subdomain (public-suffix-list "private" entries
# that front-end previews are commonly deployed to).
SHARED_HOSTING = (
    "vercel.app", "now.sh", "netlify.app", "netlify.com", "herokuapp.com", "github.io", "gitlab.io",
    "pages.dev", "workers.dev", "onrender.com", "fly.dev", "railway.app", "up.railway.app",
    "azurewebsites.net", "azurestaticapps.net", "cloudfront.net", "web.app", "firebaseapp.com",
    "appspot.com", "amplifyapp.com", "run.app", "a.run.app", "ngrok.io", "ngrok-free.app", "ngrok.app",
    "ngrok.dev", "loca.lt", "trycloudflare.com", "surge.sh", "glitch.me", "repl.co", "replit.app",
    "replit.dev", "deno.dev", "netlify.live", "stackblitz.io", "codesandbox.io",
    "csb.app", "pythonanywhere.com", "streamlit.app", "s3.amazonaws.com", "blob.core.windows.net",
)
# Two-label public suffixes under which a registrable domain has three labels.
_TWO_LABEL_SUFFIXES = frozenset({
    "co.uk", "org.uk", "ac.uk", "gov.uk", "me.uk", "com.au", "net.au", "org.au", "co.nz", "co.jp",
    "ne.jp", "or.jp", "com.br", "com.cn", "com.mx", "co.in", "co.za", "com.tr", "co.kr", "com.sg",
    "com.hk", "com.tw", "com.ar", "co.il", "com.my", "co.id",
})
_REPEATS = tuple(op for op in (getattr(_sre, "MAX_REPEAT", None), getattr(_sre, "MIN_REPEAT", None),
                               getattr(_sre, "POSSESSIVE_REPEAT", None)) if op is not None)
_CLASS_CHARS = "a0-.bz19_"


@dataclass(frozen=True)
class Weakness:
    """An attacker origin the regex accepts, and why."""

    origin: str
    kind: str  # any, shared, prefix, tld, suffix, dot, http
    reason: str

    @property
    def downgrade_only(self) -> bool:
        """Only a network attacker can use it (plain http for an https host)."""
        return self.kind == "http"


def compiled(pattern: object, flags: int = 0) -> re.Pattern[str] | None:
    if not isinstance(pattern, str) or not pattern or len(pattern) > _MAX_PATTERN:
        return None
    try:
        return re.compile(pattern, flags)
    except (re.error, RecursionError, OverflowError, ValueError, TypeError):
        return None


def weakness(pattern: object, semantics: str, flags: int = 0) -> Weakness | None:
    """The first attacker origin ``pattern`` accepts under ``semantics``, or ``None``.

    ``None`` too for a pattern that does not compile or cannot be judged.
    """
    regex = compiled(pattern, flags)
    if regex is None:
        return None
    try:
        parsed = _sre.parse(regex.pattern, regex.flags)
    except Exception:  # the private parser differs across versions: judge nothing rather than guess
        return None
    accepts: Callable[[str], bool] = (lambda origin: regex.fullmatch(origin) is not None) if semantics == FULLMATCH \
        else (lambda origin: regex.match(origin) is not None)
    try:
        return _judge(parsed, accepts, semantics)
    except (RecursionError, re.error, ValueError, TypeError, IndexError):
        return None


def _judge(parsed, accepts: Callable[[str], bool], semantics: str) -> Weakness | None:
    runs: list[str] = []
    _runs(list(parsed), runs)
    literal_hosts = _literal_hosts(runs)
    tokens = {t.lower() for run in runs for t in _TOKEN.findall(run)}
    samples = [s for s in _samples(list(parsed)) if _ORIGIN.match(s) and _valid_host(_ORIGIN.match(s).group(2))
               and accepts(s)]
    sample_hosts = _unique(_ORIGIN.match(s).group(2) for s in samples)
    hosts = _unique([*literal_hosts, *sample_hosts])
    # The domains the regex names: those it spells, and those of its samples whose name it spells
    # (``example.org`` from ``example\.(com|org)``; not ``aexample.com`` from ``.*example\.com``).
    owned = _unique([d for d in (_registrable(h) for h in literal_hosts) if d] + [
        d for d in (_registrable(h) for h in sample_hosts) if d and d.split(".", 1)[0] in tokens])

    def attacker(host: str) -> bool:
        return not any(host == d or host.endswith("." + d) for d in owned)

    def accepted(hosts_to_try: list[str]) -> str | None:
        for host in hosts_to_try:
            for scheme in ("https", "http"):
                origin = f"{scheme}://{host}"
                if accepts(origin):
                    return origin
        return None

    for origin in _UNRELATED:
        if attacker("attacker.example") and accepts(origin):
            return Weakness(origin, "any", "an unrelated site")
    for suffix in _shared_suffixes(hosts):
        found = accepted([f"attacker-app.{suffix}", f"attackerapp.{suffix}"])
        if found:
            return Weakness(found, "shared", f"anyone can publish a site under the shared hosting domain {suffix}")
    for domain in owned:
        if not _alpha_tld(domain) or domain in SHARED_HOSTING:
            continue
        found = accepted([h for h in (f"evil{domain}", f"evil-{domain}", f"x{domain}") if attacker(h)])
        if found:
            return Weakness(found, "prefix", f"a look-alike domain: nothing requires a dot before {domain}")
        label = domain.rpartition(".")[0]
        swapped = f"{label}.{_SWAPPED_TLD}"
        if "." not in label and _SWAPPED_TLD not in tokens and attacker(swapped):
            found = accepted([swapped])
            if found:
                return Weakness(found, "tld", f"any top-level domain after {label}: anyone can register {swapped}")
    for host in hosts:
        candidate = f"{host}.{_ATTACKER}"
        found = accepted([candidate]) if attacker(candidate) else None
        if found:
            why = "django-cors-headers uses re.match, which anchors only the start, and the pattern has no `$`" \
                if semantics == MATCH else "a wildcard after the host lets any domain follow it"
            return Weakness(found, "suffix", f"{host} followed by another domain: {why}")
    for host in hosts:
        found = accepted([h for h in _dot_swaps(host) if attacker(h)])
        if found:
            return Weakness(found, "dot", "a '.' left unescaped in the host matches any character")
    for sample in samples:
        match = _ORIGIN.match(sample)
        host, port = (match.group(2), match.group(3) or "") if match else ("", "")
        if not host or _loopback(host):
            continue
        secure, plain = f"https://{host}{port}", f"http://{host}{port}"
        if accepts(secure) and accepts(plain):
            return Weakness(plain, "http", f"plain http besides {secure}: anyone on the network path can answer "
                                           "for that origin")
    return None


# -- the intended hosts -----------------------------------------------------------------------


def _literal_hosts(runs: list[str]) -> list[str]:
    """Host names spelled in the regex's literal runs (an unescaped ``.`` counts as a dot)."""
    found = []
    for run in runs:
        for match in _HOST.finditer(run):
            host = match.group(0).strip(".-").lower()
            if ("." in host or host == "localhost") and _valid_host(host):
                found.append(host)
    return _unique(found)


def _runs(seq, out: list[str], depth: int = 0) -> None:
    if depth > 50:
        return
    current: list[str] = []
    for op, av in seq:
        if op is _sre.LITERAL:
            current.append(chr(av))
            continue
        if op is _sre.ANY:
            current.append(".")
            continue
        if current:
            out.append("".join(current))
            current = []
        for child in _children(op, av):
            _runs(child, out, depth + 1)
    if current:
        out.append("".join(current))


def _children(op, av) -> list[list]:
    if op is _sre.SUBPATTERN:
        return [list(av[-1])]
    if op is _sre.BRANCH:
        return [list(alternative) for alternative in av[1]]
    if op in _REPEATS:
        return [list(av[2])]
    if op is getattr(_sre, "ATOMIC_GROUP", None):
        return [list(av)]
    return []


def _samples(seq, depth: int = 0) -> list[str]:
    """A few strings the sequence can match (best effort: callers confirm each by matching)."""
    results = [""]
    for op, av in seq:
        options = _item_samples(op, av, depth)
        if not options:
            return []
        results = [r + o for r in results for o in options][:_MAX_SAMPLES]
    return results


def _item_samples(op, av, depth: int, repeated: bool = False) -> list[str]:
    if depth > 50:
        return []
    if op is _sre.LITERAL:
        return [chr(av)]
    if op is _sre.NOT_LITERAL:
        return ["a" if av != ord("a") else "b"]
    if op is _sre.ANY:
        return ["a"] if repeated else [".", "a"]
    if op is _sre.IN:
        char = _class_char(av)
        return [char] if char else []
    if op is _sre.BRANCH:
        found: list[str] = []
        for alternative in av[1]:
            found.extend(_samples(list(alternative), depth + 1))
        return _unique(found)[:_MAX_SAMPLES]
    if op is _sre.SUBPATTERN:
        return _samples(list(av[-1]), depth + 1)
    if op is getattr(_sre, "ATOMIC_GROUP", None):
        return _samples(list(av), depth + 1)
    if op in _REPEATS:
        low, high, body = av
        body = list(body)
        if len(body) == 1:
            inner = _item_samples(body[0][0], body[0][1], depth + 1, repeated=True)
        else:
            inner = _samples(body, depth + 1)
        if low == 0:
            return ["", *inner][:_MAX_SAMPLES] if high != 0 else [""]
        if low > _MAX_REPEAT_SAMPLE:
            return []
        return [s * low for s in inner]
    if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT, _sre.GROUPREF, getattr(_sre, "GROUPREF_EXISTS", None)):
        return [""]
    return []


def _class_char(items) -> str | None:
    negate = bool(items) and items[0][0] is _sre.NEGATE
    for char in _CLASS_CHARS:
        if _in_class(items, char) != negate:
            return char
    if not negate:
        for op, av in items:
            if op is _sre.LITERAL:
                return chr(av)
            if op is _sre.RANGE:
                return chr(av[0])
    return None


def _in_class(items, char: str) -> bool:
    code = ord(char)
    for op, av in items:
        if op is _sre.LITERAL and av == code:
            return True
        if op is _sre.RANGE and av[0] <= code <= av[1]:
            return True
        if op is _sre.CATEGORY:
            name = str(av)
            word = char.isalnum() or char == "_"
            if (name == "CATEGORY_DIGIT" and char.isdigit()) or (name == "CATEGORY_NOT_DIGIT" and not char.isdigit()) \
                    or (name == "CATEGORY_WORD" and word) or (name == "CATEGORY_NOT_WORD" and not word) \
                    or (name == "CATEGORY_NOT_SPACE" and not char.isspace()):
                return True
    return False


# -- domains ----------------------------------------------------------------------------------


def _valid_host(host: str) -> bool:
    labels = host.split(".")
    return 0 < len(host) <= 100 and all(_LABEL.match(label) for label in labels)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _loopback(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost") or _is_ip(host) or "." not in host


def _alpha_tld(host: str) -> bool:
    return "." in host and host.rsplit(".", 1)[-1].isalpha()


def _registrable(host: str) -> str | None:
    """The domain someone registers to own ``host``; ``None`` for a public suffix itself."""
    if "." not in host or _is_ip(host) or not _alpha_tld(host):
        return host
    for suffix in (*SHARED_HOSTING, *_TWO_LABEL_SUFFIXES):
        if host == suffix:
            return None
        if host.endswith("." + suffix):
            label = host[: -len(suffix) - 1].rsplit(".", 1)[-1]
            return f"{label}.{suffix}"
    return ".".join(host.split(".")[-2:])


def _shared_suffixes(hosts: list[str]) -> Iterator[str]:
    seen = set()
    for host in hosts:
        for suffix in sorted(SHARED_HOSTING, key=len, reverse=True):
            if (host == suffix or host.endswith("." + suffix)) and suffix not in seen:
                seen.add(suffix)
                yield suffix
                break


def _dot_swaps(host: str) -> list[str]:
    """The host with one of its dots (not the last: the TLD must stay) replaced."""
    positions = [i for i, char in enumerate(host) if char == "."][:-1]
    return [host[:i] + swap + host[i + 1:] for i in positions for swap in ("x", "-")]


def _unique(items) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        seen.setdefault(item, None)
    return list(seen)
