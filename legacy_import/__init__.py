"""legacy_import: move a bot's old JSON and SQLite data into the store, losing nothing.

`python -m legacy_import run SOURCE` streams every legacy record through the store's `Create`
schemas into the database; what cannot be imported lands in a rejects file with the reason.
"""
