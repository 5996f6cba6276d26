from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Hit, Severity, Confidence, rule
from secprofile.rules.django_views._assignment import (
    called_by_functions, exposure, mro, referencing_classes, subclasses,
)
from secprofile.rules.django_views._views import short


@rule(
    code="SP810",
    slug="modelform-exposes-privileged-fields",
    title="ModelForm with fields = \"__all__\" or exclude exposes privileged fields",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=915,
    control="input-validation",
    kind="project",
    frameworks=("django",),
    hint="List the editable fields explicitly: `fields = [\"display_name\", \"bio\"]`.",
)
def modelform_exposes_privileged_fields(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags `ModelForm` classes (also through project base forms) whose `Meta` uses
    `fields = "__all__"` or `exclude = [...]` on a model that has privileged fields the form
    therefore accepts from the request: flags like `is_staff`, `is_superuser`, `is_admin`,
    `is_verified`, `role`, `groups`, money (`balance`, `credits`), and ownership (`owner`,
    `user`, `author`, any relation to the user model). Fields that are not editable
    (`editable=False`, `auto_now`), excluded, or redeclared on the form as `disabled=True` do not
    count. Forms used only by a `ModelAdmin` (staff already control everything) are skipped.

    ## Why is this bad?
    A form accepts every field it declares. With `"__all__"`, a user editing their profile can add
    `is_admin=on` or `user=<someone else's id>` to the POST and the form saves it: mass
    assignment, and a privilege escalation when the field grants rights. `exclude` fails the
    same way as soon as someone adds a field to the model.

    ## Example
    ```python
    # file: accounts/forms.py
    from django import forms
    from accounts.models import Profile

    class ProfileForm(forms.ModelForm):
        class Meta:
            model = Profile
            fields = "__all__"
    # file: accounts/models.py
    from django.conf import settings
    from django.db import models

    class Profile(models.Model):
        user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        bio = models.TextField(blank=True)
        is_moderator = models.BooleanField(default=False)
    ```

    ## Use instead
    ```python
    # file: accounts/forms.py
    from django import forms
    from accounts.models import Profile

    class ProfileForm(forms.ModelForm):
        class Meta:
            model = Profile
            fields = ["bio"]
    # file: accounts/models.py
    from django.conf import settings
    from django.db import models

    class Profile(models.Model):
        user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        bio = models.TextField(blank=True)
        is_moderator = models.BooleanField(default=False)
    ```

    ## Known problems
    Models from installed packages are not read (except Django's `User`), so their privileged
    fields are not known. A form whose view overwrites the privileged fields before saving is
    still reported.

    ## References
    - https://docs.djangoproject.com/en/stable/topics/forms/modelforms/#selecting-the-fields-to-use
    - https://cwe.mitre.org/data/definitions/915.html
    """
    reported: set = set()
    for qualname, chain in subclasses(project, ("ModelForm",), ("django.forms",)):
        found = exposure(project, qualname, chain, serializer=False)
        if found is None or found.location in reported:
            continue
        if _admin_only(project, qualname) is True:
            continue
        reported.add(found.location)
        yield Hit(
            found.location,
            f"{short(qualname)} (ModelForm for {short(found.model)}) uses {found.how}: a request can set "
            f"{', '.join(found.fields)}",
            symbol=qualname,
        )


def _admin_only(project: Project, qualname: str, depth: int = 0) -> bool | None:
    """True when the form (or its subclasses) is used only by ModelAdmin classes; None when unused."""
    if depth > 6 or called_by_functions(project, qualname):
        return False
    references = referencing_classes(project, qualname, "form") + referencing_classes(project, qualname, "form_class")
    for reference in references:
        if not any(b.rsplit(".", 1)[-1] in ("ModelAdmin", "InlineModelAdmin", "StackedInline", "TabularInline")
                   for b in mro(project, reference)):
            return False
    found_admin = bool(references)
    for name, cls in project.classes.items():
        if any((project.names.canonical(b) or b) == qualname for b in cls.bases):
            verdict = _admin_only(project, name, depth + 1)
            if verdict is False:
                return False
            found_admin = found_admin or verdict is True
    return True if found_admin else None
