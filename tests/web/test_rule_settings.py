"""监测规则设置: the staffing officer and the administrator switch rules on or off and set their
severity and parameters, each change logged; everyone else is refused (403)."""

from __future__ import annotations

import pytest
from conftest import REGISTER_DAY
from django.test import Client

from bianzhi.core.models import ChangeRecord
from bianzhi.supervision.models import RuleSetting
from bianzhi.supervision.rulebook import all_rules, get_rule

pytestmark = pytest.mark.django_db
DAY = REGISTER_DAY.isoformat()
URL = "/alerts/rules/"
EDIT = "/alerts/rules/vacancy_idle/"


def client_for(persona) -> Client:
    client = Client()
    client.force_login(persona.user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.mark.parametrize("name", ["admin", "officer"])
def test_the_page_lists_every_rule_with_its_chinese_name_and_explanation(personas, name):
    response = client_for(personas[name]).get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    for rule in all_rules():
        assert rule.name in text and rule.description in text
    assert "监测规则设置" in text


@pytest.mark.parametrize("name", ["hr_a", "leader", "inspector", "auditor", "nobody"])
def test_other_roles_are_refused(personas, name):
    client = client_for(personas[name])
    assert client.get(URL).status_code == 403
    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT, {"enabled": "on", "severity": "高", "vacancy_rate": "0.3"}).status_code == 403
    assert not RuleSetting.objects.exists()


def test_without_a_login_the_page_asks_for_one(personas):
    assert Client().get(URL).status_code == 302


def test_the_edit_form_shows_the_rule_and_its_parameters(personas):
    text = client_for(personas["officer"]).get(EDIT).content.decode()
    rule = get_rule("vacancy_idle")
    assert rule.name in text and rule.description in text
    for param in rule.param_schema.values():
        assert param.label in text and param.help in text


def test_a_change_is_saved_and_logged(personas):
    client = client_for(personas["officer"])
    response = client.post(
        EDIT, {"severity": "中", "vacancy_rate": "0.3", "window_days": "", "reason": "按编委会意见调整"}
    )
    assert response.status_code == 302
    setting = RuleSetting.objects.get(rule="vacancy_idle")
    assert (setting.enabled, setting.severity, setting.params) == (
        False,
        "中",
        {"vacancy_rate": 0.3, "window_days": None},
    )
    record = ChangeRecord.objects.get(entity="监测规则", key="vacancy_idle")
    assert record.change_set.user == personas["officer"].user
    assert record.before is None and record.after["启用"] is False and record.after["严重程度"] == "中"
    assert record.change_set.reason == "按编委会意见调整"
    client.post(
        EDIT, {"enabled": "on", "severity": "低", "vacancy_rate": "0.25", "window_days": "200", "reason": "恢复"}
    )
    second = ChangeRecord.objects.filter(entity="监测规则", key="vacancy_idle").order_by("pk").last()
    assert second.before["参数"] == {"vacancy_rate": 0.3, "window_days": None}
    assert second.after["参数"] == {"vacancy_rate": 0.25, "window_days": 200}
    listing = client.get(URL).content.decode()
    assert "0.25" in listing


def test_a_bad_value_is_refused_in_chinese_naming_the_parameter(personas):
    response = client_for(personas["admin"]).post(
        EDIT, {"enabled": "on", "severity": "低", "vacancy_rate": "20%", "window_days": "", "reason": "试"}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "参数“空编率阈值”（vacancy_rate）应为数值" in text
    assert not RuleSetting.objects.exists()
    response = client_for(personas["admin"]).post(
        EDIT, {"enabled": "on", "severity": "低", "vacancy_rate": "1.5", "window_days": "", "reason": "试"}
    )
    assert response.status_code == 200 and "（vacancy_rate）超出范围" in response.content.decode()
    assert not RuleSetting.objects.exists()


def test_an_unknown_rule_is_not_found(personas):
    assert client_for(personas["admin"]).get("/alerts/rules/no_such_rule/").status_code == 404


def test_the_alerts_page_links_to_the_settings_for_those_who_may_change_them(personas):
    assert URL in client_for(personas["officer"]).get(f"/alerts/?as_of={DAY}").content.decode()
    assert URL not in client_for(personas["leader"]).get(f"/alerts/?as_of={DAY}").content.decode()


@pytest.mark.parametrize("reason", [None, "", "   ", "\u3000"])
def test_a_change_without_a_reason_is_refused(personas, reason):
    data = {"enabled": "on", "severity": "低", "vacancy_rate": "0.3", "window_days": ""}
    if reason is not None:
        data["reason"] = reason
    response = client_for(personas["officer"]).post(EDIT, data)
    assert response.status_code == 200 and "请填写变更理由" in response.content.decode()
    assert not RuleSetting.objects.exists()
