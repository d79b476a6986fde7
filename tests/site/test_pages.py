"""The public site frame: start page, municipality page, languages, error pages, headers, health and API."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import create_engine
from sqlmodel import Session

from app.main import create_app
from tests import factories
from tests.conftest import CheckedClient


def test_start_page_lists_municipalities(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db, name="Exempelby kommun")
    response = client.get("/")
    assert response.status_code == 200
    assert "Exempelby kommun" in response.text
    assert f'href="/m/{town.slug}"' in response.text


def test_municipality_page_shows_areas_and_its_languages(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db, languages=["sv", "en", "so"])
    factories.area(db, town, name="Gamla stan")
    response = client.get(f"/m/{town.slug}")
    assert "Gamla stan" in response.text
    assert 'hreflang="so"' in response.text
    assert 'hreflang="ar"' not in response.text


def test_unknown_pages_get_the_people_404(client: CheckedClient) -> None:
    for path in ("/finns-inte", "/m/finns-inte", "/staff/password/x/y"):
        response = client.get(path)
        assert response.status_code == 404
        assert "Sidan hittades inte" in response.text


def test_every_footer_links_the_accessibility_statement(client: CheckedClient) -> None:
    for path in ("/", "/staff/login", "/finns-inte"):
        assert 'href="/tillganglighet"' in client.get(path).text
    statement = client.get("/tillganglighet").text
    assert "https://www.digg.se/tdosanmalan" in statement
    assert "mailto:" in statement


def test_language_switcher_remembers_the_choice(client: CheckedClient) -> None:
    response = client.get("/sprak?lang=en&next=/tillganglighet", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/tillganglighet"
    page = client.get("/tillganglighet").text
    assert '<html lang="en" dir="ltr">' in page
    assert "Accessibility statement" in page
    arabic = client.get("/?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in arabic


def test_language_switcher_refuses_foreign_redirects(client: CheckedClient) -> None:
    for target in ("https://evil.example", "//evil.example", "javascript:alert(1)"):
        response = client.get(f"/sprak?lang=en&next={target}", follow_redirects=False)
        assert response.headers["location"] == "/"


def test_language_never_leaks_between_requests(client: CheckedClient) -> None:
    """Texts translated in route code (before render) follow this request's language, not an earlier one's."""
    from app import i18n

    client.get("/?lang=ar")
    i18n.set_language("ar")  # even a language left behind in the calling thread must not leak
    response = client.post_form("/staff/login", {"email": "nobody@test.example", "password": "wrong"})
    assert "Fel e-postadress eller lösenord." in response.text
    english = client.post_form("/staff/login?lang=en", {"email": "nobody@test.example", "password": "wrong"})
    assert "Wrong email address or password." in english.text


def test_unknown_language_falls_back_to_swedish(client: CheckedClient) -> None:
    assert '<html lang="sv" dir="ltr">' in client.get("/?lang=xx").text


def test_security_headers(client: CheckedClient) -> None:
    headers = client.get("/").headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_pages_reference_only_this_origin(client: CheckedClient, db: Session) -> None:
    import re

    factories.municipality(db)
    for path in ("/", "/tillganglighet", "/staff/login", "/docs"):
        html = client.get(path).text
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert url.startswith(("/", "#", "mailto:", "https://www.digg.se/")), f"{path}: {url}"
            if url.startswith("https://"):
                assert 'src="https://' not in html


def test_pages_are_compressed(client: CheckedClient) -> None:
    response = client.get("/tillganglighet", headers={"accept-encoding": "gzip"})
    assert response.headers.get("content-encoding") == "gzip"
    assert "accept-encoding" in response.headers.get("vary", "").lower()


def test_pages_are_sent_as_they_are_to_clients_without_gzip(client: CheckedClient) -> None:
    response = client.get("/tillganglighet", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert int(response.headers["content-length"]) == len(response.content) > 500
    assert "Tillgänglighet" in response.text


def test_healthz_checks_the_database(client: CheckedClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_database_down_gives_503_page_and_health(engine: Any) -> None:
    broken = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 2})
    with CheckedClient(create_app(broken), raise_server_exceptions=False) as client:
        page = client.get("/")
        assert page.status_code == 503
        assert "Tjänsten är tillfälligt otillgänglig" in page.text
        assert client.get("/healthz").status_code == 503
        api = client.get("/api/v1/municipalities")
        assert api.status_code == 503
        assert api.headers["content-type"].startswith("application/problem+json")


def test_unexpected_error_gives_a_page_for_people(app: FastAPI) -> None:
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("internal detail that must not leak")

    with CheckedClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "Något gick fel hos oss" in response.text
    assert "internal detail" not in response.text


def test_oversized_request_gets_the_413_page(client: CheckedClient) -> None:
    from app.middleware import MAX_REQUEST_BYTES

    body = b"a=" + b"x" * (MAX_REQUEST_BYTES + 1)
    response = client.post("/staff/login", content=body,
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert "Filen är för stor" in response.text

    def chunks() -> Any:
        for _ in range(MAX_REQUEST_BYTES // 65536 + 2):
            yield b"x" * 65536

    streamed = client.post("/staff/login", content=chunks(),
                           headers={"content-type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413
    assert "Filen är för stor" in streamed.text


def test_api_lists_municipalities(client: CheckedClient, db: Session) -> None:
    town = factories.municipality(db, languages=["sv", "ar"])
    data = client.get("/api/v1/municipalities").json()
    entry = next(item for item in data if item["slug"] == town.slug)
    assert entry == {"slug": town.slug, "name": town.name, "languages": ["sv", "ar"],
                     "url": f"http://testserver/m/{town.slug}"}


def test_api_errors_are_problem_json(client: CheckedClient) -> None:
    response = client.get("/api/v1/finns-inte")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_openapi_documents_the_api_not_the_pages(client: CheckedClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/municipalities" in paths
    assert not [p for p in paths if p.startswith(("/staff", "/m/"))]


def test_docs_page_serves_swagger_from_this_origin(client: CheckedClient) -> None:
    page = client.get("/docs").text
    assert 'src="/static/vendor/swagger/swagger-ui-bundle.js"' in page
    asset = client.get("/static/vendor/swagger/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert "SwaggerUIBundle" in asset.text
    assert client.get("/static/vendor/swagger/..%2F__init__.py").status_code == 404


def test_request_log_has_no_personal_data(client: CheckedClient, caplog: Any) -> None:
    caplog.set_level("INFO", logger="app.requests")
    client.get("/staff/password/secret-token-value?lang=en")
    lines = [r.getMessage() for r in caplog.records if r.name == "app.requests"]
    assert lines
    assert '"route": "/staff/password/{token}"' in lines[-1]
    assert "secret-token-value" not in "".join(lines)
    assert "testclient" not in "".join(lines)
