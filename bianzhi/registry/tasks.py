"""Background tasks of the register (architecture.md "jobs": the Tasks API with the database
backend; a ``bianzhi db_worker`` process runs them)."""

from __future__ import annotations

from django_tasks import task

from bianzhi.registry.services.import_jobs import import_job_run


@task()
def run_import_job(job_id: int) -> None:
    """Validate or import an uploaded workbook (an ``ImportJob``)."""
    import_job_run(job_id=job_id)
