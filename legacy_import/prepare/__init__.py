"""Prepare: what happens to records between reading and loading (batches, checks, workers)."""
