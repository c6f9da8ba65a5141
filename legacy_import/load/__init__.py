"""Load: what writes to the store (targets, plan, references, writers, COPY, bookkeeping)."""
