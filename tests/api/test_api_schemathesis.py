"""Contract fuzzing: schemathesis generates requests for every operation of ``/api/v1/openapi.json``
(valid and invalid data) and calls the WSGI application as the district administrator, on the
engine of the run (SQLite or PostgreSQL). No response may be a server error or break the schema:
its status must be declared, its content type and body must match the declaration."""

from __future__ import annotations

import pytest
import schemathesis
from conftest import Persona
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bianzhi.config.wsgi import application

#: Examples per operation and generation mode: bounded so the whole run stays well under a minute.
MAX_EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_db_connection():
    """Calling the raw WSGI application fires request_started/finished, whose close_old_connections
    would close the test transaction's connection on PostgreSQL (stack-trials §4)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def administrator(register, settings, tmp_path):
    from django.contrib.auth.models import User

    from bianzhi.accounts.services import api_token_create, role_grant_create

    settings.DATA_DIR = tmp_path
    user = User.objects.create_user("fuzzer")
    role_grant_create(user=user, role="admin", actor="tests")
    return Persona("fuzzer", user, api_token_create(user=user, name="fuzz").secret)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, administrator):
    from bianzhi.accounts.models import ApiToken

    # A generated DELETE /tokens/{id} may revoke the very token the run uses: keep it live.
    ApiToken.objects.filter(user=administrator.user, revoked_at__isnull=False).update(revoked_at=None)
    case.call_and_validate(headers={"Authorization": f"Bearer {administrator.token}"}, checks=CHECKS)
