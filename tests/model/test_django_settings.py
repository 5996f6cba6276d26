"""Snippet tests for the static Django settings model (split settings, env defaults, environments)."""

from __future__ import annotations

import ast
import pickle
import textwrap
from pathlib import Path

import pytest

from secprofile.config import Config
from secprofile._analysis import analyze_file
from secprofile.model.django_settings import DjangoSettings, classify, settings_facts
from secprofile.model.project import link
from secprofile.model.values import FromEnv, Literal, Unknown
from secprofile.source.discovery import discover
from secprofile.source.names import ModuleNames

SECURITY = "django.middleware.security.SecurityMiddleware"


def settings_of(root: Path, files: dict[str, str], config: Config | None = None) -> DjangoSettings:
    for relpath, source in files.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(source))
    found, _ = discover(root, ())
    results = [analyze_file(item, item.path.read_bytes()) for item in found]
    project = link(root, [r.facts for r in results if r.facts is not None], config or Config())
    return project.django_settings


BASE = """
    import environ

    env = environ.Env(DEBUG=(bool, False))
    DEBUG = env("DEBUG")
    INSTALLED_APPS = ["django.contrib.auth", "django.contrib.sessions"]
    MIDDLEWARE = [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ]
    ROOT_URLCONF = "proj.urls"
    REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
"""


def test_split_settings_follow_star_imports_overrides_and_list_changes(tmp_path):
    settings = settings_of(tmp_path, {
        "proj/__init__.py": "",
        "proj/settings/__init__.py": "",
        "proj/settings/base.py": BASE,
        "proj/settings/production.py": """
            from .base import *  # noqa

            DEBUG = False
            MIDDLEWARE += ["whitenoise.middleware.WhiteNoiseMiddleware"]
            MIDDLEWARE.insert(0, "django.middleware.security.SecurityMiddleware")
            INSTALLED_APPS.append("corsheaders")
            INSTALLED_APPS.remove("django.contrib.sessions")
            REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] = ["rest_framework.permissions.AllowAny"]
        """,
    })
    production = settings.module("proj.settings.production")
    assert production.kind == "production" and production.deployed and production.certain
    assert production.imports == ("proj.settings.base",)
    middleware = production.get("MIDDLEWARE")
    assert middleware.effective == [
        SECURITY,
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "whitenoise.middleware.WhiteNoiseMiddleware",
    ]
    # The list is defined in base.py: that is where a finding about it points; the changes are recorded.
    assert middleware.location.path == "proj/settings/base.py" and middleware.location.line == 7
    assert [u.location.line for u in middleware.updates] == [5, 6]
    assert production.get("INSTALLED_APPS").effective == ["django.contrib.auth", "corsheaders"]
    assert production.get("INSTALLED_APPS").removed_at("django.contrib.sessions").line == 8
    assert production.get("DEBUG").effective is False and production.get("DEBUG").location.line == 4
    rest = production.get("REST_FRAMEWORK")
    assert rest.effective["DEFAULT_PERMISSION_CLASSES"] == ["rest_framework.permissions.AllowAny"]
    assert rest.last_update("DEFAULT_PERMISSION_CLASSES").line == 9
    # base.py on its own is untouched by production's changes (no shared mutable payloads).
    base = settings.module("proj.settings.base")
    assert SECURITY not in base.get("MIDDLEWARE").effective
    assert base.get("REST_FRAMEWORK").effective["DEFAULT_PERMISSION_CLASSES"][0].endswith("IsAuthenticated")
    assert base.kind == "base" and not base.deployed


def test_absolute_star_import_and_tuple_concatenation(tmp_path):
    settings = settings_of(tmp_path, {
        "proj/settings/base.py": BASE,
        "proj/settings/prod.py": """
            from proj.settings.base import *  # noqa

            MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"] + MIDDLEWARE
            EXTRA_APPS = ["blog"]
            INSTALLED_APPS = [*INSTALLED_APPS, *EXTRA_APPS]
        """,
    })
    prod = settings.module("proj.settings.prod")
    assert prod.get("MIDDLEWARE").effective[0] == SECURITY
    assert prod.get("MIDDLEWARE").location.path == "proj/settings/prod.py"
    assert prod.get("INSTALLED_APPS").effective == ["django.contrib.auth", "django.contrib.sessions", "blog"]


