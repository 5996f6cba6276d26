"""Snippet tests for the Django URLconf/views model (model/django.py, model/django_project.py, model/templates.py)."""

from __future__ import annotations

import ast
import pickle

from secprofile._analysis import analyze_file
from secprofile.model.django import django_facts
from secprofile.model.project import link
from secprofile.model.templates import template_facts
from secprofile.source.discovery import discover
from secprofile.source.names import ModuleNames

SETTINGS = '''
ROOT_URLCONF = "config.urls"
INSTALLED_APPS = ["django.contrib.auth", "django.contrib.contenttypes", "rest_framework", "blog"]
MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
'''


def project_of(make_tree, files: dict[str, str]):
    root = make_tree(files)
    found, _ = discover(root)
    results = [analyze_file(f, f.path.read_bytes()) for f in found]
    return link(root, [r.facts for r in results if r.facts is not None])


def routes(model) -> dict[str, str]:
    return {route.path: view.target for view in model.views for route in view.routes}


def view(model, target: str):
    found = model.view(target)
    assert found is not None, f"{target} not in {[v.target for v in model.views]}"
    return found


def test_nested_includes_by_string_module_tuple_and_inline_list(make_tree):
    project = project_of(make_tree, {
        "config/settings.py": SETTINGS,
        "config/urls.py": '''
            from django.urls import include, path
            from blog import urls as blog_urls

            urlpatterns = [
                path("blog/", include(blog_urls)),
                path("shop/", include("shop.urls", namespace="shop")),
            ]
            urlpatterns += [path("about/", include([path("team/", "x")]))]
        ''',
        "blog/urls.py": '''
            from django.urls import include, path, re_path
            from blog import views

            api_patterns = [path("posts/", views.api_posts)]

            urlpatterns = [
                path("", views.index),
                re_path(r"^(?P<pk>[0-9]+)/$", views.detail),
                path("api/", include((api_patterns, "api"), namespace="blog-api")),
                path("inline/", include([path("a/", views.inline_a)])),
            ]
            urlpatterns.append(path("late/", views.late))
        ''',
        "blog/views.py": '''
            from django.shortcuts import render

            def index(request): return render(request, "i.html")
            def detail(request, pk): return render(request, "d.html")
            def api_posts(request): return render(request, "p.html")
            def inline_a(request): return render(request, "a.html")
            def late(request): return render(request, "l.html")
        ''',
        "shop/urls.py": '''
            from django.urls import path
            from shop.views import cart

            urlpatterns = [path("cart/", cart)]
        ''',
        "shop/views.py": '''
            def cart(request):
                return None
        ''',
    })
    model = project.django
    assert model.root_urlconfs == ("config.urls",)
    assert routes(model) == {
        "/blog/": "blog.views.index",
        "/blog/(?P<pk>[0-9]+)/": "blog.views.detail",
        "/blog/api/posts/": "blog.views.api_posts",
        "/blog/inline/a/": "blog.views.inline_a",
        "/blog/late/": "blog.views.late",
        "/shop/cart/": "shop.views.cart",
    }


def test_drf_router_viewsets_methods_and_writes(make_tree):
    project = project_of(make_tree, {
        "config/settings.py": SETTINGS,
        "config/urls.py": '''
            from django.urls import include, path
            from rest_framework.routers import DefaultRouter
            from blog import api

            router = DefaultRouter()
            router.register(r"posts", api.PostViewSet, basename="post")
            router.register("feed", api.FeedViewSet)

            urlpatterns = [path("api/", include(router.urls))]
        ''',
        "blog/api.py": '''
            from rest_framework import mixins, viewsets
            from rest_framework.decorators import action

            class PostViewSet(viewsets.ModelViewSet):
                http_method_names = ["get", "post", "patch", "head"]

            class FeedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
                @action(detail=True, methods=["post"])
                def star(self, request, pk=None):
                    self.get_object().stars.add(request.user)
                    return None
        ''',
    })
    model = project.django
    assert routes(model) == {"/api/posts/": "blog.api.PostViewSet", "/api/feed/": "blog.api.FeedViewSet"}
    posts = view(model, "blog.api.PostViewSet")
    assert posts.kind == "viewset" and posts.framework == "drf"
    assert posts.methods == {"GET", "HEAD", "POST", "PATCH"}  # PUT and DELETE removed by http_method_names
    assert posts.write_methods == {"POST", "PATCH"}
    feed = view(model, "blog.api.FeedViewSet")
    assert feed.methods == {"GET", "HEAD", "POST"} and feed.write_methods == {"POST"}


