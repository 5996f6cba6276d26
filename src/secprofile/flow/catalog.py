"""What is a source, a sink, a sanitizer or a propagator, by qualified name (DESIGN §5).

Names are those :meth:`ModuleNames.resolve` gives, so aliases (``import subprocess as sp``,
``from os import system``) are handled by resolution, never here.
"""

from __future__ import annotations

import re

from secprofile.flow.model import SINK_KINDS

ALL = frozenset(SINK_KINDS)

# --- sources --------------------------------------------------------------------------------

# Parameters that hold the request object (any framework), and their annotations.
REQUEST_PARAM_NAMES = frozenset({"request", "req"})
WEBSOCKET_PARAM_NAMES = frozenset({"websocket", "ws"})
REQUEST_TYPES = frozenset(
    {"fastapi.Request", "fastapi.requests.Request", "starlette.requests.Request", "starlette.requests.HTTPConnection",
     "django.http.HttpRequest", "django.http.request.HttpRequest", "django.core.handlers.wsgi.WSGIRequest",
     "django.core.handlers.asgi.ASGIRequest", "rest_framework.request.Request", "ninja.HttpRequest"}
)
WEBSOCKET_TYPES = frozenset({"fastapi.WebSocket", "fastapi.websockets.WebSocket", "starlette.websockets.WebSocket"})
GLOBAL_REQUESTS = frozenset({"flask.request", "quart.request", "bottle.request"})

# request.<attribute> → (kind, what to call it)
REQUEST_ATTRIBUTES = {
    "GET": ("query", "query parameter"),
    "query_params": ("query", "query parameter"),
    "args": ("query", "query parameter"),
    "values": ("query", "request parameter"),
    "REQUEST": ("query", "request parameter"),
    "path_params": ("path", "path parameter"),
    "POST": ("form", "form field"),
    "form": ("form", "form field"),
    "body": ("body", "request body"),
    "data": ("body", "request data"),
    "json": ("body", "JSON body"),
    "raw_post_data": ("body", "request body"),
    "FILES": ("file", "uploaded file"),
    "files": ("file", "uploaded file"),
    "COOKIES": ("cookie", "cookie"),
    "cookies": ("cookie", "cookie"),
    "headers": ("header", "header"),
    "META": ("header", "request header"),
}
# await request.<method>() → (kind, what to call it)
REQUEST_METHODS = {
    "json": ("body", "JSON body"),
    "form": ("form", "form data"),
    "body": ("body", "request body"),
    "stream": ("body", "request body"),
    "read": ("body", "request body"),
    "readline": ("body", "request body"),
    "readlines": ("body", "request body"),
    "get_json": ("body", "JSON body"),
    "get_data": ("body", "request body"),
}
WEBSOCKET_METHODS = frozenset({"receive_text", "receive_json", "receive_bytes", "receive", "iter_text", "iter_json",
                               "iter_bytes"})
# Keyed reads on a source mapping: request.GET.get("q"), request.headers["X"] ...
KEYED_READS = frozenset({"get", "getlist", "getone", "pop", "__getitem__"})
# META keys the server sets, not the client.
SERVER_META = frozenset({"REMOTE_ADDR", "SERVER_NAME", "SERVER_PORT", "REQUEST_METHOD", "SERVER_PROTOCOL",
                         "SCRIPT_NAME", "CONTENT_LENGTH", "REMOTE_HOST", "wsgi.url_scheme"})
