"""ragworks: retrieval-augmented question answering with the MLOps loop built in."""

__version__ = "0.1.0"
