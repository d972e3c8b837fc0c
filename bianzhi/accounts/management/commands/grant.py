"""bianzhi grant USERNAME [ROLE] [--unit CODE] [--revoke] [--create] — give (or take away) a role.

Without ROLE the user's grants are listed. ROLE is the English key or the Chinese name:
admin 编办管理员, officer 编办业务人员, unit_hr 单位人事干部 (needs --unit), leader 领导,
inspector 检查人员, auditor 审计员. Every change is logged.
"""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from bianzhi.accounts.models import Role, RoleGrant
from bianzhi.accounts.selectors import role_grant_list
from bianzhi.accounts.services import AccountError, role_grant_create, role_grant_revoke
from bianzhi.core.cli import MISUSE, REJECTED, command_actor, ensure_migrated, write_text
from bianzhi.registry.models import Unit

ROLE_NAMES = {**{r.value: r.value for r in Role}, **{r.label: r.value for r in Role}}


class Command(BaseCommand):
    help = "授予或撤销用户的角色（单位人事干部须用 --unit 指定所管理的机构）；不给角色时列出该用户的角色"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument(
            "role",
            nargs="?",
            help="角色：admin 编办管理员、officer 编办业务人员、unit_hr 单位人事干部、leader 领导、inspector 检查人员、auditor 审计员",
        )
        parser.add_argument("--unit", default=None, help="单位人事干部所管理的机构代码（含其全部下属机构）")
        parser.add_argument("--revoke", action="store_true", help="撤销该角色")
        parser.add_argument(
            "--create", action="store_true", help="用户不存在时创建（无密码，可用 bianzhi changepassword 设置）"
        )

    def handle(self, *args, **options):
        ensure_migrated()
        User = get_user_model()
        username = options["username"]
        user = User.objects.filter(username=username).first()
        if user is None and options["create"] and options["role"]:
            user = User(username=username)
            user.set_unusable_password()
            user.save()
            write_text(f"已创建用户 {username}（无密码，可用 bianzhi changepassword {username} 设置）")
        if user is None:
            write_text(f"用户 {username} 不存在（可加 --create 创建，或先运行 bianzhi createsuperuser）")
            sys.exit(REJECTED)
        if not options["role"]:
            grants = list(role_grant_list(user=user))
            if not grants and not user.is_superuser:
                write_text(f"{username} 没有任何角色")
            for grant in grants:
                write_text(
                    f"{username}\t{grant.role}\t{Role(grant.role).label}\t{grant.unit.code if grant.unit else ''}"
                )
            if user.is_superuser:
                write_text(f"{username}\t(超级用户，视同编办管理员)")
            return
        role = ROLE_NAMES.get(options["role"])
        if role is None:
            raise CommandError(
                f"角色“{options['role']}”无效，应为：{'、'.join(f'{r.value}（{r.label}）' for r in Role)}",
                returncode=MISUSE,
            )
        unit = None
        if options["unit"]:
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                write_text(f"机构 {options['unit']} 不存在")
                sys.exit(REJECTED)
        actor = command_actor()
        if options["revoke"]:
            grant = RoleGrant.objects.filter(user=user, role=role, unit=unit).first()
            if grant is None:
                write_text(f"{username} 没有该角色，无需撤销")
                return
            role_grant_revoke(grant=grant, actor=actor)
            write_text(f"已撤销 {username} 的角色：{Role(role).label}" + (f"（{unit.code}）" if unit else ""))
            return
        try:
            role_grant_create(user=user, role=role, unit=unit, actor=actor)
        except AccountError as exc:
            raise CommandError(str(exc), returncode=MISUSE) from exc
        write_text(
            f"已授予 {username} 角色：{Role(role).label}" + (f"（{unit.code} 及其全部下属机构）" if unit else "")
        )
