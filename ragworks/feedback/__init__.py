"""User feedback on answers: stored once per (trace, user), attached to traces as scores."""
