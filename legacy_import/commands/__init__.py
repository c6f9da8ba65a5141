"""Commands that read but never import: inspect, verify, export (the canonical format)."""
