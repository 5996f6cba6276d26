"""CWE families used to match tool findings to labelled flaws.

A finding matches a label when it is on the label's lines (widened by one line
on each side) *and* one of the finding's CWEs is in the label's family: the set
of CWEs a reasonable tool could use for that class of flaw. The label's own
`cwe` always counts too.

Families are deliberately generous where a peer tool reports a broader or
neighbouring CWE for the same flaw (Bandit calls `eval` CWE-78, Semgrep calls a
JWT signature bypass CWE-287, ...): a too-narrow family would make the peers look
worse than they are. Where a tool's reported CWE is plainly off for one rule we
widen that rule's CWE list instead of widening a family (see the *_EXTRA /
*_OVERRIDES tables below), so that the family stays meaningful for everyone.

Findings whose CWEs fall in no family at all (asserts, try/except/pass, random,
temp files, XXE, ...) and import-only warnings (Bandit B4xx, Ruff S4xx: "you
imported pickle/subprocess") are "unclassified": reported as a count, never as
false positives. That too favours the peers.

This module has no dependency on secprofile; the tables for Bandit and Ruff are
written by hand from their sources (bandit 1.9.4, ruff 0.17.6) and the Semgrep
table is read from the rule files themselves at run time.
"""

from __future__ import annotations

from collections.abc import Iterable

# The classes of bench/accuracy/LABELS.md, in its order (also the report order).
CLASSES: tuple[str, ...] = (
    "sql-injection",
    "xss",
    "command-injection",
    "code-injection",
    "path-traversal",
    "ssrf",
    "open-redirect",
    "insecure-deserialization",
    "csrf",
    "missing-authentication",
    "broken-authentication",
    "missing-authorization",
    "mass-assignment",
    "hardcoded-secret",
    "weak-password-storage",
    "jwt-verification",
    "cors-misconfiguration",
    "debug-exposure",
    "api-docs-exposure",
    "sensitive-data-exposure",
    "race-condition",
    "clickjacking",
    "insecure-configuration",
    "insecure-cookie-session",
)