# FastAPI parameter markers whose value comes from the request.
SOURCE_MARKERS = {
    "Query": ("query", "query parameter"), "Path": ("path", "path parameter"), "Body": ("body", "body field"),
    "Header": ("header", "header"), "Cookie": ("cookie", "cookie"), "Form": ("form", "form field"),
    "File": ("file", "uploaded file"),
}
# Handler parameter types that are not request data at all.
FRAMEWORK_TYPES = frozenset(
    {*REQUEST_TYPES, *WEBSOCKET_TYPES, "fastapi.Response", "fastapi.responses.Response", "starlette.responses.Response",
     "fastapi.BackgroundTasks", "starlette.background.BackgroundTasks", "fastapi.background.BackgroundTasks",
     "fastapi.security.SecurityScopes", "fastapi.security.oauth2.SecurityScopes"}
)
# Types that no string injection can pass (an int path parameter can still be an IDOR, not an SQLi).
SAFE_TYPES = frozenset(
    {"builtins.int", "builtins.float", "builtins.bool", "builtins.complex", "uuid.UUID", "decimal.Decimal",
     "datetime.datetime", "datetime.date", "datetime.time", "datetime.timedelta",
     "pydantic.PositiveInt", "pydantic.NegativeInt", "pydantic.NonNegativeInt", "pydantic.NonPositiveInt",
     "pydantic.PositiveFloat", "pydantic.NegativeFloat", "pydantic.NonNegativeFloat", "pydantic.StrictInt",
     "pydantic.StrictFloat", "pydantic.StrictBool", "pydantic.UUID1", "pydantic.UUID3", "pydantic.UUID4",
     "pydantic.UUID5", "pydantic.FutureDate", "pydantic.PastDate", "pydantic.AwareDatetime",
     "pydantic.NaiveDatetime", "pydantic.conint", "pydantic.confloat", "pydantic.condecimal", "pydantic.condate",
     "typing.Literal", "typing_extensions.Literal"}
)
SAFE_FIELD_TEXT = re.compile(
    r"^(?:Optional\[)?\s*(?:int|float|bool|complex|UUID\d?|uuid\.UUID|datetime|date|time|timedelta|"
    r"(?:datetime\.)?(?:datetime|date|time|timedelta)|Decimal|decimal\.Decimal|Positive(?:Int|Float)|"
    r"Negative(?:Int|Float)|NonNegative(?:Int|Float)|NonPositive(?:Int|Float)|Strict(?:Int|Float|Bool)|"
    r"con(?:int|float|decimal|date)\(.*\)|Literal\[.*\]|(?:typing\.)?Literal\[.*\])\s*\]?\s*(?:\|\s*None)?\s*$"
)

# --- sinks ----------------------------------------------------------------------------------

