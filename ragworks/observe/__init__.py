"""Observability: traces, scores, rollups, exporters (Langfuse, OTLP), logs and metrics.

    recorder = tracer.start("query", tenant="acme", input={"question": q})
    with recorder.span("classify") as span: ...
    tracer.finish(recorder, output=..., status="ok")   # store, roll up, export (background)
"""