@pytest.mark.parametrize(
    "expression, variable, default",
    [
        ('os.environ.get("DJANGO_DEBUG", "True") == "True"', "DJANGO_DEBUG", True),
        ('os.getenv("DEBUG", "0") == "1"', "DEBUG", False),
        ('env("DEBUG")', "DEBUG", True),  # the Env scheme's default
        ('env.bool("DEBUG")', "DEBUG", True),
        ('env.bool("DEBUG", default=False)', "DEBUG", False),  # the call's default wins
        ('config("DEBUG", default=True, cast=bool)', "DEBUG", True),
        ('config("DEBUG", default="off", cast=bool)', "DEBUG", False),
    ],
)
def test_environment_reads_keep_their_unsafe_default(tmp_path, expression, variable, default):
    settings = settings_of(tmp_path, {
        "site/settings.py": f"""
            import os
            import environ
            from decouple import config

            env = environ.Env(DEBUG=(bool, True), ALLOWED_HOSTS=(list, ["*"]))
            ROOT_URLCONF = "site.urls"
            DEBUG = {expression}
        """,
    })
    debug = settings.module("site.settings").get("DEBUG")
    assert isinstance(debug.value, FromEnv)
    assert debug.value.variable == variable and debug.effective == default


def test_required_environment_variable_is_not_a_default(tmp_path):
    settings = settings_of(tmp_path, {
        "site/settings.py": """
            import os
            ROOT_URLCONF = "site.urls"
            SECRET_KEY = os.environ["SECRET_KEY"]
            DEBUG = os.environ.get("DEBUG") == "1"
        """,
    })
    module = settings.module("site.settings")
    assert isinstance(module.get("SECRET_KEY").value, FromEnv) and not module.get("SECRET_KEY").value.has_default
    assert not module.get("DEBUG").value.has_default  # unknown, not an unsafe default


def test_env_object_and_scheme_come_from_the_base_module(tmp_path):
    settings = settings_of(tmp_path, {
        "proj/settings/base.py": """
            import environ
            env = environ.Env(ALLOWED_HOSTS=(list, ["*"]))
            ROOT_URLCONF = "proj.urls"
        """,
        "proj/settings/production.py": """
            from .base import *  # noqa
            from .base import env

            DEBUG = env.bool("DJANGO_DEBUG", default=True)
            ALLOWED_HOSTS = env("ALLOWED_HOSTS")
            SESSION_COOKIE_SECURE = not DEBUG
        """,
    })
    production = settings.module("proj.settings.production")
    assert production.get("DEBUG").value == FromEnv("DJANGO_DEBUG", True, production.get("DEBUG").value.text)
    assert production.get("ALLOWED_HOSTS").effective == ["*"]
    secure = production.get("SESSION_COOKIE_SECURE")
    assert isinstance(secure.value, FromEnv) and secure.effective is False and "DEBUG" in secure.refs


def test_if_debug_blocks_are_decided_or_marked_conditional(tmp_path):
    settings = settings_of(tmp_path, {
        "proj/settings/production.py": """
            import os
            DEBUG = False
            ROOT_URLCONF = "proj.urls"
            INSTALLED_APPS = ["django.contrib.auth"]
            if DEBUG:
                INSTALLED_APPS += ["debug_toolbar"]
                CORS_ALLOW_ALL_ORIGINS = True
            if not DEBUG:
                SECURE_SSL_REDIRECT = True
            if os.environ.get("FEATURE_X"):
                SECURE_HSTS_SECONDS = 0
            else:
                SECURE_HSTS_SECONDS = 3600
        """,
    })
    module = settings.module("proj.settings.production")
    assert module.get("INSTALLED_APPS").effective == ["django.contrib.auth"]  # dead branch not applied
    assert module.get("CORS_ALLOW_ALL_ORIGINS") is None
    assert [s.effective for s in module.elsewhere("CORS_ALLOW_ALL_ORIGINS")] == [True]
    assert module.get("SECURE_SSL_REDIRECT").effective is True and not module.get("SECURE_SSL_REDIRECT").conditional
    hsts = module.get("SECURE_HSTS_SECONDS")
    assert hsts.conditional and "FEATURE_X" in hsts.conditional  # unknown test: marked, never claimed


