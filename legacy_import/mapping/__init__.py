"""Map: layouts and mapping files, value conversions, and the record mapper (pure)."""
