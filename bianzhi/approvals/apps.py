from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "bianzhi.approvals"
    label = "approvals"
    verbose_name = "用编审批"

    def ready(self) -> None:
        from django.db.models import Q

        from bianzhi.accounts import permissions
        from bianzhi.approvals import models, selectors
        from bianzhi.registry.selectors import RESERVATION_PROVIDERS

        def by_unit(ids: frozenset[int]) -> Q:
            return Q(unit_id__in=ids)

        for model in (models.StaffingPlan, models.StaffingRequest, models.Slip):
            permissions.register_scope(model, by_unit)
        permissions.register_scope(models.RequestStep, lambda ids: Q(request__unit_id__in=ids))
        permissions.register_scope(models.Onboarding, lambda ids: Q(slip__unit_id__in=ids))
        # 在途 (domain.md §3): approved slips not expired reserve their remaining places in every figure.
        if selectors.reserved_by_slips not in RESERVATION_PROVIDERS:
            RESERVATION_PROVIDERS.append(selectors.reserved_by_slips)
