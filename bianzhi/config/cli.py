"""The ``bianzhi`` console script: a thin wrapper over Django's management commands.

Exit codes (interchange.md §2): 0 success, 1 rejected input, 2 misuse.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bianzhi.config.secret_key import ALLOW_DEMO_KEY, missing_secret_key

#: The commands that serve pages (or vouch for a deployment): with DEBUG off they need SECRET_KEY.
SERVER_COMMANDS = frozenset({"runserver", "testserver"})


def _serves(args: list[str]) -> bool:
    if not args or "--help" in args or "-h" in args:
        return False
    return args[0] in SERVER_COMMANDS or (args[0] == "check" and "--deploy" in args[1:])


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bianzhi.config.settings")
    if _serves(args):
        missing = missing_secret_key()
        if missing:
            sys.stderr.write(f"bianzhi：{missing}\n")
            sys.exit(2)
    else:
        # The demo and the data commands (import, monitor, forecast, migrate, audit …) may run on the demo
        # key; so may the demo's own server, which this process starts.
        os.environ[ALLOW_DEMO_KEY] = "1"
    if args and args[0] == "demo":
        # The demo's accounts log in with the password alone (two-factor login not required), unless
        # BIANZHI_REQUIRE_2FA is set; its server and worker run in this process and its child.
        os.environ.setdefault("BIANZHI_REQUIRE_2FA", "0")
    data_dir = Path(os.environ.get("BIANZHI_DATA_DIR", "var")).resolve()
    if not os.environ.get("DATABASE_URL"):
        data_dir.mkdir(parents=True, exist_ok=True)
        if args and args[0] == "demo":
            # The demo builds its own SQLite file and never touches the office's database.
            os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'demo.sqlite3'}"
    import django

    django.setup()
    from django.core.management import execute_from_command_line, get_commands

    if args and not args[0].startswith("-") and args[0] not in get_commands() and args[0] != "help":
        sys.stderr.write(f"未知命令：{args[0]}。运行 bianzhi help 查看可用命令。\n")
        sys.exit(2)
    execute_from_command_line(["bianzhi", *args])


if __name__ == "__main__":
    main()
