"""Load: the only stage that writes: plans, references, writers and the bookkeeping."""
