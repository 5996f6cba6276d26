from __future__ import annotations

from typing import Iterator

from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule
from secprofile.rules.django_views._assignment import called_by_functions, exposure, subclasses
from secprofile.rules.django_views._views import short


@rule(
    code="SP811",
    slug="modelserializer-exposes-privileged-fields",
    title="ModelSerializer with fields = \"__all__\" lets clients write privileged fields",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=915,
    control="input-validation",
    kind="project",
    frameworks=("django",),
    hint="List the fields explicitly and make the privileged ones read-only: "
    "`read_only_fields = [\"is_admin\", \"user\"]`.",
)
def modelserializer_exposes_privileged_fields(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Flags DRF `ModelSerializer`/`HyperlinkedModelSerializer` classes whose `Meta` uses
    `fields = "__all__"` (or `exclude`) on a model with privileged fields (`is_staff`,
    `is_superuser`, `is_admin`, `role`, `groups`, `balance`, `owner`, `user`, relations to the
    user model...) that stay writable: not in `read_only_fields`, not `read_only` in
    `extra_kwargs`, not redeclared as `read_only=True`, `ReadOnlyField`, `HiddenField` or
    `SerializerMethodField`, and not non-editable on the model.

    Serializers served only by read-only views (`ReadOnlyModelViewSet`, `RetrieveAPIView`) and
    never constructed in code are not reported.

    ## Why is this bad?
    A `PATCH /api/profiles/7/ {"is_admin": true}` goes straight into the model. Combined with a
    permission class that reads that same flag, any user can make themselves an administrator;
    with `user`/`owner` writable they can move rows to another account.

    ## Example
    ```python
    # file: api/serializers.py
    from rest_framework import serializers
    from accounts.models import Profile

    class ProfileSerializer(serializers.ModelSerializer):
        class Meta:
            model = Profile
            fields = "__all__"
    # file: accounts/models.py
    from django.conf import settings
    from django.db import models

    class Profile(models.Model):
        user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        bio = models.TextField(blank=True)
        is_admin = models.BooleanField(default=False)
    ```

    ## Use instead
    ```python
    # file: api/serializers.py
    from rest_framework import serializers
    from accounts.models import Profile

    class ProfileSerializer(serializers.ModelSerializer):
        class Meta:
            model = Profile
            fields = "__all__"
            read_only_fields = ["user", "is_admin"]
    # file: accounts/models.py
    from django.conf import settings
    from django.db import models

    class Profile(models.Model):
        user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
        bio = models.TextField(blank=True)
        is_admin = models.BooleanField(default=False)
    ```

    ## Known problems
    A view that overrides `perform_update` to reset the privileged fields is not recognised;
    suppress with a reason. Models from installed packages (other than Django's `User`) are
    not read.

    ## References
    - https://www.django-rest-framework.org/api-guide/serializers/#specifying-which-fields-to-include
    - https://www.django-rest-framework.org/api-guide/serializers/#specifying-read-only-fields
    - https://cwe.mitre.org/data/definitions/915.html
    """
    model = project.django
    users: dict[str, list[bool]] = {}
    for view in (model.views if model else ()):
        for cls in view.mro:
            facts = project.classes.get(cls)
            value = facts.attribute("serializer_class") if facts else None
            name = getattr(value, "value", None)
            if isinstance(name, str):
                users.setdefault(project.names.canonical(name) or name, []).append(
                    bool(view.write_methods) or "get_serializer_class" in view.overrides)
                break
    reported: set = set()
    for qualname, chain in subclasses(project, ("ModelSerializer", "HyperlinkedModelSerializer"),
                                      ("rest_framework",)):
        found = exposure(project, qualname, chain, serializer=True)
        if found is None or found.location in reported:
            continue
        uses = users.get(qualname)
        if uses and not any(uses) and not called_by_functions(project, qualname):
            continue  # served read-only only
        reported.add(found.location)
        yield Hit(
            found.location,
            f"{short(qualname)} (ModelSerializer for {short(found.model)}) uses {found.how}: clients can write "
            f"{', '.join(found.fields)}",
            symbol=qualname,
        )
