"""Whole-sentence extractive answers, and the claim-level grounding check."""

from ragworks.embed.cache import VectorCache
from ragworks.embed.fake import HashEmbedder
from ragworks.evaluate.answers import has_fact, markup_leak, starts_mid_sentence
from ragworks.generate.extractive import ExtractiveAnswerer
from ragworks.generate.grounding import GroundingChecker, SentenceGate, claims
from ragworks.models import Chunk, Hit, Plan


def hit(text: str, source: str = "doc.md", section: str = "", n: int = 0) -> Hit:
    return Hit(chunk=Chunk(id=f"c{n}", doc_id="d", tenant="t", collection="c", source=source,
                           title="T", section=section, text=text, start=0, end=len(text),
                           ordinal=n), fused=1.0 - n * 0.1, dense=0.6)


LEAVE = hit("The primary caregiver receives 20 weeks of fully paid leave. The secondary "
            "caregiver receives 8 weeks of fully paid leave, which can be taken in up to three "
            "blocks within the first year.", "parental-leave.md")
VACATION = hit("Full-time employees get 27 days of paid vacation per calendar year. Up to 5 "
               "unused days may be carried over. Carried-over days expire on March 31.",
               "vacation.md", n=1)
FAQ = hit("Yes. zlib doesn't handle dates.", "zlib-faq.txt",
          "FAQ > Is zlib Y2K-compliant?", n=2)
STEPS = hit("Run the installer like this:\n    setup --prefix /opt\n    make install\n\n"
            "Unrelated sentence about colours.", "install.md", n=3)


def answer(question: str, hits: list[Hit], **plan: object) -> str:
    extractive = ExtractiveAnswerer(VectorCache(HashEmbedder()))
    return "".join(extractive.answer(question, hits, Plan(category="factoid", **plan)))


def test_extractive_answers_are_whole_sentences_with_their_citation() -> None:
    text = answer("How many vacation days do full-time employees get per year?",
                  [VACATION, LEAVE])
    assert text.startswith("Full-time employees get 27 days of paid vacation") and "[1]" in text
    assert not starts_mid_sentence(text, [VACATION]) and not markup_leak(text)
    assert "caregiver" not in text  # never longer than needed


def test_a_one_word_faq_reply_travels_with_its_sentence() -> None:
    text = answer("Is zlib Y2K-compliant?", [FAQ])
    assert text == "Yes. zlib doesn't handle dates. [1]"


def test_a_lead_in_brings_its_code_lines() -> None:
    text = answer("How do I run the installer?", [STEPS])
    assert text.startswith("Run the installer like this:\n    setup --prefix /opt\n    make")
    assert "colours" not in text


def test_each_sub_question_gets_its_own_evidence() -> None:
    plan = {"decompose": True, "sub_questions": ("How many weeks does the primary caregiver get?",
                                                 "How many vacation days do employees get?")}
    text = answer("Compare parental leave and vacation", [LEAVE, VACATION], **plan)
    assert "20 weeks" in text and "27 days" in text and "[1]" in text and "[2]" in text


def test_numbers_must_be_said_about_the_same_thing() -> None:
    checker = GroundingChecker()
    q = "How many weeks does the secondary caregiver get?"
    assert checker.check("The secondary caregiver gets 8 weeks of paid leave. [1]",
                         [LEAVE], q).grounded
    wrong = checker.check("The secondary caregiver gets 20 weeks of paid leave. [1]",
                          [LEAVE], q)
    assert not wrong.grounded and "'20'" in wrong.problems[0]
    three = checker.check('The answer is "Three". [1]', [VACATION],
                          "How many vacation days do I get?")
    assert not three.grounded
    assert not checker.check("Carried-over days expire on January 1. [1]", [VACATION],
                             "When do carried-over days expire?").grounded


def test_flipped_polarity_and_unretrieved_citations_are_caught() -> None:
    checker = GroundingChecker()
    q = "Does zlib handle dates?"
    assert checker.check("No, zlib doesn't handle dates. [1]", [FAQ], q).grounded
    assert not checker.check("zlib does handle dates. [1]", [FAQ], q).grounded
    unretrieved = checker.check("zlib doesn't handle dates. [6]", [FAQ], q)
    assert not unretrieved.grounded and "not retrieved" in unretrieved.problems[0]


def test_the_gate_shows_verified_sentences_and_withholds_the_rest() -> None:
    gate = SentenceGate(GroundingChecker(), [VACATION], "How many vacation days do I get?")
    shown: list[str] = []
    model = ["Full-time employees get 27 ", "days of paid vacation per year. [1] ",
             "Carried-over days expire on January 1. [1] ", "Ask HR for more."]
    for piece in model:
        shown += gate.feed(piece)
    shown += gate.finish()
    assert "".join(shown).strip() == "Full-time employees get 27 days of paid vacation per " \
                                     "year. [1]"
    assert gate.withdrawn and "January 1" in gate.withdrawn[0]["text"]


def test_an_opening_refusal_stands_only_where_the_caller_says_the_evidence_is_weak() -> None:
    refusal = "The documents do not cover this question. "
    weak = SentenceGate(GroundingChecker(), [VACATION], "Who pays for lunch?")
    assert weak.feed(refusal + "Next") == [refusal] and weak.stopped
    assert weak.withdrawn == []
    strong = SentenceGate(GroundingChecker(), [VACATION], "How many vacation days?",
                          refusal_stands=False)
    assert strong.feed(refusal + "Next") == [] and strong.stopped
    assert strong.withdrawn[0]["problems"] == ["a refusal despite strong passages"]
    after = SentenceGate(GroundingChecker(), [VACATION], "How many vacation days?")
    shown = after.feed("Full-time employees get 27 days of paid vacation per calendar year. "
                       "[1] " + refusal + "Next")
    assert len(shown) == 1 and after.withdrawn[0]["problems"] == ["a refusal after an answer"]


