"""Background jobs: a queue (SQLite locally, SQS in AWS); ``ragworks.worker`` drains it.

Job kinds: ``ingest`` (a file already put in the blob store), ``eval_run``,
``alerts`` (one evaluation pass), ``retention`` (delete old traces).
"""
