"""Per-function summaries: sources, sinks, propagation and sanitizers inside one function."""

from __future__ import annotations

import ast
import pickle
import textwrap

import pytest

from secprofile.flow import summarize_flow
from secprofile.flow.analyze import ModuleContext, summarize_function
from secprofile.flow.model import NORMALIZED, WEAK, FlowFacts, FunctionFlow
from secprofile.model.facts import extract_python
from secprofile.model.module import iter_functions


def facts_of(source: str, relpath: str = "app/views.py"):
    source = textwrap.dedent(source)
    tree = ast.parse(source)
    module = relpath[:-3].replace("/", ".")
    return tree, extract_python(tree, relpath, module, False, source.count("\n") + 1)


def flows(source: str, relpath: str = "app/views.py") -> dict[str, FunctionFlow]:
    tree, facts = facts_of(source, relpath)
    result = summarize_flow(tree, facts)
    return {f.qualname.rsplit(".", 1)[-1]: f for f in result.functions} if result else {}


def flow_of(source: str, name: str) -> FunctionFlow:
    """Analyse one function whether or not the worker would pick it."""
    tree, facts = facts_of(source)
    context = ModuleContext(tree, facts)
    for qualname, node, cls in iter_functions(tree.body, facts.module):
        if qualname.rsplit(".", 1)[-1] == name:
            flow = summarize_function(context, node, qualname, cls)
            assert flow is not None, f"{name} has no summary"
            return flow
    raise AssertionError(name)


def sink_labels(flow: FunctionFlow, kind: str) -> list[set]:
    return [{t.label for t in sink.taints} for sink in flow.sinks if sink.kind == kind]


def sanitized(flow: FunctionFlow, kind: str) -> list[frozenset]:
    return [t.sanitized for sink in flow.sinks if sink.kind == kind for t in sink.taints]


def test_request_reads_are_sources_with_their_key():
    flow = flows("""
        def search(request):
            q = request.GET.get("q", "")
            page = request.GET["page"]
            body = request.body
            return q, page, body
    """)["search"]
    assert [s.description for s in flow.sources] == ["query parameter 'q'", "query parameter 'page'", "request.body"]
    assert {t.label for t in flow.returns} == {("s", 0, ""), ("s", 1, ""), ("s", 2, "")}


def test_fastapi_request_methods_and_self_request_are_sources():
    result = flows("""
        from fastapi import Request

        async def handler(r: Request):
            data = await r.json()
            return data["x"]

        class View:
            def get(self):
                return self.request.query_params.get("term")
    """)
    assert result["handler"].sources[0].description == "request.json()"
    assert result["get"].sources[0].description == "query parameter 'term'"


def test_server_meta_keys_and_signed_cookies_are_not_sources():
    assert flows("""
        def view(request):
            addr = request.META["REMOTE_ADDR"]
            value = request.get_signed_cookie("draft", salt="x")
            return addr + value
    """) == {}


@pytest.mark.parametrize("expression", [
    'f"SELECT * FROM t WHERE name = \'{q}\'"',
    '"SELECT * FROM t WHERE name = \'%s\'" % q',
    '"SELECT * FROM t WHERE name = \'%s\'" % (q,)',
    '"SELECT * FROM t WHERE name = \'" + q + "\'"',
    '"SELECT * FROM t WHERE name = \'{}\'".format(q)',
    '" ".join(["SELECT", q])',
    '"SELECT " + {"a": q}["a"]',
    '"SELECT " + [x.strip() for x in [q]][0]',
    '"SELECT " + str(q).upper()',
])
def test_string_building_propagates(expression):
    flow = flow_of(f"""
        import sqlite3
        conn = sqlite3.connect("x.db")

        def run(q):
            conn.execute({expression})
    """, "run")
    assert sink_labels(flow, "sql") == [{("p", "q", "")}]


@pytest.mark.parametrize("expression", [
    '"SELECT * FROM t WHERE id = %d" % q',
    'f"SELECT * FROM t LIMIT {q:d}"',
    'f"SELECT * FROM t LIMIT {int(q)}"',
    '"SELECT * FROM t WHERE name = ?"',
    'f"SELECT * FROM {TABLE}"',
])
def test_numeric_and_constant_queries_are_clean(expression):
    flow = flow_of(f"""
        import sqlite3
        conn = sqlite3.connect("x.db")
        TABLE = "items"

        def run(q):
            conn.execute({expression}, (q,))
    """, "run")
    assert sink_labels(flow, "sql") == [set()]


