"""Ingestion: bytes -> sniff -> parse (sandboxed) -> chunk -> dedup -> embed -> index."""
