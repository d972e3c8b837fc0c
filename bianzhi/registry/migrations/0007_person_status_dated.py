"""A person's status is dated like every other fact (issue 12): 人员状态 and the dates that place it
move from the identity row onto each version. Existing versions take their person's values; the
departure day (``left_on``) is the 离编日期 that was stored."""

from django.db import migrations, models

import bianzhi.registry.choices

FIELDS = ("status", "entry_date", "left_date", "written_off_date", "write_off_deadline")


def copy_to_versions(apps, schema_editor):
    assignments = ", ".join(
        f"{f} = (SELECT p.{f} FROM registry_person p WHERE p.id = registry_personversion.person_id)" for f in FIELDS
    )
    schema_editor.execute(f"UPDATE registry_personversion SET {assignments}")
    schema_editor.execute("UPDATE registry_personversion SET left_on = left_date WHERE status <> '在编'")


def copy_to_people(apps, schema_editor):
    assignments = ", ".join(
        f"{f} = (SELECT v.{f} FROM registry_personversion v WHERE v.person_id = registry_person.id "
        "ORDER BY v.valid_from DESC LIMIT 1)"
        for f in FIELDS
    )
    schema_editor.execute(f"UPDATE registry_person SET {assignments}")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_division_partial_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="personversion",
            name="status",
            field=models.CharField(
                choices=bianzhi.registry.choices.PersonStatus.choices,
                default="在编",
                max_length=4,
                verbose_name="人员状态",
            ),
        ),
        migrations.AddField(
            model_name="personversion",
            name="entry_date",
            field=models.DateField(blank=True, null=True, verbose_name="进编日期"),
        ),
        migrations.AddField(
            model_name="personversion",
            name="left_date",
            field=models.DateField(blank=True, help_text="如填报", null=True, verbose_name="离编日期"),
        ),
        migrations.AddField(
            model_name="personversion",
            name="left_on",
            field=models.DateField(
                blank=True,
                help_text="离编日期；未填时为状态变更的生效日期（各规则以此为离编日）",
                null=True,
                verbose_name="离编生效日期",
            ),
        ),
        migrations.AddField(
            model_name="personversion",
            name="written_off_date",
            field=models.DateField(blank=True, null=True, verbose_name="核销日期"),
        ),
        migrations.AddField(
            model_name="personversion",
            name="write_off_deadline",
            field=models.DateField(
                blank=True,
                help_text="离编后第10个工作日（domain.md §4 late_write_off）",
                null=True,
                verbose_name="核销期限",
            ),
        ),
        migrations.RunPython(copy_to_versions, copy_to_people),
        migrations.RemoveIndex(model_name="person", name="person_leaving"),
        migrations.RemoveField(model_name="person", name="status"),
        migrations.RemoveField(model_name="person", name="entry_date"),
        migrations.RemoveField(model_name="person", name="left_date"),
        migrations.RemoveField(model_name="person", name="written_off_date"),
        migrations.RemoveField(model_name="person", name="write_off_deadline"),
        migrations.AddIndex(
            model_name="personversion",
            index=models.Index(
                condition=models.Q(("write_off_deadline__isnull", False)),
                fields=["write_off_deadline"],
                name="personversion_leaving",
            ),
        ),
    ]