def test_bound_parameters_are_not_the_query():
    flow = flow_of("""
        def run(cursor, q):
            cursor.execute("SELECT * FROM t WHERE name = %s", (q,))
            cursor.execute(query="SELECT 1", params=[q])
    """, "run")
    assert sink_labels(flow, "sql") == [set(), set()]
    assert [s.shape for s in flow.sinks] == ["parameterised", "parameterised"]


def test_assignments_loops_with_and_augmented_assignment():
    flow = flow_of("""
        import os

        def run(names, suffix):
            command = "echo"
            for name in names:
                command += " " + name
            with open("log") as handle:
                line = handle.read()
            os.system(command)
            os.system(line)
    """, "run")
    assert sink_labels(flow, "command") == [{("p", "names", "")}, set()]
    steps = [s.text for sink in flow.sinks if sink.kind == "command" for t in sink.taints for s in t.steps]
    assert "appended to 'command'" in steps


def test_loop_carried_flow_needs_the_second_pass():
    flow = flow_of("""
        import os

        def run(parts):
            previous = ""
            current = ""
            for part in parts:
                os.system(previous)
                previous = current
                current = part
    """, "run")
    assert sink_labels(flow, "command") == [{("p", "parts", "")}]


def test_allowlist_guard_that_raises_sanitises_after_it():
    flow = flow_of("""
        ALLOWED = {"name", "price"}

        def run(cursor, sort, other):
            if sort not in ALLOWED:
                raise ValueError("Please select an item from the list")
            cursor.execute(f"SELECT * FROM t ORDER BY {sort}")
            cursor.execute(f"SELECT * FROM t ORDER BY {other}")
    """, "run")
    assert sink_labels(flow, "sql") == [set(), {("p", "other", "")}]


def test_conditional_expression_with_allowlist():
    flow = flow_of("""
        def run(cursor, sort):
            column = sort if sort in ("name", "price") else "name"
            cursor.execute(f"SELECT * FROM t ORDER BY {column}")
            cursor.execute(f"SELECT * FROM t ORDER BY {sort}")
    """, "run")
    assert sink_labels(flow, "sql") == [set(), {("p", "sort", "")}]


def test_validators_and_falsy_branches():
    flow = flow_of("""
        from django.shortcuts import redirect
        from django.utils.http import url_has_allowed_host_and_scheme

        def run(request):
            target = request.GET.get("next")
            if target and not url_has_allowed_host_and_scheme(url=target, allowed_hosts=None):
                target = "/"
            return redirect(target)
    """, "run")
    assert all("redirect" in s for s in sanitized(flow, "redirect"))


def test_isdigit_and_regex_fullmatch_guards():
    flow = flow_of("""
        import os
        import re

        def run(a, b, c):
            if not a.isdigit():
                return
            if not re.fullmatch(r"[a-z]+", b):
                return
            os.system("x " + a)
            os.system("y " + b)
            os.system("z " + c)
    """, "run")
    assert sink_labels(flow, "command") == [set(), set(), {("p", "c", "")}]


def test_escapes_sanitise_only_their_class():
    flow = flow_of("""
        import html
        import shlex
        import os
        from fastapi.responses import HTMLResponse

        def run(cursor, name):
            safe_html = html.escape(name)
            cursor.execute(f"SELECT '{safe_html}'")
            os.system("echo " + shlex.quote(name))
            return HTMLResponse(safe_html)
    """, "run")
    assert sanitized(flow, "sql") == [frozenset({"xss"})]
    assert sanitized(flow, "command") == [frozenset({"command"})]
    assert sanitized(flow, "xss") == [frozenset({"xss"})]


def test_path_containment_needs_a_resolved_path():
    flow = flow_of("""
        import os
        from pathlib import Path

        BASE = Path("/srv")

        def run(name):
            resolved = (BASE / name).resolve()
            if not resolved.is_relative_to(BASE):
                raise PermissionError
            joined = os.path.join(BASE, name)
            if not joined.startswith(str(BASE)):
                raise PermissionError
            open(resolved)
            open(joined)
            open(os.path.basename(name))
    """, "run")
    kinds = sanitized(flow, "path")
    assert "path" in kinds[0] and NORMALIZED in kinds[0]
    assert "path" not in kinds[1]
    assert "path" in kinds[2]