FAMILIES: dict[str, frozenset[int]] = {
    # 564 SQL injection via ORM/HQL, 943 data-query (NoSQL) injection.
    "sql-injection": frozenset({89, 564, 943}),
    # 80 basic XSS (Bandit B702/B703), 83/87 attribute/alternate XSS,
    # 116 improper output encoding (Semgrep's jinja2 autoescape rules).
    "xss": frozenset({79, 80, 83, 87, 116}),
    # 77 command injection, 88 argument injection, 155 wildcards (B609, S609,
    # Semgrep system-wildcard-detected).
    "command-injection": frozenset({77, 78, 88, 155}),
    # 94 code injection, 95 eval injection, 96 static code injection (Semgrep
    # globals()/locals() as template context).
    "code-injection": frozenset({94, 95, 96}),
    # 23 relative, 35/36 absolute path traversal, 73 external control of a path.
    "path-traversal": frozenset({22, 23, 35, 36, 73}),
    "ssrf": frozenset({918}),
    "open-redirect": frozenset({601}),
    # CWE-20 (Bandit's number for yaml.load) is far too generic for a family:
    # B506 gets 502 added per rule instead (BANDIT_EXTRA_CWES).
    "insecure-deserialization": frozenset({502}),
    "csrf": frozenset({352}),
    # 287 generic improper authentication, 862 missing authorization: a tool
    # may describe an unauthenticated endpoint either way.
    "missing-authentication": frozenset({306, 287, 862}),
    # 290 spoofable header trust, 203/208 observable (timing) discrepancy,
    # 303 incorrect auth algorithm, 307 no brute-force limit, 384 session
    # fixation, 521 weak password requirements (Semgrep's Django password
    # rules), 613 no session expiry, 1390/1391 weak authentication/credentials.
    "broken-authentication": frozenset({287, 290, 203, 208, 303, 307, 384, 521, 613, 1390, 1391}),
    # 639 IDOR, 862/863 missing/incorrect authorization, 284/285 generic access
    # control, 425 forced browsing, 566 authorization bypass via SQL key.
    "missing-authorization": frozenset({284, 285, 425, 566, 639, 862, 863}),
    "mass-assignment": frozenset({915}),
    # 259 hard-coded password (Bandit B105-B107), 321 hard-coded crypto key,
    # 547 hard-coded security-relevant constant.
    "hardcoded-secret": frozenset({259, 321, 547, 798}),
    # 327/328 broken or weak hash (what Bandit/Ruff/Semgrep report for md5/sha1),
    # 256/257/261 plaintext/recoverable/weakly-encoded password, 759/760 no or
    # predictable salt, 916 too little computational effort.
    "weak-password-storage": frozenset({256, 257, 261, 327, 328, 759, 760, 916}),
    # 347 signature not verified, 345 insufficient authenticity check, 757
    # algorithm downgrade ("none"), 327 (Semgrep's jwt-none-alg), 287 (Semgrep's
    # unverified-jwt-decode), 613 (expiry not verified).
    "jwt-verification": frozenset({287, 327, 345, 347, 613, 757}),
    # 346 origin validation error, 183 permissive allowlist.
    "cors-misconfiguration": frozenset({183, 346, 942}),
    # 489 active debug code, 215 debug info, 209 error details to the client,
    # 11 debug binary, 1295 debug messages, 497 system info, 200 generic
    # exposure, 605 bind to all interfaces (Bandit B104 / Ruff S104 on a
    # `uvicorn.run(host="0.0.0.0", reload=True)`-style dev server).
    "debug-exposure": frozenset({11, 200, 209, 215, 489, 497, 605, 1295}),
    # 1188 insecure default (docs on by default).
    "api-docs-exposure": frozenset({200, 497, 1188}),
    # 201/212/213 information exposure via sent data, 312 cleartext storage,
    # 359 private personal information, 522 insufficiently protected
    # credentials (Semgrep's JWT exposed-credentials rules), 532 secrets in
    # logs, 538 sensitive info in files.
    "sensitive-data-exposure": frozenset({200, 201, 212, 213, 312, 359, 497, 522, 532, 538}),
    # 364 signal handler, 366 race within a thread, 367 TOCTOU, 820/821
    # missing/incorrect synchronization.
    "race-condition": frozenset({362, 364, 366, 367, 820, 821}),
    "clickjacking": frozenset({1021}),
    # 614 cookie without Secure, 1004 without HttpOnly, 1275 SameSite, 319
    # cleartext (no HSTS / SSL redirect), 311 missing encryption, 523
    # unprotected credential transport, 295 certificate validation disabled,
    # 693 protection mechanism failure, 16 configuration, 1188 insecure
    # default, 605 bind to all interfaces.
    # 183: a permissive allow-list setting (ALLOWED_HOSTS = ["*"]).
    "insecure-configuration": frozenset({16, 183, 295, 311, 319, 523, 605, 614, 693, 1004, 1188, 1275}),
    # 565/784 trusting cookies, 315 cleartext in cookie, 539 persistent cookie
    # with sensitive data, 502 pickle session serializer, 384 session fixation,
    # 614/1004/1275 session cookie flags.
    "insecure-cookie-session": frozenset({315, 384, 502, 539, 565, 614, 784, 1004, 1275}),
}

# A finding that matches no vuln label is a false positive and is attributed to
# one class, so that per-class FP counts add up to the overall count. When the
# finding sits on a label whose family it fits, that label's class wins;
# otherwise its first CWE decides: the one class whose family holds it, or, for
# CWEs in several families, this table.
PRIMARY_CLASS: dict[int, str] = {
    200: "sensitive-data-exposure",
    287: "broken-authentication",
    327: "weak-password-storage",
    384: "broken-authentication",
    497: "debug-exposure",
    502: "insecure-deserialization",
    605: "insecure-configuration",
    183: "insecure-configuration",  # a permissive allow-list setting; CORS findings use 942
    613: "broken-authentication",
    614: "insecure-configuration",
    862: "missing-authorization",
    1004: "insecure-configuration",
    1188: "insecure-configuration",
    1275: "insecure-configuration",
}

