"""Which privileged model fields a ModelForm or ModelSerializer lets clients write (private helper)."""

from __future__ import annotations

from dataclasses import dataclass

from secprofile.model.project import Project
from secprofile.model.values import Literal
from secprofile.rules.django_views._views import AUTH_USER_FIELDS, PRIVILEGED_FIELDS
from secprofile.source.location import Location

READ_ONLY_FIELD_CLASSES = frozenset({"ReadOnlyField", "SerializerMethodField", "HiddenField", "StringRelatedField",
                                     "HyperlinkedIdentityField", "CurrentUserDefault"})
BUILTIN_USER = ("django.contrib.auth.models.User", "django.contrib.auth.models.AbstractUser")


@dataclass(frozen=True)
class Exposure:
    cls: str
    model: str
    how: str  # 'fields = "__all__"' or 'exclude = [...]'
    fields: tuple[str, ...]  # privileged fields left writable
    location: Location


def mro(project: Project, qualname: str) -> tuple[str, ...]:
    return project.ancestors(qualname)


def subclasses(project: Project, tails: tuple[str, ...], prefixes: tuple[str, ...]):
    for qualname in sorted(project.classes):
        if qualname.endswith(".Meta"):
            continue
        chain = mro(project, qualname)
        if any(n.rsplit(".", 1)[-1] in tails and n.startswith(prefixes) for n in chain[1:]):
            yield qualname, chain


def _meta(project: Project, chain: tuple[str, ...]):
    for name in chain:
        meta = project.classes.get(f"{name}.Meta")
        if meta is not None:
            return name, meta
    return None, None


def _strings(value) -> tuple[str, ...] | None:
    if isinstance(value, Literal) and isinstance(value.value, (list, tuple, set)):
        return tuple(str(v) for v in value.value)
    return None


def model_fields(project: Project, model: str) -> tuple[dict[str, dict], set[str]]:
    """(field name → options) of a model, and the owner fields; builtin User fields included."""
    info = project.django.model(model) if project.django else None
    fields: dict[str, dict] = {}
    owners: set[str] = set()
    if info is not None:
        for item in info.fields:
            fields[item.name] = dict(item.options)
        owners.update(info.owner_fields)
        for base in mro(project, model):
            tail = base.rsplit(".", 1)[-1]
            if base.startswith("django.contrib.auth") and tail in AUTH_USER_FIELDS:
                for name in AUTH_USER_FIELDS[tail]:
                    fields.setdefault(name, {})
    elif model in BUILTIN_USER or model.endswith("get_user_model()"):
        for name in AUTH_USER_FIELDS["User"]:
            fields[name] = {}
    return fields, owners


def exposure(project: Project, qualname: str, chain: tuple[str, ...], serializer: bool) -> Exposure | None:
    owner, meta = _meta(project, chain)
    if meta is None:
        return None
    model_value = meta.attribute("model")
    if not (isinstance(model_value, Literal) and isinstance(model_value.value, str)):
        return None
    model = project.names.canonical(model_value.value) or model_value.value
    fields_value = meta.attribute("fields")
    exclude = _strings(meta.attribute("exclude"))
    if isinstance(fields_value, Literal) and fields_value.value == "__all__":
        how, attribute = 'fields = "__all__"', "fields"
        excluded: set[str] = set()
    elif exclude is not None and fields_value is None:
        how, attribute = f"exclude = {list(exclude)!r}", "exclude"
        excluded = set(exclude)
    else:
        return None
    fields, owners = model_fields(project, model)
    if not fields:
        return None
    privileged = []
    for name, options in fields.items():
        if name not in PRIVILEGED_FIELDS and name not in owners:
            continue
        if options.get("editable") is False or options.get("auto_now") or options.get("auto_now_add") \
                or options.get("primary_key"):
            continue
        privileged.append(name)
    protected = set(excluded)
    if serializer:
        protected.update(_strings(meta.attribute("read_only_fields")) or ())
        extra = meta.attribute("extra_kwargs")
        if isinstance(extra, Literal) and isinstance(extra.value, dict):
            for name, options in extra.value.items():
                if isinstance(options, dict) and (options.get("read_only") is True):
                    protected.add(str(name))
    for name in chain:
        decl = _decl(project, name)
        for item in decl.fields if decl else ():
            tail = item.callee.rsplit(".", 1)[-1]
            if item.option("read_only") is True or item.option("disabled") is True or tail in READ_ONLY_FIELD_CLASSES:
                protected.add(item.name)
    exposed = tuple(sorted(n for n in privileged if n not in protected))
    if not exposed:
        return None
    meta_decl = _decl(project, f"{owner}.Meta")
    location = (meta_decl.where(attribute) if meta_decl else None) or meta.location
    return Exposure(qualname, model, how, exposed, location)


def _decl(project: Project, qualname: str):
    facts = project.file_of(qualname)
    if facts is None or not facts.django:
        return None
    for decl in facts.django.classes:
        if decl.qualname == qualname:
            return decl
    return None


def referencing_classes(project: Project, qualname: str, attribute: str) -> list[str]:
    found = []
    for name, cls in project.classes.items():
        value = cls.attribute(attribute)
        if isinstance(value, Literal) and isinstance(value.value, str) and \
                (project.names.canonical(value.value) or value.value) == qualname:
            found.append(name)
    return found


def called_by_functions(project: Project, qualname: str) -> bool:
    for function in project.functions.values():
        for call in function.calls:
            if (project.names.canonical(call) or call) == qualname:
                return True
    return False