def test_cbv_mixins_across_modules_and_method_decorator(make_tree):
    project = project_of(make_tree, {
        "config/settings.py": SETTINGS,
        "config/urls.py": '''
            from django.contrib.auth.decorators import login_required
            from django.urls import path
            from blog import views

            urlpatterns = [
                path("a/", views.MixinView.as_view()),
                path("b/", views.TestView.as_view()),
                path("c/", views.ClassDecorated.as_view()),
                path("d/", views.DispatchDecorated.as_view()),
                path("e/", views.Open.as_view()),
                path("f/", login_required(views.Open.as_view())),
            ]
        ''',
        "blog/mixins.py": '''
            from django.contrib.auth.mixins import LoginRequiredMixin

            class MemberMixin(LoginRequiredMixin):
                pass
        ''',
        "blog/views.py": '''
            from django.contrib.auth.decorators import login_required
            from django.contrib.auth.mixins import UserPassesTestMixin
            from django.utils.decorators import method_decorator
            from django.views import View
            from django.views.generic import UpdateView
            from blog.mixins import MemberMixin

            class MixinView(MemberMixin, UpdateView):
                fields = ["title"]

            class TestView(UserPassesTestMixin, View):
                def test_func(self):
                    return self.request.user.is_staff

            @method_decorator(login_required, name="dispatch")
            class ClassDecorated(View):
                def post(self, request):
                    request.user.profile.save()

            class DispatchDecorated(View):
                @method_decorator(login_required)
                def dispatch(self, request, *args, **kwargs):
                    return super().dispatch(request, *args, **kwargs)

            class Open(View):
                def post(self, request):
                    return None
        ''',
    })
    model = project.django

    def kinds(target):
        return [(e.kind, e.level) for e in view(model, target).evidence]

    assert kinds("blog.views.MixinView") == [("login", "mixin")]
    assert view(model, "blog.views.MixinView").write_methods == {"POST"}
    assert ("test", "mixin") in kinds("blog.views.TestView")
    assert kinds("blog.views.ClassDecorated") == [("login", "decorator")]
    assert view(model, "blog.views.ClassDecorated").write_methods == {"POST"}
    assert kinds("blog.views.DispatchDecorated") == [("login", "decorator")]
    # Open is routed twice: once bare, once wrapped by login_required in the URLconf.
    open_view = view(model, "blog.views.Open")
    assert len(open_view.routes) == 2
    assert [r.wrappers[0].tail for r in open_view.routes if r.wrappers] == ["login_required"]


def test_function_view_methods_and_body_checks(make_tree):
    project = project_of(make_tree, {
        "blog/views.py": '''
            from django.core.exceptions import PermissionDenied
            from django.shortcuts import redirect
            from django.views.decorators.http import require_http_methods, require_POST

            @require_POST
            def a(request):
                request.user.save()

            @require_http_methods(["GET", "PUT"])
            def b(request):
                return None

            def c(request):
                if request.method == "POST":
                    return None
                return None

            def d(request, pk):
                if not request.user.has_perm("blog.change_post"):
                    raise PermissionDenied
                return redirect("/")
        ''',
    })
    model = project.django
    assert view(model, "blog.views.a").methods == {"POST"}
    assert view(model, "blog.views.a").write_methods == {"POST"}
    assert view(model, "blog.views.b").methods == {"GET", "PUT"}
    assert view(model, "blog.views.c").methods == {"GET", "HEAD", "POST"}
    assert [e.kind for e in view(model, "blog.views.d").evidence] == ["permission"]
    assert not model.has_urlconf and all(not v.routed for v in model.views)


