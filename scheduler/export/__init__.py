"""Writers of planned events: one module per format, all reading the same :class:`Event` values."""
