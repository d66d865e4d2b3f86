"""HTTP API (FastAPI), versioned under /api/v1, plus the chat page."""