# --------------------------------------------------------------------------
# Bandit (1.9.4). Bandit reports `issue_cwe.id` itself; this table is the
# fallback when it does not, and the static rule list behind the "covered"
# flag. Taken from bandit/plugins/*.py and bandit/blacklists/*.py.
BANDIT_RULE_CWES: dict[str, tuple[int, ...]] = {
    "B101": (703,), "B102": (78,), "B103": (732,), "B104": (605,),
    "B105": (259,), "B106": (259,), "B107": (259,), "B108": (377,),
    "B110": (703,), "B112": (703,), "B113": (400,),
    "B201": (94,), "B202": (22,),
    "B301": (502,), "B302": (502,), "B303": (327,), "B304": (327,),
    "B305": (327,), "B306": (377,), "B307": (78,), "B308": (79,),
    "B310": (22,), "B311": (330,), "B312": (319,), "B313": (20,),
    "B314": (20,), "B315": (20,), "B316": (20,), "B317": (20,),
    "B318": (20,), "B319": (20,), "B320": (20,), "B321": (319,),
    "B323": (295,), "B324": (327,),
    "B501": (295,), "B502": (327,), "B503": (327,), "B504": (327,),
    "B505": (326,), "B506": (20,), "B507": (295,), "B508": (319,),
    "B509": (319,),
    "B601": (78,), "B602": (78,), "B603": (78,), "B604": (78,),
    "B605": (78,), "B606": (78,), "B607": (78,), "B608": (89,),
    "B609": (155,), "B610": (89,), "B611": (89,), "B612": (94,),
    "B613": (838,), "B614": (502,), "B615": (494,),
    "B701": (94,), "B702": (80,), "B703": (80,), "B704": (79,),
}

# CWEs added to what Bandit reports, for rules whose reported CWE is off.
BANDIT_EXTRA_CWES: dict[str, tuple[int, ...]] = {
    "B102": (95,),   # exec(): Bandit says CWE-78 (OS command injection)
    "B307": (95,),   # eval(): likewise
    "B201": (489,),  # Flask debug=True: Bandit says CWE-94
    "B506": (502,),  # yaml.load: Bandit says CWE-20
    "B310": (918,),  # urlopen with a non-allowlisted scheme: Bandit says CWE-22
    "B701": (79,),   # Jinja2 autoescape=False: Bandit says CWE-94
}

# Rules that flag an import, not a use: informational, never a false positive.
BANDIT_IMPORT_ONLY: frozenset[str] = frozenset(
    {"B401", "B402", "B403", "B404", "B405", "B406", "B407", "B408", "B409",
     "B410", "B411", "B412", "B413", "B414", "B415"}
)

# --------------------------------------------------------------------------
# Ruff (0.17.6) reports no CWE at all: this table is ours. flake8-bandit codes
# follow Bandit's numbering (S608 = B608 ...) with the obviously-off CWEs
# corrected. DJ/FAST rules are style rules except DJ006/DJ007 (ModelForm
# `exclude` / `fields = "__all__"`: mass assignment). An empty tuple means
# "no security CWE" (unclassified).
RUFF_RULE_CWES: dict[str, tuple[int, ...]] = {
    "S101": (703,), "S102": (95,), "S103": (732,), "S104": (605,),
    "S105": (259, 798), "S106": (259, 798), "S107": (259, 798),
    "S108": (377,), "S110": (703,), "S112": (703,), "S113": (400,),
    "S201": (489, 94), "S202": (22,),
    "S301": (502,), "S302": (502,), "S303": (327, 328), "S304": (327,),
    "S305": (327,), "S306": (377,), "S307": (95,), "S308": (79,),
    "S310": (22, 918), "S311": (330,), "S312": (319,),
    "S313": (611, 20), "S314": (611, 20), "S315": (611, 20), "S316": (611, 20),
    "S317": (611, 20), "S318": (611, 20), "S319": (611, 20), "S320": (611, 20),
    "S321": (319,), "S323": (295,), "S324": (327, 328),
    "S501": (295,), "S502": (327,), "S503": (327,), "S504": (327,),
    "S505": (326,), "S506": (502, 20), "S507": (295,), "S508": (319,),
    "S509": (327,),
    "S601": (78,), "S602": (78,), "S603": (78,), "S604": (78,),
    "S605": (78,), "S606": (78,), "S607": (78,), "S608": (89,),
    "S609": (78, 155), "S610": (89,), "S611": (89,), "S612": (94,),
    "S701": (79, 94), "S702": (79, 80), "S704": (79,),
    "DJ001": (), "DJ003": (), "DJ006": (915,), "DJ007": (915,),
    "DJ008": (), "DJ012": (), "DJ013": (),
    "FAST001": (), "FAST002": (), "FAST003": (),
}

RUFF_IMPORT_ONLY: frozenset[str] = frozenset(
    {"S401", "S402", "S403", "S404", "S405", "S406", "S407", "S408", "S409",
     "S410", "S411", "S412", "S413", "S415"}
)

