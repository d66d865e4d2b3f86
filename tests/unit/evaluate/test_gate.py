from ragworks.evaluate.gate import compare, token_f1, token_recall


def test_token_f1_and_recall() -> None:
    assert abs(token_f1("27 days per year [1]", "27 days per calendar year.") - 8 / 9) < 1e-9
    assert token_f1("", "x") == 0.0 and token_f1("abc", "xyz") == 0.0
    assert token_recall("It is 27 days of paid leave per calendar year.", "27 days") == 1.0


def test_compare_flags_only_drops_past_tolerance() -> None:
    baseline = {"recall": {"value": 0.9, "tolerance": 0.02}, "f1": {"value": 0.5}}
    assert compare({"recall": 0.885, "f1": 0.6}, baseline) == []
    failures = compare({"recall": 0.87, "f1": 0.49}, baseline)
    assert len(failures) == 2 and failures[0].startswith("recall: 0.8700 < baseline 0.9000")
    assert compare({"f1": 0.5}, baseline) == ["recall: missing from this run"]


def test_macro_f1() -> None:
    from ragworks.evaluate.runs import macro_f1

    assert macro_f1(["a", "a", "b"], ["a", "a", "b"]) == 1.0
    assert abs(macro_f1(["a", "a", "b", "b"], ["a", "b", "b", "b"]) - (2 / 3 + 0.8) / 2) < 1e-9
