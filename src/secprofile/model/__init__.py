"""The model layer: facts about the application, no opinions and no findings."""

from secprofile.model.facts import FileFacts, extract_python, extract_requirements, extract_template
from secprofile.model.fastapi_app import App, AuthEvidence, FastAPIModel, Route
from secprofile.model.module import ClassFacts, FunctionFacts, Param, VariableFacts
from secprofile.model.project import Project, link
from secprofile.model.values import MISSING, FromEnv, Literal, Unknown, Value, effective

__all__ = [
    "App", "AuthEvidence", "ClassFacts", "FastAPIModel", "FileFacts", "FromEnv", "FunctionFacts", "Literal",
    "MISSING", "Param", "Project", "Route", "Unknown", "Value", "VariableFacts", "effective",
    "extract_python", "extract_requirements", "extract_template", "link",
]
