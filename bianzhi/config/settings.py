"""Settings for bianzhi (机构编制数字化管理平台), configured by environment variables.

DATABASE_URL      sqlite:////absolute/path.sqlite3 or postgres://user@host:port/name
                  (default: an SQLite file in BIANZHI_DATA_DIR)
BIANZHI_DATA_DIR  folder for the default SQLite file and uploaded workbooks (uploads/) (default ./var)
SECRET_KEY        required in production (DEBUG off); a fixed demo key otherwise
DEBUG             1/0 (default 0)
ALLOWED_HOSTS     comma-separated (default 127.0.0.1,localhost)
BIANZHI_ID_LOOKUP_LIMIT  full-ID-number searches an hour for roles that see numbers masked (default 20)
BIANZHI_COLUMNAR_MIN_ROWS  a 人员, 编制 or 职数 sheet of at least this many rows takes the import's column-wise
                  fast lane (default 10000; the tests also run the import suite with 1)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url

from bianzhi.config.env import env_bool, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BIANZHI_DATA_DIR", "var")).resolve()

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    # Only for the embedded SQLite demo and tests; production sets SECRET_KEY.
    SECRET_KEY = "bianzhi-insecure-demo-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
IMPORT_COLUMNAR_MIN_ROWS = max(1, int(os.environ.get("BIANZHI_COLUMNAR_MIN_ROWS", "10000")))
# A workbook is refused before it is parsed beyond these (interchange.md §1 "Characters and size").
IMPORT_MAX_BYTES = max(1, int(os.environ.get("BIANZHI_IMPORT_MAX_BYTES", str(2 * 1024**3))))
IMPORT_MAX_SHEET_ROWS = max(1, int(os.environ.get("BIANZHI_IMPORT_MAX_ROWS", "2000000")))
# domain.md §11: searches by a whole ID number by a role that does not see every number whole, per hour.
ID_LOOKUP_LIMIT = max(1, int(os.environ.get("BIANZHI_ID_LOOKUP_LIMIT", "20")))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # ninja serves the API docs page's own swagger-ui copy from /static/ninja/ (no CDN).
    "ninja",
    # Background jobs (architecture.md "jobs"): the Tasks API backport and its database backend;
    # `bianzhi db_worker` runs the queued tasks.
    "django_tasks",
    "django_tasks_db",
    "bianzhi.core",
    "bianzhi.accounts",
    "bianzhi.registry",
    "bianzhi.supervision",
    "bianzhi.api",
    "bianzhi.demo",
    # The pages (bianzhi/web): django-filter for list filters, django-htmx for partial updates,
    # django-axes to lock out repeated failed logins.
    "django_filters",
    "django_htmx",
    "axes",
    "bianzhi.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "bianzhi.config.urls"
WSGI_APPLICATION = "bianzhi.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bianzhi.web.context_processors.navigation",
            ],
        },
    },
]


#: What a DATABASE_URL of another kind is told (interchange.md §2: misuse, exit 2).
DATABASE_URL_KINDS = (
    "只支持 sqlite:////绝对路径.sqlite3（sqlite: 后三个斜杠再接绝对路径）和 postgres://用户@主机:端口/库名"
)


def database_url_problem(url: str) -> str | None:
    """Why ``url`` is not a DATABASE_URL the platform supports (a Chinese message), or ``None``.

    The message never repeats the URL past its scheme, which may be followed by a password.
    """
    scheme, separator, rest = url.partition("://")
    scheme = scheme.lower()  # URL schemes are case-insensitive
    if separator and scheme in ("sqlite", "postgres", "postgresql"):
        if scheme == "sqlite" and not rest.startswith("//"):
            return f"DATABASE_URL 的 SQLite 路径必须是绝对路径：{DATABASE_URL_KINDS}"
        try:
            config = dj_database_url.parse(url, conn_max_age=0)
        except Exception:  # dj_database_url raises whatever urllib does on a malformed URL
            return f"DATABASE_URL 格式不正确：{DATABASE_URL_KINDS}"
        if not config.get("NAME"):
            return f"DATABASE_URL 缺少数据库名：{DATABASE_URL_KINDS}"
        return None
    shown = (
        f"（当前为 {scheme}://）"
        if separator and scheme.isascii() and scheme.isprintable() and len(scheme) <= 20
        else ""
    )
    return f"不支持的 DATABASE_URL{shown}：{DATABASE_URL_KINDS}"


def _database() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        url = f"sqlite:///{DATA_DIR / 'bianzhi.sqlite3'}"
    problem = database_url_problem(url)
    if problem:
        # Misuse (exit 2) with one line on standard error, before Django tries to load a backend
        # that is not installed (and every `bianzhi` command would end in a traceback).
        sys.stderr.write(f"bianzhi：{problem}\n")
        sys.stderr.flush()
        raise SystemExit(2)
    config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL + IMMEDIATE transactions + busy timeout: web, worker and import share the file.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        config["TEST"] = {"NAME": os.environ.get("TEST_SQLITE_NAME") or None}
    else:
        test_name = os.environ.get("TEST_DB_NAME")
        if test_name:
            config["TEST"] = {"NAME": test_name}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# bianzhi/static: the pages' own CSS and, in vendor/ (ignored by git), the npm assets `make install` copies.
STATICFILES_DIRS = [BASE_DIR / "static"]

# Logins (domain.md §11): django-axes first, so a locked-out account is refused before the password
# is checked; lockout is per account and address, so one user's typos never lock a whole office.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

PLATFORM_NAME = "机构编制数字化管理平台"

# Background jobs (workbook validation and import from the pages) wait in the database until a
# worker (`bianzhi db_worker`) runs them; tests switch to the ImmediateBackend.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    },
}

# Uploaded workbooks stream to disk past this size (the API keeps them under DATA_DIR/uploads).
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