def test_env_default_decides_a_branch_by_default_only(tmp_path):
    settings = settings_of(tmp_path, {
        "proj/settings.py": """
            import os
            DEBUG = os.environ.get("DEBUG", "0") == "1"
            ROOT_URLCONF = "proj.urls"
            if DEBUG:
                ALLOWED_HOSTS = ["*"]
            else:
                ALLOWED_HOSTS = ["proj.example.com"]
        """,
    })
    module = settings.module("proj.settings")
    hosts = module.get("ALLOWED_HOSTS")
    assert hosts.effective == ["proj.example.com"] and hosts.conditional  # in force when DEBUG is unset
    assert [s.effective for s in module.elsewhere("ALLOWED_HOSTS")] == [["*"]]


def test_optional_local_import_is_an_alternative_not_the_value_in_force(tmp_path):
    settings = settings_of(tmp_path, {
        "proj/settings/__init__.py": """
            from .base import *  # noqa

            try:
                from .local import *  # noqa
            except ImportError:
                pass
        """,
        "proj/settings/base.py": BASE,
        "proj/settings/local.py": "DEBUG = True\n",
    })
    package = settings.module("proj.settings")
    assert package.deployed and not package.certain and package.kind == "settings"
    assert package.get("DEBUG").effective is False
    assert [s.effective for s in package.elsewhere("DEBUG")] == [True]


def test_environment_is_recognised_by_name():
    assert classify("config.settings.production") == "production"
    assert classify("proj.settings_prod") == "production"
    assert classify("proj.live_settings") == "production"
    assert classify("proj.settings.local") == "development"
    assert classify("proj.test_settings") == "development"
    assert classify("tests.settings") == "development"
    assert classify("proj.settings.dev") == "development"
    assert classify("proj.settings.base") == "base"
    assert classify("proj.settings") == "settings"
    assert classify("devops_portal.settings") == "settings"  # words, not substrings
    assert classify("proj.settings.staging", production_names=("staging",)) == "production"


def test_deploy_only_applicability(tmp_path):
    settings = settings_of(tmp_path, {
        "blog/manage.py": """
            import os

            def main():
                os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blog.settings.dev")
        """,
        "blog/blog/wsgi.py": """
            import os
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "blog.settings.production")
        """,
        "blog/blog/settings/base.py": BASE,
        "blog/blog/settings/dev.py": "from .base import *  # noqa\nDEBUG = True\n",
        "blog/blog/settings/production.py": "from .base import *  # noqa\n",
        "lone/lone/settings.py": 'ROOT_URLCONF = "lone.urls"\nDEBUG = True\n',
        "lone/lone/settings_local.py": "from .settings import *  # noqa\n",
        "tests/settings.py": 'ROOT_URLCONF = "tests.urls"\n',
    })
    by_name = {m.name: m for m in settings.modules}
    deployed = {m.name for m in settings.production}
    assert deployed == {"blog.blog.settings.production", "lone.lone.settings"}
    assert by_name["blog.blog.settings.production"].certain
    assert by_name["blog.blog.settings.production"].referenced_by == ("blog/blog/wsgi.py",)
    assert by_name["blog.blog.settings.dev"].referenced_by == ("blog/manage.py",)
    assert not by_name["lone.lone.settings"].certain  # deployed by assumption: lower confidence
    assert not by_name["tests.settings"].deployed and by_name["tests.settings"].kind == "development"
    # Rules that are not deploy-only also look at non-development roots, never at dev/test modules.
    assert {m.name for m in settings.judged(deploy_only=False)} == deployed


def test_configured_settings_modules_replace_discovery(tmp_path):
    files = {
        "proj/settings/base.py": BASE,
        "proj/settings/staging.py": "from .base import *  # noqa\n",
        "proj/settings/production.py": "from .base import *  # noqa\n",
    }
    settings = settings_of(tmp_path, files, Config(settings_modules=("proj.settings.staging",)))
    assert [m.name for m in settings.production] == ["proj.settings.staging"]
    assert settings.production[0].certain
    assert {m.name for m in settings.modules} == {"proj.settings.staging", "proj.settings.base"}


