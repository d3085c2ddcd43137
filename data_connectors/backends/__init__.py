"""One module per warehouse backend, each with ``open_warehouse(url: WarehouseURL, **options) ->
Warehouse``; ``data_connectors.registry`` maps URL schemes to them and imports one only when a URL
needs it (so an optional driver is imported only by its own backend). ``options`` is what
``connect`` passes to every backend: ``writable_dirs``, used by those that lock DuckDB sessions."""
