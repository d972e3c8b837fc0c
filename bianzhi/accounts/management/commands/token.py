"""bianzhi token create|list|revoke — personal API tokens (``Authorization: Bearer <token>``).

``create USERNAME [--name NAME] [--expires YYYY-MM-DD] [--json]`` prints the token once (only its
SHA-256 digest is stored); ``list USERNAME [--json]``; ``revoke ID``. A token lives at most
``settings.API_TOKEN_MAX_DAYS`` (default 90) days and dies when its user's password changes.
"""

from __future__ import annotations

import datetime as dt
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from bianzhi.accounts.models import ApiToken
from bianzhi.accounts.permissions import roles_of
from bianzhi.accounts.selectors import api_token_list
from bianzhi.accounts.services import AccountError, api_token_create, api_token_revoke
from bianzhi.core.cli import MISUSE, REJECTED, command_actor, ensure_migrated, iso_date, write_json, write_text
from bianzhi.core.dates import SHANGHAI


class Command(BaseCommand):
    help = "管理个人接口令牌：create 创建（令牌只显示一次）、list 列出、revoke 撤销"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        create = sub.add_parser("create", help="为用户创建令牌", called_from_command_line=True)
        create.add_argument("username", help="用户名")
        create.add_argument("--name", default="", help="令牌名称（默认 命令行创建 YYYY-MM-DD）")
        create.add_argument(
            "--expires",
            type=iso_date,
            help="过期日期 YYYY-MM-DD（当天 00:00 北京时间起失效；默认并且最迟为创建后 "
            f"{settings.API_TOKEN_MAX_DAYS} 天，BIANZHI_API_TOKEN_MAX_DAYS）",
        )
        create.add_argument("--json", action="store_true", help="以 JSON 输出")
        listing = sub.add_parser("list", help="列出用户的令牌", called_from_command_line=True)
        listing.add_argument("username", help="用户名")
        listing.add_argument("--json", action="store_true", help="以 JSON 输出")
        revoke = sub.add_parser("revoke", help="撤销令牌", called_from_command_line=True)
        revoke.add_argument("token_id", type=int, help="令牌编号（见 list）")

    def handle(self, *args, **options):
        ensure_migrated()
        action = options["action"]
        if action == "revoke":
            token = ApiToken.objects.filter(pk=options["token_id"]).first()
            if token is None:
                write_text(f"令牌 {options['token_id']} 不存在")
                sys.exit(REJECTED)
            api_token_revoke(token=token, actor=command_actor(), source="command")
            write_text(f"已撤销令牌 {token.pk}（{token.user}：{token.name}）")
            return
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            write_text(f"用户 {options['username']} 不存在")
            sys.exit(REJECTED)
        if action == "list":
            tokens = [_summary(t) for t in api_token_list(user=user)]
            if options["json"]:
                write_json(tokens)
                return
            if not tokens:
                write_text(f"{user.username} 没有令牌")
            for t in tokens:
                write_text(
                    f"{t['id']}\t{t['prefix']}…\t{t['name']}\t{'可用' if t['active'] else '已停用'}"
                    f"\t创建 {t['created_at']}\t过期 {t['expires_at']}\t最近使用 {t['last_used_at'] or '从未'}"
                )
            return
        expires_at = None
        if options["expires"]:
            expires_at = dt.datetime.combine(options["expires"], dt.time.min, tzinfo=SHANGHAI)
        name = options["name"] or f"命令行创建 {timezone.localdate():%Y-%m-%d}"
        try:
            created = api_token_create(
                user=user, name=name, expires_at=expires_at, actor=command_actor(), source="command"
            )
        except AccountError as exc:
            raise CommandError(str(exc), returncode=MISUSE) from exc
        if options["json"]:
            write_json({**_summary(created.token), "token": created.secret})
            return
        write_text(created.secret)
        sys.stderr.write(
            f"已为 {user.username} 创建令牌 {created.token.pk}（{name}）。令牌只显示这一次，请妥善保存。\n"
        )
        if not roles_of(user):
            sys.stderr.write(
                f"提示：{user.username} 还没有任何角色，令牌暂时无权访问数据（用 bianzhi grant 授予角色）。\n"
            )


def _summary(token: ApiToken) -> dict:
    now = timezone.now()
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.ends_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        "active": token.is_active(now),
    }
