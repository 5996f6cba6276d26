"""Linking summaries across modules: helpers, return values, dependencies, one finding per sink."""

from __future__ import annotations

from secprofile import Config, scan
from secprofile.flow.graph import fastapi_path_params, url_arguments


def findings(root, codes=("SP501", "SP601", "SP603", "SP605", "SP420")):
    result = scan(root, Config(select=tuple(codes), cache=False, jobs=1))
    return [f for f in result.findings if f.rule.code in codes]


def test_helper_in_another_module_is_followed(make_tree):
    root = make_tree({
        "app/__init__.py": "",
        "app/db.py": """
            def search(cursor, term):
                query = f"SELECT * FROM users WHERE name LIKE '%{term}%'"
                cursor.execute(query)
                return cursor.fetchall()
        """,
        "app/api.py": """
            import sqlite3
            from fastapi import FastAPI
            from . import db

            app = FastAPI()
            conn = sqlite3.connect("x.db")

            @app.get("/users")
            def users(q: str):
                return db.search(conn.cursor(), q)
        """,
    })
    [finding] = findings(root)
    assert finding.rule.code == "SP501"
    assert (finding.location.path, finding.location.line) == ("app/db.py", 4)
    assert finding.message == "query parameter 'q' reaches cursor.execute in app/db.py:4 via users() in app/api.py:11"
    steps = [(s.location.path, s.location.line, s.message) for s in finding.flow]
    assert steps[0][:2] == ("app/api.py", 10) and "query parameter 'q'" in steps[0][2]
    assert ("app/api.py", 11, "passed to search()") in steps
    assert ("app/db.py", 3, "assigned to 'query'") in steps
    assert steps[-1] == ("app/db.py", 4, "reaches cursor.execute")


def test_values_returned_by_helpers_are_followed_both_ways(make_tree):
    root = make_tree({
        "app/__init__.py": "",
        "app/util.py": """
            def build_command(name):
                return "convert " + name + " out.png"

            def requested_file(request):
                return request.GET.get("file", "")
        """,
        "app/views.py": """
            import os
            from .util import build_command, requested_file

            def convert(request):
                os.system(build_command(request.POST["name"]))

            def show(request):
                return open(requested_file(request))
        """,
    })
    found = {(f.rule.code, f.location.line): f.message for f in findings(root)}
    assert found[("SP601", 6)].startswith("form field 'name' reaches os.system() in app/views.py:6")
    assert found[("SP603", 9)].startswith("query parameter 'file' reaches open() in app/views.py:9 via requested_file()")


def test_dependencies_are_sources_only_when_they_return_request_data(make_tree):
    root = make_tree({
        "app.py": """
            import os
            from fastapi import Depends, FastAPI, Query

            app = FastAPI()

            def search_term(q: str = Query("")):
                return q.strip()

            def get_db():
                yield "connection"

            @app.get("/a")
            def a(term: str = Depends(search_term)):
                os.system("grep " + term)

            @app.get("/b")
            def b(db=Depends(get_db)):
                os.system("echo " + db)
        """,
    })
    [finding] = findings(root)
    assert finding.location.line == 15 and finding.message.startswith("query parameter 'q' reaches os.system()")


def test_types_sanitise_parameters_and_body_fields(make_tree):
    root = make_tree({
        "app.py": """
            import uuid
            from fastapi import FastAPI
            from fastapi.responses import HTMLResponse
            from pydantic import BaseModel

            app = FastAPI()

            class Note(BaseModel):
                title: str
                views: int

            @app.get("/items/{item_id}")
            def item(item_id: int, ref: uuid.UUID):
                return HTMLResponse(f"<p>{item_id} {ref}</p>")

            @app.post("/notes")
            def note(note: Note):
                HTMLResponse(f"<p>{note.views}</p>")
                return HTMLResponse(f"<h1>{note.title}</h1>")
        """,
    })
    [finding] = findings(root)
    assert finding.location.line == 20 and finding.message.startswith("request body 'note.title' reaches HTMLResponse")


def test_one_finding_per_sink_and_methods_through_inheritance(make_tree):
    root = make_tree({
        "app/__init__.py": "",
        "app/repo.py": """
            class BaseRepo:
                def __init__(self, cursor):
                    self.cursor = cursor

                def run(self, where):
                    self.cursor.execute("SELECT * FROM t WHERE " + where)

            class UserRepo(BaseRepo):
                def by_name(self, name, city):
                    return self.run(f"name = '{name}' AND city = '{city}'")
        """,
        "app/views.py": """
            from .repo import UserRepo

            def users(request, cursor):
                repo = UserRepo(cursor)
                return repo.by_name(request.GET["name"], request.GET["city"])
        """,
    })
    [finding] = findings(root)
    assert finding.location.path == "app/repo.py" and finding.location.line == 7
    assert "(and 1 other source)" in finding.message
    assert "UserRepo.by_name()" in finding.message


def test_recursive_helpers_terminate(make_tree):
    root = make_tree({
        "app.py": """
            import os

            def ping(host, depth):
                if depth:
                    return pong(host, depth - 1)
                os.system("ping " + host)

            def pong(host, depth):
                return ping(host, depth)

            def view(request):
                return ping(request.GET["host"], 3)
        """,
    })
    [finding] = findings(root)
    assert finding.location.line == 7


