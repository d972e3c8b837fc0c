"""The slip and the onboarding notice as official documents: the Word file carries the slip number,
the 文号, the unit and the figures; a role that sees numbers masked gets the number masked."""

from __future__ import annotations

import io

import docx
import pytest

from bianzhi.accounts.permissions import mask_id_number
from bianzhi.approvals import services
from bianzhi.approvals.documents import onboarding_document, slip_document
from bianzhi.core.documents import docx_bytes
from tests.approvals.support import *  # noqa: F403  (the fixtures)

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_slip_and_onboarding_documents(reg, users, day, new_person):
    request = services.staffing_request_create(
        user=users["hr_u"],
        unit=reg["units"]["U"],
        staffing_type="行政编制",
        count=1,
        reason="公务员招录",
        reason_kind="招录",
    )
    services.staffing_request_submit(user=users["hr_u"], request=request)
    slip = services.staffing_request_approve(
        user=users["officer"], request=request, document_number="越编〔2026〕9号"
    ).slip
    document = slip_document(slip)
    assert document.title == "核准使用编制通知单" and document.number == "越编〔2026〕9号"
    text = _text(docx_bytes(document))
    assert slip.number in text and "越编〔2026〕9号" in text and "行政编制 1 名（招录）" in text
    assert slip.expires_on.isoformat() in text
    row = new_person(进编日期=day.isoformat())
    onboarding = services.slip_onboard(user=users["hr_u"], slip=slip, row=row)
    whole = _text(docx_bytes(onboarding_document(onboarding)))
    assert slip.number in whole and row["身份证号"] in whole and "新人" in whole
    masked = _text(docx_bytes(onboarding_document(onboarding, whole=False)))
    assert row["身份证号"] not in masked and mask_id_number(row["身份证号"]) in masked
