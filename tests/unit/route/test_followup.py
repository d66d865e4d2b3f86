"""A follow-up is asked with the questions it leans on; a question that stands alone is not."""

from ragworks.route.followup import as_written, refers_back, standalone


def test_what_refers_back() -> None:
    for q in ("And the secondary one?", "How long is it valid?", "Who designed it?",
              "What about contractors?", "And E102?", "Do they expire?"):
        assert refers_back(q), q
    for q in ("How many vacation days do full-time employees get per year?",
              "What does error E101 mean on the R1 Scout?"):
        assert not refers_back(q), q


def test_standalone_keeps_the_chain_back_to_its_topic() -> None:
    assert standalone("And the secondary one?", []) == "And the secondary one?"
    topic = "How much paid leave does the primary caregiver get?"
    asked = standalone("And the secondary one?", [topic])
    assert asked.startswith("And the secondary one?") and topic in asked
    assert as_written(asked) == "And the secondary one?"
    # a chain of follow-ups keeps the question that named the topic
    chain = standalone("Can it be split?", ["What is the weather?", topic,
                                            "And the secondary one?"])
    assert topic in chain and "weather" not in chain
    fresh = "How many vacation days do full-time employees get per year?"
    assert standalone(fresh, [topic]) == fresh
    assert as_written(fresh) == fresh