def test_library_style_helpers_without_a_source_are_not_reported(make_tree):
    root = make_tree({
        "tools.py": """
            def purge(cursor, table):
                cursor.execute(f"DELETE FROM {table}")
        """,
    })
    assert findings(root) == []


def test_django_url_arguments_are_sources_unless_converted(make_tree):
    root = make_tree({
        "site/__init__.py": "",
        "site/settings.py": 'ROOT_URLCONF = "site.urls"\n',
        "site/urls.py": """
            from django.urls import path, re_path
            from . import views

            urlpatterns = [
                path("tags/<str:tag>/", views.by_tag),
                path("posts/<int:pk>/", views.by_id),
                re_path(r"^files/(?P<name>.+)$", views.file),
            ]
        """,
        "site/views.py": """
            from django.http import HttpResponse

            def by_tag(request, tag):
                return HttpResponse(f"<h1>{tag}</h1>")

            def by_id(request, pk):
                return HttpResponse(f"<h1>{pk}</h1>")

            def file(request, name):
                return HttpResponse(open(name).read(), content_type="text/plain")
        """,
    })
    found = sorted((f.rule.code, f.location.line) for f in findings(root))
    assert found == [("SP420", 5), ("SP603", 11)]


def test_url_arguments():
    every, segment, anything = "all", "segment", "anything"

    def kind(sanitized):
        return every if "sql" in sanitized else segment if sanitized == {"path"} else anything

    found = [(n, kind(s)) for n, s in url_arguments("a/<int:pk>/<slug:s>/<str:t>/<u>/<path:p>")]
    assert found == [("pk", every), ("s", every), ("t", segment), ("u", segment), ("p", anything)]
    found = [(n, kind(s)) for n, s in url_arguments(r"^a/(?P<pk>\d+)/(?P<s>[-\w]+)/(?P<n>[^/]+)/(?P<r>.+)$")]
    assert found == [("pk", every), ("s", every), ("n", segment), ("r", anything)]
    assert {n: kind(s) for n, s in fastapi_path_params("/f/{name}/{rest:path}/{id:int}").items()} == {
        "name": segment, "rest": anything, "id": every}


def test_request_data_returned_to_a_caller_that_reads_nothing_itself(make_tree):
    root = make_tree({
        "app/__init__.py": "",
        "app/params.py": """
            def search_term(request):
                return request.GET.get("q", "")
        """,
        "app/db.py": """
            from django.db import connection

            def search(term):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT * FROM post WHERE title LIKE '%" + term + "%'")
                    return cursor.fetchall()
        """,
        "app/views.py": """
            from django.shortcuts import render
            from .db import search
            from .params import search_term

            def results(request):
                rows = search(search_term(request))
                return render(request, "results.html", {"rows": rows})
        """,
    })
    [finding] = findings(root)
    assert finding.location.path == "app/db.py"
    assert finding.message.startswith("query parameter 'q' reaches cursor.execute in app/db.py:6 via search_term()")


def test_path_parameters_hold_one_segment(make_tree):
    root = make_tree({
        "app.py": """
            from fastapi import FastAPI
            from fastapi.responses import FileResponse, HTMLResponse

            app = FastAPI()

            @app.get("/files/{name}")
            def one(name: str):
                return FileResponse("/srv/files/" + name)

            @app.get("/any/{rest:path}")
            def anything(rest: str):
                return FileResponse("/srv/files/" + rest)

            @app.get("/hello/{name}")
            def hello(name: str):
                return HTMLResponse("<h1>" + name + "</h1>")
        """,
    })
    assert sorted((f.rule.code, f.location.line) for f in findings(root)) == [("SP420", 17), ("SP603", 13)]


def test_enum_and_literal_body_fields_are_not_injectable(make_tree):
    root = make_tree({
        "app.py": """
            import enum
            from typing import Literal, Optional
            from fastapi import FastAPI
            from pydantic import BaseModel
            from sqlalchemy import text

            app = FastAPI()

            class Order(str, enum.Enum):
                asc = "asc"
                desc = "desc"

            class Query(BaseModel):
                order: Optional[Order] = None
                column: Literal["name", "price"] = "name"
                term: str = ""

            @app.post("/search")
            def search(query: Query, db=None):
                db.execute(text(f"SELECT * FROM t ORDER BY {query.column} {query.order}"))
                return db.execute(text(f"SELECT * FROM t WHERE name = '{query.term}'"))
        """,
    })
    [finding] = findings(root)
    assert finding.location.line == 22 and "query.term" in finding.message


def test_class_based_view_helpers_and_local_imports(make_tree):
    root = make_tree({
        "shop/__init__.py": "",
        "shop/views.py": """
            from django.views.generic import ListView, View

            class SearchView(ListView):
                def get_search_term(self):
                    return self.request.GET.get("q", "")

                def get_queryset(self):
                    return Product.objects.raw(f"SELECT * FROM product WHERE name = '{self.get_search_term()}'")

            class ExportView(View):
                def post(self, request):
                    import subprocess as sp
                    sp.call("export --format " + request.POST["fmt"], shell=True)
        """,
    })
    found = sorted((f.rule.code, f.location.line) for f in findings(root))
    assert found == [("SP501", 9), ("SP601", 14)]
