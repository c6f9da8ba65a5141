"""One bot replica for the pgbouncer test: `python -m tests.postgres.pgbouncer_client URL 0|1`.

asyncpg numbers prepared statements per process, so collisions need several processes.
Exits 0 when every unit of work succeeded, else prints the error and exits 1.
"""

from __future__ import annotations

import asyncio
import sys

from sqlmodel_store import Store, StoreSettings


async def work(url: str, pgbouncer: bool) -> None:
    settings = StoreSettings(database_url=url, database_pgbouncer=pgbouncer)
    async with Store(settings) as store:
        for n in range(20):
            async with store.unit_of_work() as uow:
                await uow.users.get_by_telegram_id(n)
                await uow.users.page(limit=1)
                await uow.messages.history(n)


if __name__ == "__main__":
    try:
        asyncio.run(work(sys.argv[1], sys.argv[2] == "1"))
    except Exception as error:
        print(f"{type(error).__name__}: {error}")
        sys.exit(1)
