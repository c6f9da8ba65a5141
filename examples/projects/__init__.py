"""A second schema on the toolkit: users with UUID keys, processing batches and projects.

Built only from the public API of `sqlmodel_store`: `StoreSchema` and `schema_registry` for
the models, the portable column types, `Repository`, `BaseUnitOfWork`, `Store` with its own
migrations (`alembic/` beside this file) and its health check.
"""