# --------------------------------------------------------------------------
# Semgrep: CWEs come from each rule's `metadata.cwe`. These replace them for
# rules whose metadata is wrong or too vague. Keys match the end of the
# normalised rule id ("python.<framework>.<...>.<rule-id>").
SEMGREP_CWE_OVERRIDES: dict[str, tuple[int, ...]] = {
    # A taint rule for SQL built from request data; its metadata says CWE-915.
    "django.security.injection.tainted-sql-string": (89,),
    # Bind to 0.0.0.0; metadata says CWE-200.
    "avoid-bind-to-all-interfaces": (605,),
    # jwt.decode(..., verify=False / verify_signature False); metadata: 287.
    "jwt.security.unverified-jwt-decode": (347, 287),
    # Accepting alg "none"; metadata: 327.
    "jwt.security.jwt-python-none-alg": (347, 757, 327),
    # Hard-coded JWT signing secret; metadata: 522.
    "jwt.security.jwt-python-hardcoded-secret": (798, 522),
    # urllib with a non-literal URL; metadata: 939.
    "dynamic-urllib-use-detected": (918, 939),
    # HTML e-mail bodies from user data; metadata: 74 (generic injection).
    "xss-html-email-body": (79, 74),
    "xss-send-mail-html-message": (79, 74),
}

# The label's own CWE always matches; these are the CWEs of all families.
ALL_FAMILY_CWES: frozenset[int] = frozenset().union(*FAMILIES.values())


def _uniq(cwes: Iterable[int]) -> tuple[int, ...]:
    seen: dict[int, None] = {}
    for c in cwes:
        seen.setdefault(int(c), None)
    return tuple(seen)


def finding_cwes(tool: str, rule: str, reported: Iterable[int]) -> tuple[tuple[int, ...], str]:
    """CWEs used for matching one finding, and its status.

    Status is "import-only" (never matched, never an FP) or "ok".
    """
    reported = tuple(reported)
    if tool == "bandit":
        if rule in BANDIT_IMPORT_ONLY:
            return (), "import-only"
        base = reported or BANDIT_RULE_CWES.get(rule, ())
        return _uniq(base + BANDIT_EXTRA_CWES.get(rule, ())), "ok"
    if tool == "ruff":
        if rule in RUFF_IMPORT_ONLY:
            return (), "import-only"
        return RUFF_RULE_CWES.get(rule, ()), "ok"
    if tool == "semgrep":
        return semgrep_cwes(rule, reported), "ok"
    return _uniq(reported), "ok"


def semgrep_cwes(rule_id: str, reported: Iterable[int]) -> tuple[int, ...]:
    for key, cwes in SEMGREP_CWE_OVERRIDES.items():
        if rule_id == key or rule_id.endswith("." + key):
            return cwes
    return _uniq(reported)


def classes_for(cwes: Iterable[int]) -> list[str]:
    """Every class whose family holds one of `cwes`, in CLASSES order."""
    s = set(cwes)
    return [c for c in CLASSES if FAMILIES[c] & s]


def primary_class(cwes: Iterable[int]) -> str | None:
    """The one class a classified finding is attributed to (None: unclassified)."""
    for cwe in cwes:
        if cwe in PRIMARY_CLASS:
            return PRIMARY_CLASS[cwe]
        owners = [c for c in CLASSES if cwe in FAMILIES[c]]
        if owners:
            return owners[0]
    return None


def matches(cwes: Iterable[int], label_class: str, label_cwe: int | None) -> bool:
    fam = FAMILIES.get(label_class, frozenset())
    return any(c in fam or c == label_cwe for c in cwes)


def self_check() -> list[str]:
    """Problems in these tables (an empty list when consistent)."""
    problems = []
    if set(FAMILIES) != set(CLASSES):
        problems.append(f"FAMILIES and CLASSES differ: {sorted(set(FAMILIES) ^ set(CLASSES))}")
    for cwe in sorted(ALL_FAMILY_CWES):
        owners = [c for c in CLASSES if cwe in FAMILIES[c]]
        if len(owners) > 1 and cwe not in PRIMARY_CLASS:
            problems.append(f"CWE-{cwe} is in {owners} but has no PRIMARY_CLASS")
    for cwe, cls in PRIMARY_CLASS.items():
        if cwe not in FAMILIES.get(cls, ()):
            problems.append(f"PRIMARY_CLASS[{cwe}] = {cls} but {cls}'s family lacks it")
    return problems


if __name__ == "__main__":  # print the families, e.g. for docs
    for p in self_check():
        print("PROBLEM:", p)
    for c in CLASSES:
        print(f"{c:26} {', '.join(str(x) for x in sorted(FAMILIES[c]))}")
