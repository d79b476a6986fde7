"""Settings: defaults, and refusal to start with a message that names the bad setting."""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.config import DEV_SECRET_KEY, ROOT, ConfigError, load_settings


def test_defaults_are_sqlite_and_swedish(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = load_settings()
    assert settings.database_url.startswith("sqlite:///")
    assert settings.default_language == "sv"
    assert settings.suppression_min_n == 5


def test_base_url_defaults_to_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.setenv("PORT", "8123")
    assert load_settings().base_url == "http://127.0.0.1:8123"
    monkeypatch.setenv("HOST", "0.0.0.0")  # noqa: S104 - only a value here
    assert load_settings().base_url == "http://0.0.0.0:8123"
    monkeypatch.setenv("BASE_URL", "https://trygg.example.se")
    assert load_settings().base_url == "https://trygg.example.se"


def test_production_refuses_the_development_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", DEV_SECRET_KEY)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings()


@pytest.mark.parametrize(("name", "value"), [
    ("DATABASE_URL", "mysql://x"),
    ("SUPPRESSION_MIN_N", "zero"),
    ("BASE_URL", "ftp://example"),
    ("DEFAULT_LANGUAGE", "xx"),
])
def test_invalid_setting_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings()


def test_postgresql_scheme_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    assert load_settings().database_url == "postgresql+psycopg://postgres@127.0.0.1/test"


def test_https_base_url_makes_cookies_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BASE_URL", "https://trygg.example.se/")
    settings = load_settings()
    assert settings.secure_cookies
    assert settings.base_url == "https://trygg.example.se"


def test_process_refuses_to_start_with_bad_setting() -> None:
    result = subprocess.run([sys.executable, "-m", "app", "migrate"], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "WORKERS": "many"}, timeout=60, check=False)
    assert result.returncode != 0
    assert "WORKERS" in result.stderr
