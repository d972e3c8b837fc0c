"""A loan's return is dated (issue 12; interchange.md §1 实际回收日期): 使用中 → 已回收 holds from the
day the loan went back. A loan already stored as 已回收 went back on its 回收日期."""

from django.db import migrations, models


def returned_on_due_date(apps, schema_editor):
    schema_editor.execute("UPDATE registry_turnoverloan SET returned_on = due_date WHERE status = '已回收'")


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0007_person_status_dated"),
    ]

    operations = [
        migrations.AddField(
            model_name="turnoverloan",
            name="returned_date",
            field=models.DateField(blank=True, help_text="如填报", null=True, verbose_name="实际回收日期"),
        ),
        migrations.AddField(
            model_name="turnoverloan",
            name="returned_on",
            field=models.DateField(
                blank=True,
                help_text="实际回收日期；未填时为状态变更的生效日期（首次导入即为已回收的，为回收日期）",
                null=True,
                verbose_name="收回生效日期",
            ),
        ),
        migrations.RunPython(returned_on_due_date, migrations.RunPython.noop),
    ]
