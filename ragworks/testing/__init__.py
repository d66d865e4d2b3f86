"""Contract suites that every backend of a ragworks protocol passes (run them against your own)."""
