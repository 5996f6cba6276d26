from __future__ import annotations

import ast
from typing import Iterator

from secprofile.rules.base import Confidence, FileContext, Hit, Severity, rule

_EVALUATORS = {"builtins.eval": "eval", "builtins.exec": "exec", "builtins.compile": "compile"}


def _constant_text(node: ast.AST, ctx: FileContext) -> bool:
    """A literal, a module-level string constant, or an f-string of constants only."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) for v in node.values)
    if isinstance(node, ast.Name) and node.id.isupper():
        return True  # CODE_TEMPLATE = "..." style module constants
    return False


@rule(
    code="SP608",
    slug="dynamic-code-evaluation",
    title="eval/exec of dynamic data",
    severity=Severity.HIGH,
    confidence=Confidence.MEDIUM,
    cwe=95,
    control="other-injection",
    kind="node",
    node_types=(ast.Call,),
    hint="Do not evaluate data as code: parse it (`json.loads`, `ast.literal_eval` for literals) or map names "
    "to functions through an explicit table.",
)
def dynamic_code_evaluation(node: ast.Call, ctx: FileContext) -> Iterator[Hit]:
    """
    ## What it does
    Flags `eval`, `exec` and `compile` called on anything but a constant string, when the
    data-flow rule SP602 could not trace the value to a request — typically code stored
    earlier by a user (a saved filter expression, a formula column, a plugin snippet) and
    evaluated later. Where SP602 reports the same call, that finding wins (one finding per
    root cause). Restricting `__builtins__` does not make the call safe and is not treated
    as a sanitizer.

    ## Why is this bad?
    Whoever controls the string controls the process: `eval` with `{"__builtins__": {}}` is
    escaped in one line through `().__class__.__base__.__subclasses__()`. Second-order code
    injection — a value saved through one endpoint and evaluated by a worker — is the form
    that per-request taint tracking misses.

    ## Example
    ```python
    def matches(rule, event: dict) -> bool:
        return bool(eval(rule.filter_expression, {"__builtins__": {}}, {"event": event}))
    ```

    ## Use instead
    ```python
    import operator

    OPERATORS = {"eq": operator.eq, "gt": operator.gt, "lt": operator.lt}


    def matches(rule, event: dict) -> bool:
        return OPERATORS[rule.op](event.get(rule.field), rule.value)
    ```

    ## Known problems
    Deliberate evaluators (a REPL or a management `shell` command, a template engine's
    compiled code) are reported; suppress them with a reason. Code built only from module
    constants is not reported.

    ## References
    - https://cwe.mitre.org/data/definitions/95.html
    - https://nedbatchelder.com/blog/201206/eval_really_is_dangerous.html
    """
    name = _EVALUATORS.get(ctx.resolve_call(node) or "")
    if name is None or not node.args:
        return
    source = node.args[0]
    if _constant_text(source, ctx):
        return
    if name == "compile" and isinstance(source, ast.Call) and (ctx.resolve_call(source) or "").startswith("ast."):
        return  # compiling an AST built in code
    yield ctx.hit(node, f"{name}() runs code from a dynamic value (`{ast.unparse(source)[:60]}`) whose origin "
                        "is not a constant")
