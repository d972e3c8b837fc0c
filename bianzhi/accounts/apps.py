from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bianzhi.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        # The change log and the accounts' own rows are district-wide: only unscoped roles see them.
        from bianzhi.accounts import (
            permissions,
            signals,  # noqa: F401  (password change → tokens revoked; 2FA at login)
        )
        from bianzhi.accounts.models import ApiToken, RoleGrant
        from bianzhi.core.models import ChangeRecord, ChangeSet

        for model in (ChangeSet, ChangeRecord, RoleGrant, ApiToken):
            permissions.register_scope(model, None)
        # Every change of who may do what reaches the change log, whichever door (accounts/audit.py).
        from bianzhi.accounts import audit

        audit.connect()
