"""Routing: a category (and its confidence) becomes a retrieval plan."""
