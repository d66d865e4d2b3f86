from ragworks.classify.model import QueryClassifier, load_examples, split
from ragworks.embed import make_embedder
from ragworks.models import CATEGORIES


def test_shipped_examples_are_enough_and_varied() -> None:
    examples = load_examples()
    assert len(examples) >= 300
    assert {c for _, c in examples} == set(CATEGORIES)
    assert len({t.lower() for t, _ in examples}) == len(examples)


def test_held_out_accuracy() -> None:
    embedder = make_embedder("minilm")
    train, test = split(load_examples())
    clf = QueryClassifier.train(train, embedder)
    preds = clf.predict_many([t for t, _ in test])
    accuracy = sum(p == c for (p, _), (_, c) in zip(preds, test, strict=True)) / len(test)
    assert accuracy >= 0.85
    assert all(0.0 < conf <= 1.0 for _, conf in preds)


def test_shipped_weights_load() -> None:
    clf = QueryClassifier.load(None, make_embedder("minilm"))
    assert clf.predict("hello!")[0] == "chitchat"
