"""Settings for one hub: where its database and files live, and which area it covers.

Every setting can be given as an environment variable ``SAFERHUB_<NAME>``
(for example ``SAFERHUB_DATABASE_URL``) or in a ``.env`` file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


def default_data_dir() -> Path:
    return Path(user_data_dir("saferhub", appauthor=False))


class Settings(BaseSettings):
    """The hub's settings. Defaults give an embedded SQLite hub for Wirral."""

    model_config = SettingsConfigDict(env_prefix="SAFERHUB_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder for the embedded database, quarantine files and outputs.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the hub's database, e.g. sqlite:////tmp/hub.db or "
            "postgresql+psycopg://user@host/db. Default: SQLite file saferhub.db in data_dir."
        ),
    )
    areas_file: Path = Field(
        default=PACKAGE_DIR / "areas" / "data" / "wirral" / "areas.toml",
        description="TOML file naming the hub's boundary files and neighbourhoods.",
    )
    extra_agencies: list[str] = Field(
        default_factory=list,
        description=(
            "Partners' own short agency names accepted in the agency column besides "
            "police, fire, ambulance, council, housing and third_sector (JSON list)."
        ),
    )
    quarantine_dir: Path | None = Field(
        default=None,
        description="Where rejected rows are written. Default: data_dir/quarantine.",
    )
    standards_file: Path | None = Field(
        default=None,
        description=(
            "TOML file overriding the shipped thresholds and unit costs of the people and "
            "place analyses (frequent callers, repeats); figures set there are marked local."
        ),
    )
    smtp_host: str | None = Field(
        default=None,
        description="Mail server that sends the daily briefings, e.g. smtp.example.org.",
    )
    smtp_port: int | None = Field(
        default=None,
        description="Its port. Default: 587 for starttls, 465 for ssl, 25 for none.",
    )
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        default="starttls",
        description="How the connection is protected: starttls, ssl (implicit TLS) or none.",
    )
    smtp_user: str | None = Field(
        default=None,
        description="Account to log in to the mail server with; no login when unset.",
    )
    smtp_password: SecretStr | None = Field(
        default=None,
        description="Password of that account; never printed or logged.",
    )
    mail_from: str | None = Field(
        default=None,
        description="Sender address of the briefing e-mails, e.g. saferhub@hub.example.org.",
    )
    distribution_file: Path | None = Field(
        default=None,
        description="TOML file mapping each agency to the addresses its daily briefing goes to.",
    )

    sharing_file: Path | None = Field(
        default=None,
        description=(
            "TOML information sharing agreement replacing the shipped Wirral default "
            "(src/saferhub/access/sharing.toml) whole: which agency sees which records."
        ),
    )

    secure_cookies: bool = Field(
        default=True,
        description=(
            "Send the web app's sign-in cookie only over HTTPS. Set false only to try the "
            "app over plain http on this machine (saferhub serve on 127.0.0.1 does so itself)."
        ),
    )
    tile_url: str | None = Field(
        default=None,
        description=(
            "Map tile server for the web app's maps, e.g. https://tiles.example.org/{z}/{x}/{y}.png. "
            "Unset: maps show boundaries and data on a plain background, with no network use."
        ),
    )
    tile_attribution: str = Field(
        default="",
        description="Attribution text the tile server's licence asks for, shown on every map.",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'saferhub.db'}"

    def resolved_quarantine_dir(self) -> Path:
        return self.quarantine_dir or self.data_dir / "quarantine"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