@pytest.mark.parametrize("url, safe", [
    ('f"https://api.example.com/items/{x}"', True),
    ('"/items/" + x', True),
    ('"%s?q=%s" % (BASE, x)', True),
    ('f"{BASE}/search/{x}"', True),
    ('"https://" + x + "/api"', False),
    ('x', False),
    ('"//" + x', False),
])
def test_fixed_host_prefixes(url, safe):
    flow = flow_of(f"""
        import httpx
        BASE = "https://example.com"

        def run(x):
            httpx.get({url})
    """, "run")
    assert ("ssrf" in sanitized(flow, "ssrf")[0]) is safe


def test_calls_to_project_functions_become_call_sites():
    flow = flows("""
        from app import db
        from app.repo import Repo

        def handler(request, conn):
            q = request.GET.get("q")
            rows = db.search(conn, term=q)
            repo = Repo(conn)
            repo.find(q)
            return rows
    """)["handler"]
    by_callee = {c.callee: c for c in flow.calls}
    search = by_callee["app.db.search"]
    assert not search.bound and dict(search.args)["term"][0].label == ("s", 0, "")
    find = by_callee["app.repo.Repo.find"]
    assert find.bound and dict(find.args)[0][0].label == ("s", 0, "")
    assert {t.label for t in flow.returns} == {("r", search.index, "")}


def test_self_method_calls_and_parameter_fields():
    flow = flow_of("""
        class Service:
            def run(self, payload):
                return self.helper(payload.name)

            def helper(self, name):
                return name
    """, "run")
    call = flow.calls[0]
    assert call.callee == "app.views.Service.helper" and call.bound
    assert dict(call.args)[0][0].label == ("p", "payload", "name")


def test_forms_and_serializers_carry_their_input_weakly():
    flow = flow_of("""
        from app.forms import SearchForm
        import os

        def run(request):
            form = SearchForm(request.GET)
            os.system(form.cleaned_data["q"])
    """, "run")
    assert sanitized(flow, "command") == [frozenset({WEAK})]


def test_sinks_do_not_propagate_and_text_is_the_sql_sink():
    flow = flow_of("""
        from sqlalchemy import text

        def run(session, q):
            session.execute(text(f"SELECT '{q}'"))
    """, "run")
    assert [(s.kind, s.name) for s in flow.sinks] == [("sql", "text()")]


def test_yaml_safe_loader_and_subprocess_lists_are_not_sinks():
    flow = flow_of("""
        import subprocess
        import yaml

        def run(data, name):
            yaml.load(data, Loader=yaml.SafeLoader)
            yaml.load(data, Loader=yaml.Loader)
            subprocess.run(["ls", name])
            subprocess.run("ls " + name, shell=True)
    """, "run")
    assert [s.kind for s in flow.sinks] == ["deserialization", "command"]


def test_only_relevant_functions_are_summarised():
    result = flows("""
        import os

        def helper(x):
            return x + 1

        def view(request):
            return request.GET.get("q")

        def runner(cmd):
            os.system(cmd)
    """)
    assert set(result) == {"view", "runner"}


def test_summaries_are_picklable_and_deterministic():
    source = """
        import os

        def view(request):
            q = request.GET.get("q")
            os.system("grep " + q)
            return q
    """
    tree, facts = facts_of(source)
    first = summarize_flow(tree, facts)
    second = summarize_flow(*facts_of(source))
    assert isinstance(first, FlowFacts) and first == second
    assert pickle.loads(pickle.dumps(first)) == first


def test_odd_input_does_not_raise():
    source = "def f(request):\n" + "    x = " + "(" * 50 + "request.GET['a']" + ")" * 50 + "\n    return x\n"
    tree, facts = facts_of(source)
    summarize_flow(tree, facts)


def test_local_path_checks_and_url_parts():
    flow = flow_of("""
        from urllib.parse import urlparse
        from django.shortcuts import redirect

        def run(request):
            a = request.GET["a"]
            b = request.GET["b"]
            c = request.GET["c"]
            if not a.startswith("/") or a.startswith("//"):
                a = "/"
            if urlparse(b).netloc:
                b = "/"
            if not c.startswith("/"):
                c = "/"
            redirect(a)
            redirect(b)
            redirect(c)
    """, "run")
    assert ["redirect" in s for s in sanitized(flow, "redirect")] == [True, True, False]


def test_path_objects_opened_are_path_sinks():
    flow = flow_of("""
        from pathlib import Path
        import zipfile

        BASE = Path("/srv")

        def run(name, upload):
            with (BASE / name).open("rb") as handle:
                handle.read()
            target = BASE.joinpath(name)
            target.open().read()
            with zipfile.ZipFile(upload) as archive:
                archive.open("manifest.json").read()
    """, "run")
    assert [s.name for s in flow.sinks] == ["Path.open()", "Path.open()"]
