from ragworks.generate.citations import attribute, citations_for
from ragworks.generate.extractive import ExtractiveAnswerer
from ragworks.generate.llm import LLMAnswerer
from ragworks.generate.scripted import ScriptedChatModel
from ragworks.models import Chunk, Hit, Plan


def hit(i: int, text: str) -> Hit:
    c = Chunk(id=f"c{i}", doc_id=f"d{i}", tenant="t", collection="c", source=f"s{i}.md",
              title="T", section="S", text=text, start=10 * i, end=10 * i + len(text), ordinal=0)
    return Hit(chunk=c, fused=1.0 / i, dense=0.5)


HITS = [hit(1, "The dock needs a standard 230 volt socket. It pairs in three seconds."),
        hit(2, "Battery packs are stored at 40 to 60 percent charge.")]


def test_markers_map_to_chunks_and_bad_markers_are_dropped() -> None:
    text, cites = citations_for("Use a 230 volt socket [1]. Store at 40 percent [2] [7].", HITS)
    assert "[7]" not in text and [c.source for c in cites] == ["s1.md", "s2.md"]
    assert cites[0].start == 10 and cites[0].snippet.startswith("The dock")


def test_attribution_adds_missing_markers() -> None:
    out = attribute("Packs are stored at 40 to 60 percent charge.", HITS)
    assert out.endswith("[2]")
    assert attribute("Completely unrelated words about pizza.", HITS).count("[") == 0


def test_extractive_answer_picks_supporting_sentence() -> None:
    plan = Plan(category="factoid")
    text = "".join(ExtractiveAnswerer().answer("What socket does the dock need?", HITS, plan))
    assert "230 volt socket. [1]" in text


def test_llm_answerer_sends_numbered_context() -> None:
    chat = ScriptedChatModel()
    answer = "".join(LLMAnswerer(chat).answer("socket?", HITS, Plan(category="factoid")))
    assert answer == "The dock needs a standard 230 volt socket. [1]"
    user = chat.calls[0][-1]["content"]
    assert "[1] (s1.md, S) The dock" in user and "[2] (s2.md, S)" in user


def test_snippets_end_at_a_word_not_inside_one() -> None:
    from ragworks.generate.citations import snippet

    text = "Keep a spare battery pack charged before every trip. " * 10
    cut = snippet(text)
    assert cut.endswith(" …") and len(cut) <= 302
    assert text.startswith(cut.removesuffix(" …")) and cut.removesuffix(" …").split()[-1] in (
        text.split())
    assert snippet("A short passage.\n\nIn two   blocks.") == "A short passage. In two blocks."
