from django.apps import AppConfig


class MattersConfig(AppConfig):
    name = "bianzhi.matters"
    label = "matters"
    verbose_name = "机构编制事项"

    def ready(self) -> None:
        from django.db.models import Q

        from bianzhi.accounts import permissions
        from bianzhi.matters.models import Matter

        def by_unit(ids: frozenset[int]) -> Q:
            # a matter belongs to every unit it involves: a unit HR officer sees those of its units
            return Q(pk__in=Matter.units.through.objects.filter(unit_id__in=ids).values("matter_id"))

        permissions.register_scope(Matter, by_unit)