DRF_VIEWS = {
    "config/urls.py": '''
        from django.urls import path
        from blog import api

        urlpatterns = [
            path("a/", api.Plain.as_view()),
            path("b/", api.Inherits.as_view()),
            path("c/", api.Dynamic.as_view()),
            path("d/", api.decorated),
        ]
    ''',
    "blog/base.py": '''
        from rest_framework.permissions import IsAdminUser
        from rest_framework.views import APIView

        class BaseAPIView(APIView):
            permission_classes = [IsAdminUser]
    ''',
    "blog/api.py": '''
        from rest_framework import permissions
        from rest_framework.decorators import api_view, permission_classes
        from rest_framework.views import APIView
        from blog.base import BaseAPIView

        class Plain(APIView):
            def post(self, request):
                return None

        class Inherits(BaseAPIView):
            def post(self, request):
                return None

        class Dynamic(APIView):
            def get_permissions(self):
                if self.request.method == "GET":
                    return [permissions.AllowAny()]
                return [permissions.IsAuthenticated()]

        @api_view(["POST"])
        @permission_classes([permissions.IsAuthenticated | permissions.IsAdminUser])
        def decorated(request):
            return None
    ''',
}


def test_drf_permission_defaults_from_settings_and_inheritance(make_tree):
    project = project_of(make_tree, {**DRF_VIEWS, "config/settings.py": SETTINGS + '''
REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
'''})
    model = project.django
    plain = view(model, "blog.api.Plain")
    assert plain.permissions.source == "settings"
    assert plain.permissions.names == ("rest_framework.permissions.IsAuthenticated",)
    assert plain.permission_kind == "authenticated" and plain.evidence[0].level == "settings"
    inherits = view(model, "blog.api.Inherits")
    assert (inherits.permissions.source, inherits.permissions.defined_in) == ("base", "blog.base.BaseAPIView")
    assert inherits.permission_kind == "staff"
    dynamic = view(model, "blog.api.Dynamic")
    assert dynamic.permissions.source == "get_permissions" and dynamic.permission_kind == "authenticated"
    decorated = view(model, "blog.api.decorated")
    assert decorated.permissions.source == "decorator" and decorated.methods == {"POST"}
    assert set(decorated.permissions.names) == {"rest_framework.permissions.IsAuthenticated",
                                                "rest_framework.permissions.IsAdminUser"}


def test_drf_default_is_allowany_without_a_setting(make_tree):
    project = project_of(make_tree, {**DRF_VIEWS, "config/settings.py": SETTINGS})
    plain = view(project.django, "blog.api.Plain")
    assert plain.permissions.source == "default" and plain.permission_kind == "public"
    assert plain.evidence == ()


def test_drf_default_is_assumed_without_settings(make_tree, tmp_path):
    root = make_tree(DRF_VIEWS, root=tmp_path / "no_settings")
    found, _ = discover(root)
    project = link(root, [r.facts for r in (analyze_file(f, f.path.read_bytes()) for f in found) if r.facts])
    plain = project.django.view("blog.api.Plain")
    assert plain.permissions.source == "assumed" and plain.permission_kind == "public"


def test_ninja_routers_prefixes_and_auth(make_tree):
    project = project_of(make_tree, {
        "config/settings.py": SETTINGS,
        "config/urls.py": '''
            from django.urls import path
            from blog.api import api

            urlpatterns = [path("api/", api.urls)]
        ''',
        "blog/api.py": '''
            from ninja import NinjaAPI, Router
            from ninja.security import django_auth

            api = NinjaAPI()
            router = Router(auth=django_auth)
            api.add_router("/items/", router)

            @api.get("/ping")
            def ping(request):
                return "pong"

            @router.delete("/{item_id}")
            def remove(request, item_id: int):
                return None

            @router.get("/public", auth=None)
            def public(request):
                return None
        ''',
    })
    model = project.django
    assert routes(model) == {"/api/ping": "blog.api.ping", "/api/items/{item_id}": "blog.api.remove",
                             "/api/items/public": "blog.api.public"}
    assert view(model, "blog.api.ping").evidence == () and view(model, "blog.api.ping").public is None
    assert [e.level for e in view(model, "blog.api.remove").evidence] == ["router"]
    assert view(model, "blog.api.public").public is not None


