"""``saferhub export places``: a thin command over ``saferhub.linking.places.export_places``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def register(export_app: typer.Typer) -> None:
    """Add ``places`` to the ``export`` command group."""

    @export_app.command("places")
    def export_places_command(
        out: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    ) -> None:
        """Write feed,agency,source_id,place_id for every located record (empty: no place)."""
        from saferhub.config import get_settings
        from saferhub.linking.places import export_places
        from saferhub.services import open_store

        engine = open_store(get_settings())
        rows = export_places(engine=engine, out=out)
        Console().print(f"{rows:,} located records written to {out}")
