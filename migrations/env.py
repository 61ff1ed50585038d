"""Alembic environment: the URL comes from the caller (portal.migrations), never a file."""

from alembic import context

from portal.db import make_engine
from portal.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.attributes["database_url"])
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:  # also when a command refuses (a database behind the scripts): no connection left open
        engine.dispose()


run_migrations_online()