# qualified function → (kind, display name, argument positions, argument keywords)
_SQL_TEXT = ("sql", "text()", (0,), ("text",))
SINK_FUNCTIONS: dict[str, tuple[str, str, tuple[int, ...], tuple[str, ...]]] = {
    # SQL
    "sqlalchemy.text": _SQL_TEXT, "sqlalchemy.sql.text": _SQL_TEXT, "sqlalchemy.sql.expression.text": _SQL_TEXT,
    "sqlmodel.text": _SQL_TEXT, "sqlalchemy.sql.elements.TextClause": _SQL_TEXT,
    "django.db.models.expressions.RawSQL": ("sql", "RawSQL()", (0,), ("sql",)),
    "django.db.models.RawSQL": ("sql", "RawSQL()", (0,), ("sql",)),
    "pandas.read_sql": ("sql", "pandas.read_sql()", (0,), ("sql",)),
    "pandas.read_sql_query": ("sql", "pandas.read_sql_query()", (0,), ("sql",)),
    # XSS
    "fastapi.responses.HTMLResponse": ("xss", "HTMLResponse", (0,), ("content",)),
    "starlette.responses.HTMLResponse": ("xss", "HTMLResponse", (0,), ("content",)),
    "markupsafe.Markup": ("xss", "Markup()", (0,), ("base", "object")),
    "jinja2.Markup": ("xss", "Markup()", (0,), ("base", "object")),
    "flask.Markup": ("xss", "Markup()", (0,), ("base", "object")),
    # command
    "os.system": ("command", "os.system()", (0,), ("command",)),
    "os.popen": ("command", "os.popen()", (0,), ("cmd",)),
    "subprocess.getoutput": ("command", "subprocess.getoutput()", (0,), ("cmd",)),
    "subprocess.getstatusoutput": ("command", "subprocess.getstatusoutput()", (0,), ("cmd",)),
    "asyncio.create_subprocess_shell": ("command", "asyncio.create_subprocess_shell()", (0,), ("cmd",)),
    "asyncio.subprocess.create_subprocess_shell": ("command", "asyncio.create_subprocess_shell()", (0,), ("cmd",)),
    # code
    "builtins.eval": ("code", "eval()", (0,), ("source",)),
    "builtins.exec": ("code", "exec()", (0,), ("source",)),
    "builtins.compile": ("code", "compile()", (0,), ("source",)),
    # template injection (the template *source* is user data)
    "jinja2.Template": ("template", "jinja2.Template()", (0,), ("source",)),
    "jinja2.environment.Template": ("template", "jinja2.Template()", (0,), ("source",)),
    "flask.render_template_string": ("template", "render_template_string()", (0,), ("source",)),
    "django.template.Template": ("template", "django Template()", (0,), ("template_string",)),
    "django.template.base.Template": ("template", "django Template()", (0,), ("template_string",)),
    "mako.template.Template": ("template", "mako Template()", (0,), ("text",)),
    # path
    "builtins.open": ("path", "open()", (0,), ("file",)),
    "io.open": ("path", "open()", (0,), ("file",)),
    "os.open": ("path", "os.open()", (0,), ("path",)),
    "codecs.open": ("path", "codecs.open()", (0,), ("filename",)),
    "aiofiles.open": ("path", "aiofiles.open()", (0,), ("file",)),
    "os.remove": ("path", "os.remove()", (0,), ("path",)),
    "os.unlink": ("path", "os.unlink()", (0,), ("path",)),
    "os.rmdir": ("path", "os.rmdir()", (0,), ("path",)),
    "os.removedirs": ("path", "os.removedirs()", (0,), ("name",)),
    "os.rename": ("path", "os.rename()", (0, 1), ("src", "dst")),
    "os.replace": ("path", "os.replace()", (0, 1), ("src", "dst")),
    "shutil.rmtree": ("path", "shutil.rmtree()", (0,), ("path",)),
    "shutil.copy": ("path", "shutil.copy()", (0, 1), ("src", "dst")),
    "shutil.copy2": ("path", "shutil.copy2()", (0, 1), ("src", "dst")),
    "shutil.copyfile": ("path", "shutil.copyfile()", (0, 1), ("src", "dst")),
    "shutil.copytree": ("path", "shutil.copytree()", (0, 1), ("src", "dst")),
    "shutil.move": ("path", "shutil.move()", (0, 1), ("src", "dst")),
    "fastapi.responses.FileResponse": ("path", "FileResponse", (0,), ("path",)),
    "starlette.responses.FileResponse": ("path", "FileResponse", (0,), ("path",)),
    "flask.send_file": ("path", "send_file()", (0,), ("path_or_file",)),
    "shutil.unpack_archive": ("archive", "shutil.unpack_archive()", (0,), ("filename",)),
    # SSRF
    "urllib.request.urlopen": ("ssrf", "urlopen()", (0,), ("url",)),
    "urllib.request.urlretrieve": ("ssrf", "urlretrieve()", (0,), ("url",)),
    "aiohttp.request": ("ssrf", "aiohttp.request()", (1,), ("url",)),
    # open redirect
    "fastapi.responses.RedirectResponse": ("redirect", "RedirectResponse", (0,), ("url",)),
    "starlette.responses.RedirectResponse": ("redirect", "RedirectResponse", (0,), ("url",)),
    "django.shortcuts.redirect": ("redirect", "redirect()", (0,), ("to",)),
    "django.http.HttpResponseRedirect": ("redirect", "HttpResponseRedirect", (0,), ("redirect_to",)),
    "django.http.response.HttpResponseRedirect": ("redirect", "HttpResponseRedirect", (0,), ("redirect_to",)),
    "django.http.HttpResponsePermanentRedirect": ("redirect", "HttpResponsePermanentRedirect", (0,),
                                                  ("redirect_to",)),
    "django.http.response.HttpResponsePermanentRedirect": ("redirect", "HttpResponsePermanentRedirect", (0,),
                                                           ("redirect_to",)),
    "flask.redirect": ("redirect", "redirect()", (0,), ("location",)),
    # deserialization
    "pickle.loads": ("deserialization", "pickle.loads()", (0,), ("data",)),
    "pickle.load": ("deserialization", "pickle.load()", (0,), ("file",)),
    "_pickle.loads": ("deserialization", "pickle.loads()", (0,), ("data",)),
    "cPickle.loads": ("deserialization", "pickle.loads()", (0,), ("data",)),
    "dill.loads": ("deserialization", "dill.loads()", (0,), ("str",)),
    "dill.load": ("deserialization", "dill.load()", (0,), ("file",)),
    "marshal.loads": ("deserialization", "marshal.loads()", (0,), ("bytes",)),
    "marshal.load": ("deserialization", "marshal.load()", (0,), ("file",)),
    "jsonpickle.decode": ("deserialization", "jsonpickle.decode()", (0,), ("string",)),
    "jsonpickle.unpickler.decode": ("deserialization", "jsonpickle.decode()", (0,), ("string",)),
    "yaml.unsafe_load": ("deserialization", "yaml.unsafe_load()", (0,), ("stream",)),
    "yaml.unsafe_load_all": ("deserialization", "yaml.unsafe_load_all()", (0,), ("stream",)),
    "pandas.read_pickle": ("deserialization", "pandas.read_pickle()", (0,), ("filepath_or_buffer",)),
    "joblib.load": ("deserialization", "joblib.load()", (0,), ("filename",)),
    "shelve.open": ("deserialization", "shelve.open()", (0,), ("filename",)),
}
# Django class-based views redirect to what these methods return (FormView, CreateView, UpdateView,
# DeleteView: get_success_url; RedirectView and the auth views' RedirectURLMixin: get_redirect_url;
# LogoutView: get_next_page; LoginView/LogoutView: get_default_redirect_url) ...
CBV_REDIRECT_METHODS = frozenset({"get_success_url", "get_redirect_url", "get_next_page", "get_default_redirect_url"})
# ... and to what these attributes hold (FormMixin/DeletionMixin.success_url, RedirectURLMixin.next_page).
CBV_REDIRECT_ATTRIBUTES = frozenset({"success_url", "next_page"})
# Base classes that make a class a Django view (FormView, CreateView, LoginView, RedirectView, their mixins).
DJANGO_VIEW_PREFIXES = ("django.views.generic.", "django.contrib.auth.views.")
DJANGO_VIEW_NAMES = frozenset({"django.views.View"})
# yaml.load: a sink unless the Loader is a safe one.
YAML_LOADS = frozenset({"yaml.load", "yaml.load_all"})
SAFE_YAML_LOADERS = ("SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader")
# Django's HttpResponse family: HTML unless another content type is given.
DJANGO_HTML_RESPONSES = frozenset(
    {f"django.http{module}.{name}" for module in ("", ".response")
     for name in ("HttpResponse", "HttpResponseBadRequest", "HttpResponseNotFound", "HttpResponseForbidden",
                  "HttpResponseServerError", "HttpResponseGone")}
)
# Starlette's plain Response: HTML only with an HTML media type.
GENERIC_RESPONSES = frozenset({"fastapi.Response", "fastapi.responses.Response", "starlette.responses.Response"})
SUBPROCESS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                        "subprocess.Popen"})
EXEC_SUBPROCESS = frozenset({"asyncio.create_subprocess_exec", "asyncio.subprocess.create_subprocess_exec",
                             "os.execl", "os.execlp", "os.execv", "os.execvp", "os.spawnl", "os.spawnlp"})
SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "zsh", "cmd", "cmd.exe", "powershell", "/usr/bin/bash",
                    "/usr/bin/sh"})
HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"})
HTTP_MODULES = ("requests", "httpx")
HTTP_CLIENT_TYPES = frozenset(
    {"httpx.Client", "httpx.AsyncClient", "requests.Session", "requests.session", "requests.sessions.Session",
     "aiohttp.ClientSession", "aiohttp.client.ClientSession", "urllib3.PoolManager"}
)
# Method names that run SQL on a DB-API cursor/connection, a SQLAlchemy session or connection,
# asyncpg, aiosqlite or databases.
SQL_METHODS = frozenset({"execute", "executemany", "executescript", "exec_driver_sql", "fetch", "fetchrow",
                         "fetchval", "fetch_all", "fetch_one", "fetch_val", "iterate", "mogrify"})
SQL_PARAM_KEYWORDS = frozenset({"params", "parameters", "args", "values", "vars", "parameters_", "bind_params"})
DB_RECEIVER = re.compile(
    r"(?:^|_)(?:cur|curs|cursor|conn|connection|con|db|database|session|sess|tx|txn|transaction|engine|pool|sqlite)$"
    r"|^c$",
    re.I,
)
DB_TYPES_HINT = re.compile(
    r"^(?:sqlalchemy|sqlmodel|sqlite3|psycopg2?|pymysql|MySQLdb|asyncpg|aiosqlite|databases|aiomysql|aiopg|"
    r"cx_Oracle|oracledb|pyodbc|django\.db)\b"
)
DB_FACTORIES = re.compile(
    r"^(?:sqlite3\.connect|psycopg2?\.connect|pymysql\.connect|MySQLdb\.connect|asyncpg\.connect|"
    r"asyncpg\.create_pool|aiosqlite\.connect|aiomysql\.connect|aiopg\.connect|pyodbc\.connect|"
    r"sqlalchemy\.create_engine|sqlalchemy\.orm\.Session|sqlmodel\.Session|sqlalchemy\.ext\.asyncio\.AsyncSession|"
    r"sqlalchemy\.ext\.asyncio\.create_async_engine|databases\.Database|django\.db\.connection\.cursor|"
    r"django\.db\.connections\.__getitem__)$"
)
DB_METHOD_RESULTS = frozenset({"cursor", "connect", "acquire", "begin", "connection", "raw_connection",
                               "get_connection"})
