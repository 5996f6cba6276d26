from __future__ import annotations

from dataclasses import replace
from typing import Iterator

from secprofile.flow import flow_hits
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP603",
    slug="file-path-from-request-data",
    title="File path built from request data (path traversal)",
    severity=Severity.HIGH,
    confidence=Confidence.HIGH,
    cwe=22,
    control="other-injection",
    kind="project",
    hint="Keep only the base name (`os.path.basename`, `secure_filename`), or resolve the path and check "
    "containment: `p = (BASE / name).resolve(); if not p.is_relative_to(BASE): raise ...`.",
)
def file_path_from_request_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Follows request data (FastAPI parameters and uploaded file names, `Request` reads,
    Django/DRF request data) through `os.path.join`, `pathlib.Path(...)` and `/` joins,
    string building and helper functions, across modules, into a file operation: `open`,
    `Path.read_text/read_bytes/write_text/write_bytes/unlink`, `FileResponse`, `send_file`,
    `os.remove/unlink/rename`, `shutil` copy/move/rmtree, and `tarfile` extraction of an
    uploaded archive without `filter="data"`. One finding per function and request value: when
    the same value reaches several operations (`open(dest)` then `dest.unlink()`), the first is
    reported and the message lists the others.

    Sanitisers: `os.path.basename`, `werkzeug.utils.secure_filename`,
    `django.utils.text.get_valid_filename`, `Path(x).name`, a `resolve()`/`realpath()`
    followed by an `is_relative_to(base)`, `startswith(base)` or `commonpath` check, numeric
    casts and allow-lists. Django upload names (`request.FILES[...].name`) are already cut
    to their base name by Django, and a path parameter (`/files/{name}`, Django `<str:name>`)
    holds a single URL segment, so it cannot climb directories; `{name:path}`, `<path:name>`,
    query parameters, bodies and FastAPI `UploadFile.filename` can.

    ## Why is this bad?
    `../../etc/passwd` or an absolute path in a parameter reads or overwrites any file the
    server can reach: configuration, keys, source code. A containment check on a path that
    was not resolved first is bypassed with `..`.

    ## Example
    ```python
    import os

    from fastapi import FastAPI
    from fastapi.responses import FileResponse

    app = FastAPI()
    UPLOADS = "/srv/uploads"


    @app.get("/files")
    def download(name: str):
        return FileResponse(os.path.join(UPLOADS, name))
    ```

    ## Use instead
    ```python
    from pathlib import Path

    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse

    app = FastAPI()
    UPLOADS = Path("/srv/uploads").resolve()


    @app.get("/files")
    def download(name: str):
        path = (UPLOADS / name).resolve()
        if not path.is_relative_to(UPLOADS):
            raise HTTPException(status_code=404)
        return FileResponse(path)
    ```

    ## Known problems
    A containment check written in another form (comparing `parts`, a helper with an
    unusual name) is not understood; suppress with a reason. `zipfile` extraction is not
    reported: it strips `..` and absolute paths itself.

    ## References
    - https://cwe.mitre.org/data/definitions/22.html
    - https://owasp.org/www-community/attacks/Path_Traversal
    - https://docs.python.org/3/library/tarfile.html#extraction-filters
    """
    first: dict[tuple, Hit] = {}
    others: dict[tuple, list[Hit]] = {}
    for hit in sorted(flow_hits(project, ("path", "archive")), key=lambda h: (h.location, h.message)):
        # the request value, as flow_hits describes it: "query parameter 'name' reaches ..."
        key = (hit.location.path, hit.symbol, hit.message.partition(" reaches ")[0])
        if key in first:
            others[key].append(hit)
        else:
            first[key], others[key] = hit, []
    for key, hit in first.items():
        also = others[key]
        if also:
            lines = ", ".join(str(other.location.line) for other in also)
            hit = replace(hit, message=f"{hit.message} (the same value also reaches line{'s' if len(also) > 1 else ''} "
                                       f"{lines})")
        yield hit
