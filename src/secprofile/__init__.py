"""secprofile: static security profiles for FastAPI and Django backends.

    >>> from secprofile import scan
    >>> result = scan("path/to/project")          # doctest: +SKIP
    >>> [f.code for f in result.findings]          # doctest: +SKIP
"""

from secprofile._version import __version__
from secprofile.config import Config, ConfigError, load_config
from secprofile.engine import ScanError, scan
from secprofile.findings import ControlRow, Finding, Profile, ScanResult

__all__ = [
    "Config", "ConfigError", "ControlRow", "Finding", "Profile", "ScanError", "ScanResult", "__version__",
    "load_config", "scan",
]