def test_admin_mounts_and_models(make_tree):
    project = project_of(make_tree, {
        "config/settings.py": SETTINGS + 'AUTH_USER_MODEL = "accounts.Member"\n',
        "config/urls.py": '''
            from django.conf import settings
            from django.contrib import admin
            from django.urls import path

            urlpatterns = [path("admin/", admin.site.urls)]
            if settings.DEBUG:
                urlpatterns += [path("dev-admin/", admin.site.urls)]
        ''',
        "accounts/models.py": '''
            from django.contrib.auth.models import AbstractUser

            class Member(AbstractUser):
                pass
        ''',
        "blog/models.py": '''
            from django.conf import settings
            from django.db import models

            class Post(models.Model):
                author = models.ForeignKey("accounts.Member", on_delete=models.CASCADE)
                published = models.BooleanField(default=False)

            class Tag(models.Model):
                name = models.CharField(max_length=20)
        ''',
    })
    model = project.django
    assert [(m.path, m.debug_only) for m in model.admin_mounts] == [("/admin/", False), ("/dev-admin/", True)]
    assert model.model("accounts.models.Member").is_user_model
    post = model.model("blog.models.Post")
    assert post.owner_fields == ("author",) and post.public_flags == ("published",)
    assert not model.model("blog.models.Tag").user_owned


def test_lookup_facts_in_a_view_body():
    source = '''
from django.shortcuts import get_object_or_404
from blog.models import Post

def edit(request, pk):
    post = get_object_or_404(Post, pk=pk)
    if post.author != request.user:
        raise PermissionDenied
    post.title = request.POST["title"]
    post.save()

def mine(request, pk):
    return request.user.posts.get(pk=pk)
'''
    tree = ast.parse(source)
    names = ModuleNames.from_tree(tree, "blog.views")
    facts = django_facts(tree, "blog.views", "blog/views.py", names)
    edit, mine = facts.views
    (lookup,) = edit.queries
    assert (lookup.model, lookup.kind, lookup.fields) == ("blog.models.Post", "get_object_or_404", ("pk",))
    assert lookup.from_request and lookup.owner_checked and lookup.written and not lookup.user_scoped
    assert mine.queries[0].user_scoped
    assert pickle.loads(pickle.dumps(facts)) == facts


def test_modules_without_django_get_no_facts():
    tree = ast.parse("import os\n\ndef handler(request):\n    return os.getcwd()\n")
    assert django_facts(tree, "tools", "tools.py", ModuleNames.from_tree(tree, "tools")) is None


def test_template_facts_forms_and_unescaped_outputs():
    facts = template_facts('''{% extends "base.html" %}
<form method="post" action="{% url 'x' %}">{{ form }}</form>
<form method="POST">{% csrf_token %}</form>
<form action="https://pay.example.com/" method="post"></form>
{{ body|safe }} {{ "<b>"|safe }} {{ note|escape|safe }}
{% autoescape off %}{{ raw }}{% endautoescape %}
{# {{ hidden|safe }} #}
''', "blog/templates/blog/x.html")
    assert facts.extends == "base.html"
    assert [(f.line, f.posts, f.has_csrf, f.external) for f in facts.forms] == [
        (2, True, False, False), (3, True, True, False), (4, True, False, True)]
    assert [(o.expression, o.is_risky) for o in facts.outputs] == [
        ("body", True), ('"<b>"', False), ("note", False)]
    assert [o.expression for block in facts.autoescape_off for o in block.outputs] == ["raw"]
