"""Rule parameters are checked against each rule's schema when set, and a bad stored value never
breaks a monitoring run: the default is used and a warning recorded (domain.md §4)."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from conftest import person_row, unit_row
from django.core.exceptions import ValidationError
from django.core.management import call_command

from bianzhi.core.models import ChangeRecord
from bianzhi.supervision.models import RuleSetting
from bianzhi.supervision.rulebook import ParamError, all_rules, effective_rules, get_rule, validate_params
from bianzhi.supervision.services import alerts_evaluate, monitoring_run, rule_setting_update

D = dt.date(2026, 6, 30)
CJK = "\u4e00-\u9fff"


def idle_unit(load) -> None:
    people = [
        person_row("S", staffing="事业编制", category="事业管理人员", 进编日期=dt.date(2015, 1, 1)) for _ in range(8)
    ]
    load(
        {
            "机构": [unit_row("S", "事业单位")],
            "编制": [{"机构代码": "S", "编制类型": "事业编制", "核定数": 10}],
            "人员": people,
        }
    )


def test_every_rule_describes_each_of_its_parameters():
    import re

    for rule in all_rules():
        assert set(rule.param_schema) == set(rule.default_params), rule.id
        for name, param in rule.param_schema.items():
            assert re.search(f"[{CJK}]", param.label), (rule.id, name)
            assert param.help, (rule.id, name)
            assert validate_params(rule, {name: rule.default_params[name]}) == {name: rule.default_params[name]}
    schema = get_rule("vacancy_idle").param_schema
    assert schema["vacancy_rate"].type is float and schema["window_days"].type is int


@pytest.mark.parametrize(
    "params",
    [
        {"vacancy_rate": "20%"},
        {"vacancy_rate": 1.5},
        {"vacancy_rate": -0.1},
        {"vacancy_rate": True},
        {"vacancy_rate": None},
        {"window_days": 0},
        {"window_days": 2.5},
        {"window_days": "365"},
    ],
)
def test_a_bad_value_is_refused_naming_the_parameter(params):
    rule = get_rule("vacancy_idle")
    (name,) = params
    with pytest.raises(ParamError) as refused:
        validate_params(rule, params)
    message = str(refused.value)
    assert name in message and rule.param_schema[name].label in message


def test_good_values_pass_and_integers_are_accepted_as_rates():
    rule = get_rule("vacancy_idle")
    assert validate_params(rule, {"vacancy_rate": 0.25, "window_days": None}) == {
        "vacancy_rate": 0.25,
        "window_days": None,
    }
    assert validate_params(rule, {"vacancy_rate": 1, "window_days": 180}) == {"vacancy_rate": 1.0, "window_days": 180}
    with pytest.raises(ParamError, match="没有参数"):
        validate_params(rule, {"threshold": 0.2})


@pytest.mark.django_db
def test_saving_validates_and_logs_the_change():
    with pytest.raises(ValueError, match="空编率"):
        rule_setting_update(rule="vacancy_idle", enabled=True, params={"vacancy_rate": "20%"})
    assert not RuleSetting.objects.exists()
    rule_setting_update(rule="vacancy_idle", enabled=True, severity="中", params={"vacancy_rate": 0.3})
    setting = RuleSetting.objects.get(rule="vacancy_idle")
    assert setting.params == {"vacancy_rate": 0.3}
    record = ChangeRecord.objects.get(entity="监测规则", key="vacancy_idle")
    assert record.before is None and record.after["参数"] == {"vacancy_rate": 0.3}


@pytest.mark.django_db
def test_the_model_refuses_a_bad_value_in_forms():
    with pytest.raises(ValidationError) as refused:
        RuleSetting(rule="vacancy_idle", params={"vacancy_rate": "20%"}).full_clean()
    assert "params" in refused.value.message_dict
    with pytest.raises(ValidationError):
        RuleSetting(rule="no_such_rule").full_clean()
    RuleSetting(rule="vacancy_idle", params={"vacancy_rate": 0.3}).full_clean()


@pytest.mark.django_db
def test_a_bad_stored_value_falls_back_to_the_default_with_a_warning(load, caplog):
    idle_unit(load)
    RuleSetting.objects.create(rule="vacancy_idle", params={"vacancy_rate": "20%", "unknown": 1})
    effective = next(e for e in effective_rules() if e.rule.id == "vacancy_idle")
    assert effective.params["vacancy_rate"] == 0.2 and "unknown" not in effective.params
    assert len(effective.warnings) == 2 and any("空编率" in w for w in effective.warnings)
    with caplog.at_level(logging.WARNING):
        found = [a for a in alerts_evaluate(as_of=D) if a["rule"] == "vacancy_idle"]
    assert len(found) == 1
    assert "vacancy_rate" in caplog.text
    run, _ = monitoring_run(as_of=D)
    assert any("空编率" in w for w in run.warnings)


@pytest.mark.django_db
def test_monitor_command_survives_a_bad_stored_value(load, capsys):
    idle_unit(load)
    RuleSetting.objects.create(rule="vacancy_idle", params={"vacancy_rate": "20%", "window_days": "x"})
    call_command("monitor", "--as-of", "2026-06-30", "--json")
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"as_of", "alerts"}
    assert [a["rule"] for a in document["alerts"]] == ["vacancy_idle"]


@pytest.mark.django_db
def test_the_admin_takes_no_rule_setting(client):
    """The rules are set on the page /alerts/rules/ (tests/web/test_rule_settings.py), never as raw
    JSON in the admin, which shows them read-only (tests/accounts/test_admin_chinese.py)."""
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("root", "root@example.org", None)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        "/admin/supervision/rulesetting/add/",
        {"rule": "vacancy_idle", "enabled": "on", "severity": "", "params": '{"vacancy_rate": 0.3}'},
    )
    assert response.status_code == 403
    assert not RuleSetting.objects.exists()
    assert not ChangeRecord.objects.filter(entity="监测规则").exists()