DB_DEPENDENCY = re.compile(r"(?:^|_)(?:db|session|conn|connection|database|cursor)(?:$|_)", re.I)
PATH_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "touch",
                          "symlink_to", "hardlink_to"})
TEMPLATE_RENDER = frozenset({"render", "render_async", "generate", "generate_async", "stream"})
SINK_METHODS = SQL_METHODS | PATH_METHODS | frozenset({"raw", "extra", "extractall", "extract", "from_string"})
# Calls whose module marks a function as worth summarising in the worker.
SINK_PREFIXES = ("subprocess.", "requests.", "httpx.", "urllib.request.", "aiohttp.", "pickle.", "yaml.",
                 "marshal.", "dill.", "jsonpickle.", "tarfile.", "shutil.", "flask.request", "quart.request",
                 "django.http.", "django.shortcuts.redirect", "fastapi.responses.", "starlette.responses.",
                 "sqlalchemy.text", "jinja2.", "os.system", "os.popen", "os.remove", "os.unlink")

# --- sanitizers and propagators --------------------------------------------------------------

# Calls whose result carries no injectable text.
CLEAN_CALLS = frozenset(
    {"builtins.int", "builtins.float", "builtins.bool", "builtins.len", "builtins.abs", "builtins.round",
     "builtins.hash", "builtins.id", "builtins.isinstance", "builtins.issubclass", "builtins.callable",
     "builtins.hasattr", "builtins.ord", "builtins.any", "builtins.all", "builtins.complex", "builtins.divmod",
     "uuid.UUID", "decimal.Decimal", "datetime.date.fromisoformat", "datetime.datetime.fromisoformat",
     "datetime.datetime.strptime", "datetime.datetime.fromtimestamp", "ipaddress.ip_address",
     "ipaddress.ip_network", "math.floor", "math.ceil", "django.utils.text.slugify", "slugify.slugify",
     "django.utils.dateparse.parse_date", "django.utils.dateparse.parse_datetime", "os.path.exists",
     "os.path.isfile", "os.path.isdir", "os.path.getsize", "secrets.compare_digest", "hmac.compare_digest",
     "bleach.clean", "nh3.clean", "django.utils.html.strip_tags", "django.utils.html.format_html",
     "django.urls.reverse", "django.urls.base.reverse"}
)
# Calls whose result is safe for some sink classes only.
SANITIZERS: dict[str, frozenset[str]] = {
    "html.escape": frozenset({"xss"}),
    "markupsafe.escape": frozenset({"xss"}),
    "jinja2.escape": frozenset({"xss"}),
    "flask.escape": frozenset({"xss"}),
    "cgi.escape": frozenset({"xss"}),
    "xml.sax.saxutils.escape": frozenset({"xss"}),
    "django.utils.html.escape": frozenset({"xss"}),
    "django.utils.html.conditional_escape": frozenset({"xss"}),
    "django.utils.html.escapejs": frozenset({"xss"}),
    "shlex.quote": frozenset({"command"}),
    "pipes.quote": frozenset({"command"}),
    "shlex.join": frozenset({"command"}),
    "os.path.basename": frozenset({"path"}),
    "posixpath.basename": frozenset({"path"}),
    "werkzeug.utils.secure_filename": frozenset({"path"}),
    "werkzeug.secure_filename": frozenset({"path"}),
    "django.utils.text.get_valid_filename": frozenset({"path"}),
    "django.core.files.storage.default_storage.get_valid_name": frozenset({"path"}),
    "urllib.parse.quote": frozenset({"sql", "xss", "command", "code", "template"}),
    "urllib.parse.quote_plus": frozenset({"sql", "xss", "command", "code", "template", "path"}),
    "urllib.parse.urlencode": frozenset({"sql", "xss", "command", "code", "template", "path"}),
    "django.utils.http.urlencode": frozenset({"sql", "xss", "command", "code", "template", "path"}),
    "base64.b64encode": frozenset({"sql", "xss", "command", "code", "template", "redirect", "ssrf"}),
    "base64.urlsafe_b64encode": frozenset({"sql", "xss", "command", "code", "template", "redirect", "ssrf"}),
    "markupsafe.Markup.escape": frozenset({"xss"}),
}
NORMALIZERS = frozenset({"os.path.realpath", "os.path.abspath", "os.path.normpath", "posixpath.realpath",
                         "posixpath.abspath", "posixpath.normpath"})
