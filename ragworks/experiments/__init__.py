"""A/B experiments: sticky assignment, variant overrides, honest statistics, promotion."""
