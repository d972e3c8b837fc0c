"""The OpenAPI document and the docs page: every operation has a Chinese summary and declares every
status it can answer with the one error shape; the docs page works without a CDN."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def document():
    from django.test import Client

    return Client().get("/api/v1/openapi.json").json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def test_openapi_3_at_the_documented_address(document):
    assert document["openapi"].startswith("3.")
    assert CHINESE.search(document["info"]["title"]) and document["info"]["version"] == "1"
    assert all(path.startswith("/api/v1/") for path in document["paths"])
    schemes = document["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}


def test_every_operation_has_a_chinese_summary_and_a_tag(document):
    for method, path, operation in _operations(document):
        assert CHINESE.search(operation.get("summary", "")), (method, path)
        assert CHINESE.search(operation.get("description", "")), (method, path)
        assert operation.get("tags") and all(CHINESE.search(t) for t in operation["tags"]), (method, path)


def test_every_operation_declares_its_errors_in_the_one_shape(document):
    error = "#/components/schemas/ErrorOut"
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        assert {"401", "403", "422"} <= set(responses), (method, path)
        if "requestBody" in operation:
            assert "400" in responses, (method, path)
        if "{" in path and method != "PUT":  # PUT is an upsert: it creates what is not there
            assert "404" in responses, (method, path)
        for status, response in responses.items():
            if status.startswith("4"):
                assert response["content"]["application/json"]["schema"]["$ref"] == error, (method, path, status)
    statuses = {s for _, _, op in _operations(document) for s in op["responses"]}
    assert {"400", "401", "403", "404", "409", "422"} <= statuses
    shape = document["components"]["schemas"]["ErrorOut"]
    assert set(shape["properties"]) == {"status", "code", "message", "errors", "problems", "warnings"}


def test_docs_page_is_served_with_local_assets(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/api/v1/openapi.json" in html
    assert "cdn" not in html.lower()
    assert finders.find("ninja/swagger-ui-bundle.js") and finders.find("ninja/swagger-ui.css")
