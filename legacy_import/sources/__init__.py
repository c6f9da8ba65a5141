"""Read: each source yields raw records (or plain rows) with their position; no store here."""
