"""Offline evaluation: retrieval metrics and classification accuracy on labelled questions."""
