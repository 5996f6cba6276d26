import re
import subprocess

HOSTNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$")


def ping(host):
    """Quick reachability check used by the staff diagnostics page."""
    result = subprocess.run(f"ping -c 3 -W 2 {host}", shell=True, capture_output=True, text=True, timeout=20)
    return result.stdout or result.stderr


def dns_lookup(host):
    if not HOSTNAME_RE.match(host):
        raise ValueError("invalid hostname")
    result = subprocess.run(["nslookup", host], capture_output=True, text=True, timeout=10)
    return result.stdout
