"""Binary COPY from Arrow: record batches encoded by pgpq, streamed into asyncpg's COPY.

No Python object is made per value: pgpq writes PostgreSQL's binary COPY format straight from
the Arrow buffers, and asyncpg sends the bytes as they come. The batches' Arrow types must be
the target columns' (int64 → bigint, int32 → integer, timestamp[us, UTC] → timestamptz,
list<utf8> → text[], ...), which is what the columnar checks convert to; a string column named
in `jsonb` is sent as JSONB, its text unchanged (`1.50` keeps its scale).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Collection, Iterable, Sequence
from typing import Any

try:
    import pgpq
    import pgpq.encoders
    import pgpq.schema
    import pyarrow as pa
except ImportError as error:  # the columnar path is part of the import, never optional
    raise ImportError(
        f"binary COPY from Arrow needs {error.name}: pip install 'pgpq>=0.9' 'pyarrow>=17' "
        "(both are dependencies of sqlmodel-store)"
    ) from error


def encoder_for(
    schema: pa.Schema, jsonb: Collection[str] = ()
) -> pgpq.ArrowToPostgresBinaryEncoder:
    """An encoder for batches of `schema`; the columns in `jsonb` go as JSONB, not text."""
    infer = pgpq.ArrowToPostgresBinaryEncoder.infer_encoder
    encoders = {
        field.name: (
            pgpq.encoders.StringEncoderBuilder.new_with_output(field, pgpq.schema.Jsonb())
            if field.name in jsonb
            else infer(field)
        )
        for field in schema
    }
    return pgpq.ArrowToPostgresBinaryEncoder.new_with_encoders(schema, encoders)


Batches = Iterable[pa.RecordBatch] | AsyncIterable[pa.RecordBatch]


async def copy_chunks(
    schema: pa.Schema, batches: Batches, jsonb: Collection[str] = ()
) -> AsyncIterator[bytes]:
    """The COPY BINARY stream of `batches`: header, one chunk per batch, trailer. A batch is
    encoded only when COPY asks for more, so one batch at a time is held as bytes. Batches
    may come from an async iterable (a reader in a thread, say) or a plain one."""
    encoder = encoder_for(schema, jsonb)
    yield encoder.write_header()
    async for batch in _each(batches):
        if batch.num_rows:
            yield encoder.write_batch(batch.select(schema.names))
    yield encoder.finish()


async def _each(batches: Batches) -> AsyncIterator[pa.RecordBatch]:
    if isinstance(batches, AsyncIterable):
        async for batch in batches:
            yield batch
    else:
        for batch in batches:
            yield batch


async def copy_batches(
    connection: Any,
    table: str,
    batches: Batches,
    *,
    schema: pa.Schema,
    jsonb: Collection[str] = (),
    schema_name: str | None = None,
) -> int:
    """COPY the rows of `batches` (their columns named in `schema`) into `table` over an
    asyncpg `connection`; the number of rows COPY reports."""
    status: str = await connection.copy_to_table(
        table,
        source=copy_chunks(schema, batches, jsonb),
        columns=list(schema.names),
        schema_name=schema_name,
        format="binary",
    )
    return int(status.split()[-1])


def target_schema(fields: Sequence[pa.Field], columns: Sequence[str]) -> pa.Schema:
    """The schema of the given target columns only, in that order (positions and legacy ids
    travel in the same batches but are not table columns)."""
    by_name = {field.name: field for field in fields}
    return pa.schema([by_name[name] for name in columns])
