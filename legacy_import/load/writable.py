"""The target must take writes: a read-only server is refused before the import writes.

Pointed at a streaming replica (or a server with `default_transaction_read_only`), the run
would otherwise get as far as its first INSERT, after creating nothing but an error. Asking
the server first turns that into one line that says which server to use instead.
"""

from __future__ import annotations

from sqlalchemy import text

from legacy_import.errors import TargetError
from sqlmodel_store import Store

# On a standby every transaction is read-only, so one setting covers both cases.
_READ_ONLY = text("SELECT current_setting('transaction_read_only') = 'on'")


async def refuse_read_only(store: Store) -> None:
    """Raise TargetError (exit 3) when the store's server only reads; SQLite always writes."""
    if store.engine.dialect.name != "postgresql":
        return
    async with store.engine.connect() as conn:
        read_only = await conn.scalar(_READ_ONLY)
    if read_only:
        raise TargetError(
            "the target database is read-only (a standby replica, or default_transaction_"
            f"read_only is on) at {store.settings.safe_url}: point --database-url at the "
            "primary, or list every server (host=h1:p1&host=h2:p2) so the import finds the "
            "one that takes writes; nothing was written"
        )
