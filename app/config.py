"""Settings read from the environment (and `.env`); the process refuses to start on invalid ones."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "development-only-secret-change-me"  # noqa: S105 - refused in production below
SUPPORTED_LANGUAGES = ("sv", "en", "ar", "fa", "so", "ti", "fi", "sv-x-easy")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'trygghetsdialog.sqlite3'}"
    secret_key: str = DEV_SECRET_KEY
    host: str = "127.0.0.1"  # where `trygg serve` listens
    port: int = Field(default=8000, ge=1, le=65535)
    base_url: str = ""  # the public address; unset: http://{HOST}:{PORT}
    default_language: str = "sv"
    suppression_min_n: int = Field(default=5, ge=1, le=100)

    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    mail_from: str = "Trygghetsdialog <noreply@trygghetsdialog.example>"
    outbox_dir: Path = ROOT / "var" / "outbox"
    signup_retention_days: int = Field(default=30, ge=0, le=3650)
    upload_dir: Path | None = None  # default: next to OUTBOX_DIR, in "uploads" (outside the web root)

    survey_submissions_per_hour: int = Field(default=30, ge=0)  # per client address, open-link surveys; 0 = off
    letter_code_failures_per_hour: int = Field(default=10, ge=1)  # wrong letter codes per client address and hour
    signups_per_client_hour: int = Field(default=10, ge=0)  # event sign-ups and pledge subscriptions; 0 = off
    workers: int = Field(default=1, ge=1, le=64)
    public_cache_seconds: int = Field(default=60, ge=0, le=3600)  # public page cache lifetime; 0 = off
    db_pool_size: int = Field(default=20, ge=1, le=200)
    login_max_failures: int = Field(default=5, ge=1)  # per account
    login_max_failures_per_client: int = Field(default=30, ge=1)  # per client address, over all accounts
    login_window_minutes: int = Field(default=15, ge=1)
    # After this many failures per (account, client), each further attempt waits login_slow_seconds (then the block)
    login_slow_after: int = Field(default=3, ge=1)
    login_slow_seconds: int = Field(default=30, ge=0)
    session_max_age_hours: int = Field(default=12, ge=1)
    accessibility_contact: str = "tillganglighet@trygghetsdialog.example"

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return value

    @model_validator(mode="after")
    def _base_url_from_host_and_port(self) -> Settings:
        if not self.base_url:
            self.base_url = f"http://{self.host}:{self.port}"
        return self

    @model_validator(mode="after")
    def _no_dev_secret_in_production(self) -> Settings:
        if self.environment == "production":
            if self.secret_key == DEV_SECRET_KEY:
                raise ValueError("SECRET_KEY: the development default may not be used in production")
            if len(self.secret_key) < 32:
                raise ValueError("SECRET_KEY: must be at least 32 characters in production")
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def two_factor_enforced(self) -> bool:
        """Two-factor sign-in is required (superadmins, municipalities that ask) everywhere but in development, so the
        demo's printed logins keep working there."""
        return self.environment != "development"


class ConfigError(SystemExit):
    """Raised at start-up when the environment holds an invalid setting; names the setting."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]).upper() or "settings"
            lines.append(f"  {name}: {error['msg']}")
        raise ConfigError("Invalid configuration:\n" + "\n".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