def test_claims_and_facts() -> None:
    assert {"27", "--leak-check=yes", "~/.aws/config"} <= set(
        claims("Use --leak-check=yes and ~/.aws/config for 27 days."))
    assert has_fact("The default is 8MB. [1]", "8MB") and not has_fact("It is 18MB.", "8MB")
    assert markup_leak("See :func:`len` for details") and markup_leak(".. note:: careful")
    assert not markup_leak("The value is 4.5 litres, see zlib.h.")


def test_a_true_sentence_citing_the_wrong_passage_is_re_cited() -> None:
    gate = SentenceGate(GroundingChecker(), [LEAVE, VACATION], "How many vacation days?")
    shown = gate.feed("Full-time employees get 27 days of paid vacation per year. [1] ")
    shown += gate.finish()
    assert "".join(shown).strip().endswith("[2]") and not gate.withdrawn


class _Judge:
    """A verifier that leans against any sentence holding one word."""

    name, threshold = "judge", 1.0

    def __init__(self, word: str) -> None:
        self.word, self.calls = word, 0

    def margin(self, question: str, passages, answer: str) -> float:  # type: ignore[no-untyped-def]
        self.calls += 1
        return 5.0 if self.word in answer else -3.0


def test_the_gate_asks_the_verifier_about_sentences_the_rules_pass() -> None:
    from ragworks.generate.grounding import GroundingChecker, SentenceGate
    from ragworks.models import Chunk, Hit

    text = "Employees get 27 days of vacation. Unused days expire on March 31."
    hit = Hit(chunk=Chunk(id="c", doc_id="d", tenant="t", collection="c", source="p.md",
                          title="", section="Vacation", text=text, start=0, end=len(text),
                          ordinal=0))
    judge = _Judge("expire")
    gate = SentenceGate(GroundingChecker(), [hit], "How many vacation days?", judge)
    shown = gate.feed("Employees get 27 days of vacation. [1] Unused days expire on "
                      "March 31. [1]") + gate.finish()
    assert "".join(shown).strip() == "Employees get 27 days of vacation. [1]"
    assert judge.calls == 2 and gate.margins == [-3.0, 5.0]
    assert "judge finds it unsupported" in gate.withdrawn[0]["problems"][0]


def test_focus_keeps_the_sentences_that_matter_in_reading_order() -> None:
    def filler(a: int, b: int) -> str:
        return " ".join(f"Paragraph filler sentence number {i} says nothing." for i in range(a, b))

    long = hit(f"{filler(0, 12)} The secondary caregiver receives 8 weeks of paid leave. "
               f"{filler(12, 24)}", "leave.md")
    extractive = ExtractiveAnswerer(VectorCache(HashEmbedder()))
    got = extractive.focus("How many weeks does the secondary caregiver receive?",
                           [long, VACATION], 30)
    assert "secondary caregiver receives 8 weeks" in got[0]
    assert len([w for w in got[0].split() if w != "..."]) <= 30 and "..." in got[0]  # gaps shown
    assert got[1] == " ".join(VACATION.chunk.text.split())  # a passage that fits stays
    kept = [s for s in got[0].replace("...", " ").split(".") if s.strip()]
    order = [long.chunk.text.index(s.strip()) for s in kept]
    assert order == sorted(order)  # in the passage's own order
    assert extractive.focus("anything", [], 30) == []


def test_select_reads_the_best_sentences_of_all_passages_within_one_budget() -> None:
    filler = " ".join(f"Paragraph filler sentence number {i} says nothing." for i in range(12))
    long = hit(f"{filler} The secondary caregiver receives 8 weeks of paid leave. {filler}",
               "leave.md")
    extractive = ExtractiveAnswerer(VectorCache(HashEmbedder()))
    got = extractive.select("How many weeks does the secondary caregiver receive?",
                            [VACATION, long], 20)
    assert len(got) == 2 and "secondary caregiver receives 8 weeks" in got[1]
    assert sum(len([w for w in t.split() if w != "..."]) for t in got) <= 20
    # a budget below the best sentence still reads that one sentence
    one = extractive.select("How many weeks does the secondary caregiver receive?",
                            [VACATION, long], 1)
    assert one[0] == "" and "8 weeks" in one[1]
    # a sentence that announces a list is read with the list, outside the budget
    listed = hit("Values come from several places.\n\nThe values have the following "
                 "precedence:\n\n- Command line options\n- Environment variables\n"
                 "- Configuration file\n\nUnrelated closing words here.", "config.rst")
    got = extractive.select("What is the precedence of the values?", [listed], 8)
    assert "precedence: - Command line options - Environment variables" in got[0]
    assert "Unrelated" not in got[0]
    # a passage nothing was chosen from is left out of the prompt, its number kept
    from ragworks.generate.llm import format_context
    context = format_context([VACATION, long], 150, one)
    assert "[1]" not in context and context.startswith("[2] (leave.md)")


def test_the_verifier_checks_what_the_model_read() -> None:
    asked: list[list[str]] = []

    class Judge:
        name, threshold, context_threshold = "judge", 1.0, -1.0

        def margin(self, question: str, passages: list[str], answer: str) -> float:
            asked.append(passages)
            return 0.0

    gate = SentenceGate(GroundingChecker(), [VACATION], "How many vacation days?",
                        Judge())  # type: ignore[arg-type]
    gate.read = ["Full-time employees get 27 days of paid vacation per calendar year."]
    assert gate.feed("Full-time employees get 27 days of paid vacation per calendar "
                     "year. [1] Next")
    assert asked == [gate.read]