# Calls whose result carries their arguments' data.
PROPAGATORS = frozenset(
    {"builtins.str", "builtins.repr", "builtins.bytes", "builtins.bytearray", "builtins.list", "builtins.tuple",
     "builtins.dict", "builtins.set", "builtins.frozenset", "builtins.sorted", "builtins.reversed", "builtins.format",
     "builtins.max", "builtins.min", "builtins.next", "builtins.iter", "builtins.enumerate", "builtins.zip",
     "builtins.filter", "builtins.map", "builtins.memoryview", "builtins.getattr", "os.path.join", "posixpath.join",
     "ntpath.join", "os.path.expanduser", "os.fspath", "os.fsencode", "os.fsdecode", "pathlib.Path",
     "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath", "base64.b64decode", "base64.urlsafe_b64decode",
     "base64.b32decode", "base64.b16decode", "base64.decodebytes", "base64.standard_b64decode", "binascii.unhexlify",
     "binascii.a2b_base64", "codecs.decode", "codecs.encode", "zlib.decompress", "gzip.decompress",
     "bz2.decompress", "lzma.decompress", "json.loads", "json.load", "json.dumps", "ujson.loads", "orjson.loads",
     "simplejson.loads", "urllib.parse.unquote", "urllib.parse.unquote_plus", "urllib.parse.urlparse",
     "urllib.parse.urlsplit", "urllib.parse.urljoin", "urllib.parse.urlunparse", "urllib.parse.urlunsplit",
     "urllib.parse.parse_qs", "urllib.parse.parse_qsl", "urllib.request.Request", "io.BytesIO", "io.StringIO",
     "tarfile.open", "tarfile.TarFile", "zipfile.ZipFile", "shlex.split", "textwrap.dedent", "textwrap.indent",
     "string.Template", "copy.copy", "copy.deepcopy", "typing.cast", "itertools.chain", "functools.reduce",
     "re.sub", "re.escape", "django.utils.encoding.force_str", "django.utils.encoding.smart_str",
     "django.utils.encoding.force_bytes", "django.utils.safestring.mark_safe", "django.utils.html.linebreaks",
     "markdown.markdown", "fastapi.encoders.jsonable_encoder", "yaml.safe_load", "yaml.dump",
     "django.utils.http.urlsafe_base64_decode", "collections.OrderedDict", "collections.defaultdict",
     # resolve_url() returns a URL it cannot reverse as it is: resolve_url("https://evil.example") is that URL.
     "django.shortcuts.resolve_url"}
)
# Methods whose result carries nothing injectable even on tainted text.
CLEAN_METHODS = frozenset(
    {"startswith", "endswith", "isdigit", "isnumeric", "isdecimal", "isalnum", "isalpha", "isidentifier",
     "isascii", "islower", "isupper", "isspace", "istitle", "count", "find", "rfind", "index", "rindex",
     "exists", "is_file", "is_dir", "is_absolute", "is_relative_to", "is_valid", "has_key", "__contains__",
     "__len__", "hexdigest", "digest", "total_seconds", "timestamp", "bit_length", "is_secure", "get_host",
     "get_signed_cookie", "build_absolute_uri", "stat", "getsize", "keys"}
)
# Methods on untainted text that take their arguments' data in: "...{}".format(x), ", ".join(xs).
ARG_METHODS = frozenset({"format", "format_map", "join", "replace", "substitute", "safe_substitute", "get", "pop",
                         "setdefault", "ljust", "rjust", "center", "zfill", "add", "joinpath", "with_name",
                         "with_suffix", "with_stem", "copy"})
