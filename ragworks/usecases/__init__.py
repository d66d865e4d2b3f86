"""What callers ask of ragworks, whoever they are: answer a question, ingest files,
evaluate a dataset, keep the stores tidy.

The HTTP routes, the CLI, the worker, the demo's sample questions and evaluation
all come here, so the same configuration answers the same way everywhere: each
use case owns its whole request (the tenant's active configuration and experiment
variant, the trace from start to finish, its metrics). Routes and commands only
parse, call and render.
"""

from ragworks.usecases.answering import (
    Asking,
    answer,
    answer_stream,
    ask_sample_questions,
    served_answerer,
)

__all__ = ["Asking", "answer", "answer_stream", "ask_sample_questions", "served_answerer"]
