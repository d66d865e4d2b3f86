"""Query classification: category and confidence for each question."""
