"""Report: progress while a run goes, its summary after, and the rejects file."""
