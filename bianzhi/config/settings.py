"""Settings for bianzhi (机构编制数字化管理平台), configured by environment variables.

DATABASE_URL      sqlite:////absolute/path.sqlite3 or postgres://user@host:port/name
                  (default: an SQLite file in BIANZHI_DATA_DIR)
BIANZHI_DATA_DIR  folder for the default SQLite file and uploaded workbooks (uploads/) (default ./var)
SECRET_KEY        required in production (DEBUG off): 50 or more random characters, e.g. from
                  `python -c "import secrets; print(secrets.token_urlsafe(50))"`. Without it and with
                  DEBUG off the server (the WSGI application, `bianzhi runserver`, `bianzhi check --deploy`)
                  refuses to start; `bianzhi demo`, the tests and the CLI's data commands (import, monitor,
                  forecast, migrate, audit …) run with a fixed demo key (bianzhi/config/secret_key.py).
DEBUG             1/0 (default 0)
ALLOWED_HOSTS     comma-separated (default 127.0.0.1,localhost)
BIANZHI_HTTPS     1: served over HTTPS only: secure session and CSRF cookies, HTTP → HTTPS redirect and HSTS
BIANZHI_HSTS_SECONDS  HSTS max-age with BIANZHI_HTTPS=1 (default 31536000, a year; includes subdomains)
BIANZHI_HSTS_PRELOAD  1: add HSTS "preload" (only for a public domain submitted to the browsers' preload
                  list; an intranet name cannot be, so it is off and Django's security.W021 is silenced)
BIANZHI_PROXY_SSL_HEADER  1: behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto: https
                  (and strips it from clients); without it BIANZHI_HTTPS=1 behind such a proxy redirects forever
CSRF_TRUSTED_ORIGINS  comma-separated origins with scheme (https://bianzhi.example.gov.cn) when the proxy's
                  public address differs from the Host Django sees
BIANZHI_SESSION_IDLE_MINUTES  a page session ends after this long without a request (default 30)
BIANZHI_SESSION_MAX_HOURS  and in any case this long after the login (default 12)
BIANZHI_ID_LOOKUP_LIMIT  full-ID-number searches an hour for roles that see numbers masked (default 20)
BIANZHI_IMPORT_STALE_MINUTES  a background import job silent this long is marked failed (default 10)
BIANZHI_SQLITE_BUSY_SECONDS  SQLite: how long a write waits for an import's lock before a 503 (default 30)
BIANZHI_REQUIRE_2FA  1/0: 编办管理员 and 编办业务人员 must log in with a TOTP code too (default 1; the demo: 0)
BIANZHI_API_TOKEN_MAX_DAYS  the longest an API token lives after its creation (default 90)
BIANZHI_TRUSTED_PROXIES  reverse-proxy hops that append to X-Forwarded-For (default 0: the header is ignored)
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
from bianzhi.config.secret_key import DEMO_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("BIANZHI_DATA_DIR", "var")).resolve()

DEBUG = env_bool("DEBUG", default=False)
# Only the demo, the tests and the CLI's data commands may run without SECRET_KEY: the WSGI application
# and the server commands refuse to start on the demo key when DEBUG is off (bianzhi/config/secret_key.py).
SECRET_KEY = os.environ.get("SECRET_KEY", "") or DEMO_SECRET_KEY
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

# HTTPS (Django's `check --deploy` is clean with BIANZHI_HTTPS=1, DEBUG=0, SECRET_KEY and ALLOWED_HOSTS).
if env_bool("BIANZHI_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
if env_bool("BIANZHI_HTTPS", default=False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = max(0, int(os.environ.get("BIANZHI_HSTS_SECONDS", "31536000")))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("BIANZHI_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if env_bool("BIANZHI_HSTS_PRELOAD", default=False) else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sessions (bianzhi/web/middleware.py): a page session ends after an idle time and at the latest a fixed
# time after the login; the cookie lives no longer than that and never reaches page scripts.
SESSION_IDLE_SECONDS = max(1, int(os.environ.get("BIANZHI_SESSION_IDLE_MINUTES", "30"))) * 60
SESSION_MAX_SECONDS = max(1, int(os.environ.get("BIANZHI_SESSION_MAX_HOURS", "12"))) * 3600
SESSION_COOKIE_AGE = SESSION_MAX_SECONDS
SESSION_COOKIE_HTTPONLY = True
IMPORT_COLUMNAR_MIN_ROWS = max(1, int(os.environ.get("BIANZHI_COLUMNAR_MIN_ROWS", "10000")))
# A workbook is refused before it is parsed beyond these (interchange.md §1 "Characters and size").
IMPORT_MAX_BYTES = max(1, int(os.environ.get("BIANZHI_IMPORT_MAX_BYTES", str(2 * 1024**3))))
IMPORT_MAX_SHEET_ROWS = max(1, int(os.environ.get("BIANZHI_IMPORT_MAX_ROWS", "2000000")))
# domain.md §11: searches by a whole ID number by a role that does not see every number whole, per hour.
ID_LOOKUP_LIMIT = max(1, int(os.environ.get("BIANZHI_ID_LOOKUP_LIMIT", "20")))
# A background import job whose worker has not reported for this long is marked failed (its import
# is one transaction: nothing of it was stored). SQLite: a write waits this long for the lock, then 503.
IMPORT_STALE_MINUTES = max(1, int(os.environ.get("BIANZHI_IMPORT_STALE_MINUTES", "10")))
SQLITE_BUSY_SECONDS = max(0.1, float(os.environ.get("BIANZHI_SQLITE_BUSY_SECONDS", "30")))
# BIANZHI_SLIP_VALID_DAYS (default 90): a 核准使用编制通知单 is valid through this many days after its approval.
BIANZHI_SLIP_VALID_DAYS = max(1, int(os.environ.get("BIANZHI_SLIP_VALID_DAYS", "90")))
BIANZHI_SUSPEND_SEVERITY = os.environ.get("BIANZHI_SUSPEND_SEVERITY", "all")

# E-mail for notices (整改通知 and the others of bianzhi/core/notifications.py), sent only when a server is
# configured with BIANZHI_EMAIL_HOST; BIANZHI_SITE_URL makes the links in a mail absolute.
if os.environ.get("BIANZHI_EMAIL_HOST"):
    EMAIL_HOST = os.environ["BIANZHI_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("BIANZHI_EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("BIANZHI_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("BIANZHI_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("BIANZHI_EMAIL_TLS", default=False)
    DEFAULT_FROM_EMAIL = os.environ.get("BIANZHI_EMAIL_FROM", "bianzhi@localhost")
BIANZHI_SITE_URL = os.environ.get("BIANZHI_SITE_URL", "")
# The office's documents (bianzhi/core/documents.py): the issuing office's name on slips and notices (empty: the
# district staffing office's default), the Chromium that prints PDFs and how long it may take.
BIANZHI_OFFICE_NAME = os.environ.get("BIANZHI_OFFICE_NAME", "")
BIANZHI_CHROMIUM = os.environ.get("BIANZHI_CHROMIUM", "/usr/bin/chromium")
BIANZHI_PDF_TIMEOUT_SECONDS = float(os.environ.get("BIANZHI_PDF_TIMEOUT_SECONDS", "60"))
# The largest attachment of a rectification problem (bytes; default 20 MB).
BIANZHI_PROBLEM_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("BIANZHI_PROBLEM_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024))
)

INSTALLED_APPS = [
    "bianzhi.accounts.admin_config.BianzhiAdminConfig",  # django.contrib.admin for the 编办管理员 only
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
    "bianzhi.accounts.apps_third_party.TasksConfig",  # django_tasks_db, named in Chinese
    "bianzhi.core",
    "bianzhi.accounts",
    "bianzhi.registry",
    "bianzhi.approvals",
    "bianzhi.matters",
    "bianzhi.supervision",
    "bianzhi.rectification",
    "bianzhi.dashboard",
    "bianzhi.api",
    "bianzhi.demo",
    # The pages (bianzhi/web): django-filter for list filters, django-htmx for partial updates,
    # django-axes to lock out repeated failed logins.
    "django_filters",
    "django_htmx",
    "bianzhi.accounts.apps_third_party.AxesConfig",  # axes, named in Chinese
    # Two-factor login (TOTP): bianzhi/accounts/two_factor.py.
    "django_otp",
    "bianzhi.accounts.apps_third_party.TotpConfig",  # django_otp.plugins.otp_totp, named in Chinese
    "bianzhi.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # no-store and the Content-Security-Policy on every reply but the static files.
    "bianzhi.web.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # A session still owing its second factor reaches only the second step (bianzhi/accounts/two_factor.py).
    "bianzhi.accounts.middleware.TwoFactorMiddleware",
    # The request's user and address for the log of changes of who may do what (bianzhi/accounts/audit.py).
    "bianzhi.accounts.request_context.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Idle timeout and absolute lifetime of a logged-in session.
    "bianzhi.web.middleware.SessionExpiryMiddleware",
    # A write that found SQLite held by an import: 503 (JSON under /api/, a page elsewhere), not a 500.
    "bianzhi.core.busy.BusyMiddleware",
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
                "bianzhi.web.context_processors.notices",
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
            "timeout": SQLITE_BUSY_SECONDS,
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
# The admin's model permissions for a holder of a 编办管理员 grant (bianzhi/accounts/admin_site.py).
AUTHENTICATION_BACKENDS += ["bianzhi.accounts.admin_site.AdministratorBackend"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked_out.html"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

PLATFORM_NAME = "机构编制数字化管理平台"

# Authentication (issue 13): two-factor login, API token lifetime, lockout behind a reverse proxy.
# BIANZHI_REQUIRE_2FA (default 1): 编办管理员 (and superusers) and 编办业务人员 must enrol a TOTP authenticator
# and enter its code after the password; everyone else may enrol (and is then always asked). `bianzhi demo`
# and the tests run with it off. API tokens are exempt.
REQUIRE_2FA = env_bool("BIANZHI_REQUIRE_2FA", default=True)
OTP_TOTP_ISSUER = PLATFORM_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows a device's secret or QR code
OTP_MAX_FAILURES = 5  # wrong codes in a row that end the half-logged-in session
# BIANZHI_API_TOKEN_MAX_DAYS (default 90): no API token lives longer than this after its creation.
API_TOKEN_MAX_DAYS = max(1, int(os.environ.get("BIANZHI_API_TOKEN_MAX_DAYS", "90")))
# BIANZHI_TRUSTED_PROXIES (default 0): reverse-proxy hops in front of the server that append the client's
# address to X-Forwarded-For; 0 = X-Forwarded-For is ignored and REMOTE_ADDR is the client. Lockout counts
# failures per username and this address (bianzhi/accounts/addresses.py).
TRUSTED_PROXIES = max(0, int(os.environ.get("BIANZHI_TRUSTED_PROXIES", "0")))
AXES_CLIENT_IP_CALLABLE = "bianzhi.accounts.addresses.client_address"

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
