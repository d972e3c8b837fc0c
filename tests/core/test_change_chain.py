"""The change log is hash-chained with SM3 (issue 13 "Audit"): ``bianzhi audit verify`` recomputes
the chain and finds any edited or deleted change set or record, made behind the register's back
with raw SQL."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import time
from contextlib import redirect_stdout

import pytest
from conftest import person_row, unit_row
from django.core.management import call_command
from django.db import connection, connections

from bianzhi.core.chain import verify
from bianzhi.core.changelog import change_context, record_change
from bianzhi.core.models import ChangeRecord, ChangeSet


def _sql(statement: str, params: tuple = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _audit(*args: str) -> tuple[int, str]:
    """``bianzhi audit verify`` in this process: its exit code and standard output."""
    buffer = io.BytesIO()

    class Out(io.TextIOWrapper):
        pass

    stream = Out(buffer, encoding="utf-8")
    code = 0
    with redirect_stdout(stream):
        try:
            call_command("audit", "verify", *args)
        except SystemExit as exc:
            code = int(exc.code or 0)
        stream.flush()
    return code, buffer.getvalue().decode("utf-8")


def _note(text: str, *, reason: str = "测试") -> ChangeSet:
    """A change set of one record of its own (no register row refers to it)."""
    with change_context(source="service", reason=reason) as change_set:
        record_change(entity="测试", key=text, before=None, after={"文本": text, "数": 1})
    return change_set


@pytest.fixture
def log(db, load):
    """A change log of a few change sets: a first import, a later change with --effective, notes."""
    person = person_row("U", birth=dt.date(1980, 1, 1), 进编日期="2005-01-01")
    load({"机构": [unit_row("U")], "编制": [{"机构代码": "U", "编制类型": "行政编制", "核定数": 3}], "人员": [person]})
    middle = _note("中间")
    load(
        {"人员": [{**person, "人员状态": "调出", "离编日期": "2026-03-01"}]},
        effective=dt.date(2026, 3, 1),
        reason="调出",
    )
    last = _note("最后")
    return {"middle": middle, "last": last}


def test_an_untouched_log_verifies_and_chains_every_change_set_in_order(log):
    result = verify()
    sets = list(ChangeSet.objects.order_by("sequence").values("sequence", "previous", "digest"))
    assert result.ok and result.broken == []
    assert result.checked == len(sets) == 4
    assert result.records == ChangeRecord.objects.count() > 0
    assert [s["sequence"] for s in sets] == [1, 2, 3, 4]
    assert sets[0]["previous"] == ""
    assert [s["previous"] for s in sets[1:]] == [s["digest"] for s in sets[:-1]]
    assert all(len(s["digest"]) == 64 for s in sets)
    code, out = _audit()
    assert code == 0 and "变更日志完整：已校验 4 个变更批次" in out
    code, out = _audit("--json")
    document = json.loads(out)
    assert code == 0 and document["ok"] is True and document["checked"] == 4 and document["broken"] == []


def test_an_edited_record_is_found(log):
    record = ChangeRecord.objects.filter(change_set=log["middle"]).get()
    _sql("UPDATE core_changerecord SET key = %s WHERE id = %s", ("改过", record.pk))
    result = verify()
    assert not result.ok
    assert result.broken[0].change_set == log["middle"].pk
    assert "摘要与存储的内容不符" in result.broken[0].problem
    code, out = _audit()
    assert code == 1
    assert f"第一个不符的变更批次 {log['middle'].pk}" in out


def test_an_edited_record_value_is_found(log):
    record = ChangeRecord.objects.filter(change_set=log["middle"]).get()
    ChangeRecord.objects.filter(pk=record.pk).update(after={"文本": "中间", "数": 2})  # the ORM, no service
    assert [b.change_set for b in verify().broken] == [log["middle"].pk]


def test_an_edited_change_set_is_found(log):
    _sql("UPDATE core_changeset SET reason = %s WHERE id = %s", ("另一个理由", log["middle"].pk))
    result = verify()
    assert [b.change_set for b in result.broken] == [log["middle"].pk]
    code, out = _audit("--json")
    document = json.loads(out)
    assert code == 1 and document["ok"] is False
    assert document["broken"][0]["change_set"] == log["middle"].pk


def test_a_deleted_record_is_found(log):
    first = ChangeSet.objects.order_by("sequence").first()
    records = ChangeRecord.objects.filter(change_set=first).order_by("id")
    assert records.count() > 1  # the import's created rows are records of their own
    _sql("DELETE FROM core_changerecord WHERE id = %s", (records.last().pk,))
    assert [b.change_set for b in verify().broken] == [first.pk]


def test_a_deleted_change_set_is_found_at_the_next_one(log):
    middle = log["middle"]
    _sql("DELETE FROM core_changerecord WHERE change_set_id = %s", (middle.pk,))
    _sql("DELETE FROM core_changeset WHERE id = %s", (middle.pk,))
    result = verify()
    following = ChangeSet.objects.get(sequence=middle.sequence + 1)
    assert not result.ok
    assert result.broken[0].change_set == following.pk
    assert "链序号应为" in result.broken[0].problem and "前一批次摘要" in result.broken[0].problem


def test_a_change_set_inserted_behind_the_log_is_found(log):
    _sql(
        "INSERT INTO core_changeset (created_at, actor, source, origin, reason, document_number, bypasses_approval,"
        " summary, logs_creations, previous, digest) VALUES (%s, '', 'service', '', '伪造', '', %s, %s, %s, '', '')",
        (dt.datetime.now(dt.UTC), False, "{}", True),
    )
    forged = ChangeSet.objects.get(reason="伪造")
    result = verify()
    assert [b.change_set for b in result.broken] == [forged.pk]
    assert "不在链中" in result.broken[0].problem


def test_a_rolled_back_change_set_leaves_no_gap(log):
    with pytest.raises(RuntimeError):
        with change_context(source="service", reason="失败"):
            record_change(entity="测试", key="失败", before=None, after={"x": 1})
            raise RuntimeError("boom")
    after = _note("之后")
    assert after.sequence == log["last"].sequence + 1
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain():
    """Threads writing at once (each its own connection): each change set follows exactly one
    other, and the chain verifies. PostgreSQL serialises them with the chain's advisory lock."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite writers are serialised by the file's lock (IMMEDIATE transactions)")
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(5):
                with change_context(source="service", reason=f"线程 {n}"):
                    record_change(entity="测试", key=f"{n}/{i}", before=None, after={"n": n, "i": i})
                    time.sleep(0.002)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    sets = list(ChangeSet.objects.filter(reason__startswith="线程").order_by("sequence"))
    assert len(sets) == 40
    assert [s.sequence for s in sets] == list(range(sets[0].sequence, sets[0].sequence + 40))
    assert len({s.previous for s in sets}) == 40  # no two follow the same change set
    result = verify()
    assert result.ok, result.broken


