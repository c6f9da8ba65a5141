"""Garbage-collector settings for the processes of an import.

An import allocates millions of short-lived rows, tuples and dicts. With CPython's default
thresholds (a young collection every 700 allocations, an old one every 100 young ones), the
collector walks the long-lived objects of SQLAlchemy, pydantic and asyncpg again and again.
Tuned as here, preparing messages took a fifth less CPU (28 → 23 µs a row, alternating runs).
The rows hold no reference cycles, so reference counting frees them; the collector only has
to stay out of their way.
"""

import gc

# Young collections every this many net allocations of tracked objects, instead of 700.
YOUNG_THRESHOLD = 50_000


def tune_for_bulk_work() -> None:
    """Freeze what start-up built (modules, schemas, compiled statements), so older
    collections skip it, and collect the young generation less often. For the import's own
    processes only: a library caller's collector is left alone."""
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 10, 10)
