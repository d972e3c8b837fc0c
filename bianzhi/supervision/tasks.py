"""Background tasks of monitoring (architecture.md "jobs": the Tasks API with the database backend;
a ``bianzhi db_worker`` process runs them): a full run on demand, and the scheduler's daily work."""

from __future__ import annotations

import datetime as dt

from django_tasks import task


@task()
def run_monitoring(as_of: str) -> int:
    """A full monitoring run as of ``as_of`` (YYYY-MM-DD); returns the stored run's id."""
    from bianzhi.supervision.services import monitoring_run

    run, _ = monitoring_run(as_of=dt.date.fromisoformat(as_of))
    return run.pk


@task()
def run_daily(day: str) -> dict:
    """The scheduler's daily work as of ``day`` (``bianzhi scheduler --enqueue`` hands it here)."""
    from bianzhi.supervision.scheduler import daily_run

    report = daily_run(day=dt.date.fromisoformat(day))
    return {"run": report.run, "alerts": report.alerts, "done": report.done, "failures": report.failures}
