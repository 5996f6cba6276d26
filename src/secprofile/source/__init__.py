"""The source layer: files, decoding, parsing and names. Knows Python, nothing of frameworks."""

from secprofile.source.discovery import FoundFile, Skipped, discover
from secprofile.source.location import Location
from secprofile.source.names import ModuleNames, ProjectNames, dotted, iter_module_level, module_name_for
from secprofile.source.parsing import Unreadable, decode_source, decode_text, parse_source

__all__ = [
    "FoundFile",
    "Location",
    "ModuleNames",
    "ProjectNames",
    "Skipped",
    "Unreadable",
    "decode_source",
    "decode_text",
    "discover",
    "dotted",
    "iter_module_level",
    "module_name_for",
    "parse_source",
]
