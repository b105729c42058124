from django.urls import reverse
from drf_spectacular.validation import validate_schema

from tests.api.conftest import client_for


def schema(db):
    response = client_for(None).get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(db):
    document = schema(db)

    validate_schema(document)
    assert document["openapi"].startswith("3.")


def test_the_schema_documents_every_endpoint(db):
    paths = set(schema(db)["paths"])

    assert paths == {
        "/api/intake/",
        "/api/requests/",
        "/api/requests/similar/",
        "/api/requests/{number}/",
        "/api/requests/{number}/mentions/",
        "/api/requests/{number}/transition/",
        "/api/requests/{number}/merge/",
        "/api/requests/{number}/history/",
        "/api/accounts/",
        "/api/accounts/{external_id}/",
        "/api/threads/",
        "/api/threads/{id}/",
        "/api/public/requests/{number}/",
    }


def test_every_operation_documents_its_error_answers_in_the_error_shape(db):
    document = schema(db)

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert any(code.startswith("4") for code in codes), (method, path)
            if not path.startswith("/api/public/"):
                assert {"401", "403"} <= codes, (method, path)
            for code in codes - {"200", "201"}:
                ref = operation["responses"][code]["content"]["application/json"]["schema"]
                assert ref == {"$ref": "#/components/schemas/Errors"}, (method, path, code)


def test_the_intake_documents_both_success_answers_and_the_size_limit(db):
    responses = schema(db)["paths"]["/api/intake/"]["post"]["responses"]

    assert {"200", "201", "400", "401", "403", "413"} <= set(responses)


def test_the_docs_page_serves_swagger_ui_from_this_server(db):
    response = client_for(None).get(reverse("api-docs"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_the_bench_endpoint_is_not_mounted_by_default(db):
    from django.urls import NoReverseMatch
    from django.urls import reverse as rev

    try:
        rev("api-bench-insert")
    except NoReverseMatch:
        return
    raise AssertionError("the benchmark endpoint is mounted")


def test_the_schema_generates_without_warnings(db, tmp_path):
    from django.core.management import call_command

    # An under-specified field is documented as a bare string: a warning, failed here.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", tmp_path / "s.yaml")
