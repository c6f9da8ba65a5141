"""Garbage-collector settings for the processes of an import.

An import allocates millions of short-lived rows, tuples and dicts. With CPython's default
thresholds (a young collection every 700 allocations, an old one every 100 young ones), the
collector walks the long-lived objects of SQLAlchemy, pydantic and asyncpg again and again.
Importing a million messages, tuned as here, the worker took 27-29 CPU-seconds instead of 35
and the main process 14 instead of 19. A young threshold of 50,000 saved no more, and the main
process then held 40 MiB more: asyncio and SQLAlchemy leave reference cycles behind each batch,
which keep it alive until a collection finds them.
"""

import gc

# Young collections every this many net allocations of tracked objects, instead of 700.
YOUNG_THRESHOLD = 10_000


def tune_for_bulk_work() -> None:
    """Freeze what start-up built (modules, schemas, compiled statements), so older
    collections skip it, and collect the young generation less often. For the import's own
    processes only: a library caller's collector is left alone."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 10, 10)
