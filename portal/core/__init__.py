"""What every area shares: configuration, extensions, errors, the access policy,
audit, files, text, languages, paging and the HTMX helpers. Nothing here imports
an area's domain operations."""
