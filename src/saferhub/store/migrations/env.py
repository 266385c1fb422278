"""Alembic environment: runs migrations on the connection SaferHub hands it."""

from __future__ import annotations

from alembic import context

from saferhub.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via the alembic CLI
    from saferhub.store.session import connect

    engine = connect(config.attributes["database_url"])
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