# ---------------------------------------------------------------- the auditor's page


def _page_for(role: str):
    from django.contrib.auth.models import User
    from django.test import Client

    from bianzhi.accounts.services import role_grant_create

    user = User.objects.create_user(username=role)
    role_grant_create(user=user, role=role, actor="tests")
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_auditor_page_shows_an_intact_log_and_then_the_first_broken_change_set(log):
    client = _page_for("auditor")
    page = client.get("/changes/verify/")
    text = page.content.decode()
    assert page.status_code == 200
    total = ChangeSet.objects.count()  # the log's four, and those of the role grant
    assert page.context["result"].ok and page.context["result"].checked == total >= 4
    assert "校验结果" in text and "变更日志完整，未被篡改。" in text
    assert f'id="chain-checked">{total}<' in text and "秒" in text
    _sql("UPDATE core_changeset SET reason = %s WHERE id = %s", ("另一个理由", log["middle"].pk))
    text = client.get("/changes/verify/").content.decode()
    assert f"第一个不符的变更批次为第 {log['middle'].pk} 号" in text and "摘要与存储的内容不符" in text
    unit_page = client.get("/units/U/").content.decode()
    assert 'href="/changes/verify/"' in unit_page  # linked from the unit's change log


def test_the_verification_page_is_refused_to_a_leader(log):
    assert _page_for("leader").get("/changes/verify/").status_code == 403
