"""SP110/SP112 follow the PyJWT version pinned in the requirements (fixtures cannot pin per case)."""

from __future__ import annotations

from secprofile import Config, scan

_CODE = '''
import jwt


def user_from(token: str, key: str) -> str:
    claims = jwt.decode(token, key, verify=False)
    return claims["sub"]


def checked(token: str, key: str) -> dict:
    return jwt.decode(token, key)
'''


def _codes(make_tree, requirements: str | None) -> list[tuple[str, int]]:
    files = {"app.py": _CODE}
    if requirements is not None:
        files["requirements.txt"] = requirements
    root = make_tree(files)
    result = scan(root, Config(select=("SP110", "SP112"), cache=False, jobs=1))
    return sorted((f.rule.code, f.location.line) for f in result.findings)


def test_unpinned_pyjwt_is_judged_as_1x(make_tree) -> None:
    assert _codes(make_tree, None) == [("SP110", 6), ("SP112", 11)]


def test_pyjwt_1x_pin(make_tree) -> None:
    assert _codes(make_tree, "PyJWT==1.7.1\n") == [("SP110", 6), ("SP112", 11)]


def test_pyjwt_2_pin_ignores_verify_flag_and_requires_algorithms(make_tree) -> None:
    # PyJWT 2 ignores verify=False and refuses to decode without algorithms: neither is a weakness.
    assert _codes(make_tree, "PyJWT==2.8.0\n") == []
