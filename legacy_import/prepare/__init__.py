"""Prepare: cut mapped records into batches, in this process or in worker processes."""