def test_framework_code_and_project_templates_are_not_settings(tmp_path):
    settings = settings_of(tmp_path, {
        "django/conf/global_settings.py": """
            DEBUG = False
            ALLOWED_HOSTS = []
            INSTALLED_APPS = []
            MIDDLEWARE = []
            SECRET_KEY = ""
            SECURE_HSTS_SECONDS = 0
        """,
        "wagtail/project_template/project_name/settings/production.py": """
            from .base import *  # noqa
            DEBUG = False
        """,
        "wagtail/project_template/project_name/settings/base.py": BASE,
    })
    assert not settings


def test_missing_settings_point_at_the_commented_line_or_the_star_import(tmp_path):
    settings = settings_of(tmp_path, {
        "proj/settings/base.py": BASE,
        "proj/settings/production.py": """
            \"\"\"Production.\"\"\"
            from .base import *  # noqa

            # SECURE_HSTS_SECONDS = 31536000
        """,
    })
    production = settings.module("proj.settings.production")
    assert production.missing_at("SECURE_HSTS_SECONDS").line == 5
    assert production.missing_at("SECURE_SSL_REDIRECT").line == 3


def test_facts_are_none_for_ordinary_modules_and_picklable_for_settings():
    ordinary = "import os\n\ndef view(request):\n    return os.getcwd()\nDEBUG_LEVEL = 3\n"
    tree = ast.parse(ordinary)
    assert settings_facts(tree, "app.views", "app/views.py", ModuleNames.from_tree(tree, "app.views")) is None
    source = textwrap.dedent(BASE)
    tree = ast.parse(source)
    facts = settings_facts(tree, "proj.settings", "proj/settings.py", ModuleNames.from_tree(tree, "proj.settings"))
    assert facts is not None and facts.evident and "MIDDLEWARE" in facts.assigned
    assert pickle.loads(pickle.dumps(facts)) == facts
    debug = next(s for s in facts.statements if getattr(s, "name", "") == "DEBUG")
    assert isinstance(debug.value, FromEnv) and debug.value.default is False  # the Env scheme default


def test_partly_unknown_lists_keep_their_known_items(tmp_path):
    settings = settings_of(tmp_path, {
        "proj/settings.py": """
            from proj.utils import extra_middleware
            ROOT_URLCONF = "proj.urls"
            MIDDLEWARE = [*extra_middleware(), "django.middleware.csrf.CsrfViewMiddleware"]
        """,
    })
    middleware = settings.module("proj.settings").get("MIDDLEWARE").effective
    assert isinstance(middleware[0], Unknown) and middleware[1] == "django.middleware.csrf.CsrfViewMiddleware"


def test_templates_item_assignment_updates_nested_options(tmp_path):
    settings = settings_of(tmp_path, {
        "proj/settings.py": """
            ROOT_URLCONF = "proj.urls"
            TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "OPTIONS": {}}]
            TEMPLATES[0]["OPTIONS"]["autoescape"] = False
        """,
    })
    templates = settings.module("proj.settings").get("TEMPLATES")
    assert templates.effective[0]["OPTIONS"] == {"autoescape": False}
    assert templates.last_update(0, "OPTIONS", "autoescape").line == 4
    assert isinstance(templates.value, Literal)


def test_production_module_chosen_by_the_settings_package_is_judged_inside_it(tmp_path):
    settings = settings_of(tmp_path, {
        "proj/settings/__init__.py": """
            import os

            from .base import *  # noqa

            if os.environ.get("DJANGO_ENV") == "production":
                from .production import *  # noqa
            else:
                from .development import *  # noqa
        """,
        "proj/settings/base.py": BASE,
        "proj/settings/production.py": "DEBUG = False\nSECURE_SSL_REDIRECT = True\n",
        "proj/settings/development.py": "DEBUG = True\nSECURE_SSL_REDIRECT = False\n",
    })
    production = settings.module("proj.settings.production")
    assert production.deployed
    # base.py's MIDDLEWARE is in force (the package imported it first), development.py's values are not.
    assert production.get("MIDDLEWARE") is not None and production.get("MIDDLEWARE").location.path.endswith("base.py")
    assert production.get("DEBUG").effective is False and not production.get("DEBUG").conditional
    assert production.get("SECURE_SSL_REDIRECT").effective is True
