"""The SECRET_KEY rule: production sets it; only the demo, the tests and the CLI's data commands may do without.

The key signs the session cookies and CSRF tokens and keys the opaque person ids (bianzhi/accounts/privacy.py):
a server on the published demo key would let anyone forge them. So with ``DEBUG`` off and no ``SECRET_KEY`` in
the environment the WSGI application (bianzhi/config/wsgi.py) and the server commands of the ``bianzhi`` console
script (bianzhi/config/cli.py) refuse to start with :data:`MISSING_MESSAGE`. The console script sets
:data:`ALLOW_DEMO_KEY` for every other command (``demo``, ``import``, ``monitor``, ``migrate`` …), and the test
suite sets it too, so that a missing key never stops the office's data work.

This module imports nothing from Django: settings.py reads :data:`DEMO_SECRET_KEY` from it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

#: The published demo key. Its ``django-insecure-`` prefix makes Django's own ``check --deploy`` flag it too.
DEMO_SECRET_KEY = "django-insecure-bianzhi-demo-key-set-SECRET_KEY-in-production"  # nosec B105 # public demo key, refused in production below

#: Set (to 1) by the console script for the commands that may run on the demo key, and by the tests.
ALLOW_DEMO_KEY = "BIANZHI_ALLOW_DEMO_KEY"

MISSING_MESSAGE = (
    "生产环境必须设置 SECRET_KEY：DEBUG=0 时服务不能使用公开的演示密钥启动。"
    "请在环境变量 SECRET_KEY 中设置 50 个以上的随机字符"
    '（可用 python -c "import secrets; print(secrets.token_urlsafe(50))" 生成，并妥善保存、不要更换，'
    "更换会使全部登录会话失效、页面中的人员链接改变）。"
    "演示（bianzhi demo）、测试和命令行数据命令（import、monitor、forecast、migrate、audit 等）不受此限。"
)


def missing_secret_key(environ: Mapping[str, str] | None = None) -> str | None:
    """:data:`MISSING_MESSAGE` when a server must not start with this environment, else ``None``."""
    environ = os.environ if environ is None else environ
    if environ.get("SECRET_KEY"):
        return None
    if _flag(environ, "DEBUG") or _flag(environ, ALLOW_DEMO_KEY):
        return None
    return MISSING_MESSAGE


def _flag(environ: Mapping[str, str], name: str) -> bool:
    # The same spelling of "on" as bianzhi.config.env.env_bool, which reads only os.environ.
    return (environ.get(name) or "").strip().lower() in {"1", "true", "yes", "on"}
