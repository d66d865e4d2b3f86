"""Retrieval: hybrid search, score fusion and diversity (MMR)."""
