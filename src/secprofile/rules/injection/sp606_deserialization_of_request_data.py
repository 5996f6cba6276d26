from __future__ import annotations

from typing import Iterator

from secprofile.flow import flow_hits
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP606",
    slug="deserialization-of-request-data",
    title="Unsafe deserialization of request data",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    cwe=502,
    control="other-injection",
    kind="project",
    hint="Use a data-only format: `json.loads`, `yaml.safe_load`; for client-held state use signed JSON "
    "(Django `get_signed_cookie`, `itsdangerous`) instead of pickle.",
)
def deserialization_of_request_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Follows request data — bodies, uploaded files, cookies, headers, parameters — through
    decoding (`base64`, `zlib`, `.read()`) and helper functions, across modules, into a
    deserializer that can build arbitrary objects: `pickle.loads/load`, `dill`, `marshal`,
    `jsonpickle.decode`, `yaml.load` without a safe `Loader`, `yaml.unsafe_load`,
    `pandas.read_pickle`, `joblib.load`, `shelve.open`. One finding per call reached.

    `yaml.safe_load`, `yaml.load(..., Loader=yaml.SafeLoader)`, `json.loads` and Django's
    signed cookies are not reported.

    ## Why is this bad?
    Unpickling runs code chosen by whoever wrote the bytes (`__reduce__`); `yaml.Loader`
    builds arbitrary Python objects. A cookie or an upload is such bytes: remote code
    execution.

    ## Example
    ```python
    import base64
    import pickle

    from django.shortcuts import render


    def restore_cart(request):
        cart = pickle.loads(base64.b64decode(request.COOKIES["cart"]))
        return render(request, "cart.html", {"cart": cart})
    ```

    ## Use instead
    ```python
    import json

    from django.shortcuts import render


    def restore_cart(request):
        cart = json.loads(request.get_signed_cookie("cart", salt="cart", default="[]"))
        return render(request, "cart.html", {"cart": cart})
    ```

    ## Known problems
    Bytes read back from storage the user wrote earlier (a file they uploaded, a cache
    entry) are not followed.

    ## References
    - https://cwe.mitre.org/data/definitions/502.html
    - https://docs.python.org/3/library/pickle.html
    - https://pyyaml.org/wiki/PyYAMLDocumentation
    """
    yield from flow_hits(project, ("deserialization",))