MUTATORS = frozenset({"append", "extend", "insert", "add", "update", "setdefault", "appendleft", "__setitem__",
                      "write"})
NORMALIZING_METHODS = frozenset({"resolve", "absolute", "realpath"})
# A guard that calls one of these (by name) validates its first argument: is_safe_url(next), allowed_file(name).
VALIDATOR_NAME = re.compile(r"(valid|safe|allowed|permitted|trusted|whitelist|allowlist|is_local|local_path|"
                            r"same_origin|same_site|is_internal)", re.I)
URL_VALIDATOR_NAME = re.compile(r"(url|redirect|host|next|origin|local|domain|scheme)", re.I)
URL_PARTS = frozenset({"netloc", "hostname", "host", "scheme", "port", "origin"})
URL_PARSERS = frozenset({"urllib.parse.urlparse", "urllib.parse.urlsplit", "yarl.URL", "httpx.URL",
                         "furl.furl", "urllib3.util.parse_url"})
REGEX_MATCHERS = frozenset({"re.match", "re.fullmatch", "re.search"})
# Third-party libraries whose functions are never the project's own (unless the project is that library).
LIBRARIES = frozenset(
    {"django", "rest_framework", "fastapi", "starlette", "pydantic", "pydantic_settings", "sqlalchemy", "sqlmodel",
     "jinja2", "markupsafe", "requests", "httpx", "aiohttp", "yaml", "jose", "jwt", "passlib", "bcrypt", "celery",
     "redis", "boto3", "botocore", "numpy", "pandas", "PIL", "flask", "werkzeug", "uvicorn", "gunicorn", "asyncpg",
     "psycopg2", "psycopg", "pymysql", "alembic", "pytest", "ninja", "wagtail", "environ", "decouple", "structlog",
     "loguru", "sentry_sdk", "stripe", "openai", "anthropic", "click", "typer", "rich", "attrs", "attr",
     "dateutil", "pytz", "aiofiles", "tenacity", "tortoise", "motor", "pymongo", "elasticsearch", "graphene",
     "strawberry", "ariadne"}
)
