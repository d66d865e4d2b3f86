"""Sources: documents kept in sync with where they live (a folder, an S3 prefix, a website).

A source is a record (``store.py``); ``connectors.py`` and ``website.py`` list its items,
each with a fingerprint that changes when the item does; ``ragworks.usecases.syncing``
compares the listing with what the last sync stored and ingests, replaces and deletes
to match.
"""
