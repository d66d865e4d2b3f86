"""Markup becomes plain readable text; offsets still point into the file."""

from ragworks.evaluate.answers import markup_leak
from ragworks.ingest import sniff
from ragworks.ingest.html import parse as parse_html
from ragworks.ingest.loaders import parse
from ragworks.ingest.markdown import parse as parse_md
from ragworks.ingest.plaintext import parse as parse_plain
from ragworks.ingest.rst import parse as parse_rst
from ragworks.text import sentences

RST = """Control flow
============

.. index:: indentation, leading whitespace

The :keyword:`if` statement calls :func:`len` and :ref:`the tutorial <tut-intro>`.
Fill the tank with 4.5 litres::

    x = 1

.. note::
   Be wary of floating-point!

.. versionadded:: 3.2
   The *foo* parameter.

.. function:: spam(eggs, ham=None)

   Return spam with **eggs**.

=====  =====
Name   Value
=====  =====
alpha  1
=====  =====
"""


def test_rst_directives_and_roles_become_plain_text() -> None:
    text, blocks, title = parse_rst(RST)
    assert title == "Control flow"
    assert "The if statement calls len and the tutorial." in text
    assert "index::" not in text and "indentation, leading whitespace" not in text
    assert "Fill the tank with 4.5 litres:" in text and "    x = 1" in text
    assert "Note: Be wary of floating-point!" in text
    assert "Added in version 3.2: The foo parameter." in text
    assert "spam(eggs, ham=None)" in text and "Return spam with eggs." in text
    assert "Name: alpha; Value: 1" in text
    prose = "\n".join(b.text for b in blocks if b.kind != "code")
    assert not markup_leak(prose)
    for b in blocks:
        assert text[b.start:b.end] == b.text


def test_rst_saved_as_markdown_is_read_as_rst() -> None:
    assert sniff.sniff(RST.encode(), "guide.md") == sniff.RST
    assert sniff.sniff(b"# Title\n\nSome *markdown* with a [link](x).\n\n```\ncode\n```\n",
                       "notes.txt") == sniff.MARKDOWN
    assert sniff.sniff(b"Plain FAQ\n\n 1. Is it free?\n\n    Yes.\n", "faq.txt") == sniff.TEXT


def test_markdown_keeps_text_lists_and_code_drops_markup_and_comments() -> None:
    md = ("# Path\n\n<!-- YAML\nadded: v0.1\n-->\n\nThe `path.join()` method **joins** "
          "[segments][] and [links](http://x).\n\n- `;` for Windows\n"
          "- `:` for POSIX\n\n```js\npath.join('a');\n```\n\nPress <kbd>Ctrl</kbd>+C.\n")
    text, blocks, title = parse_md(md)
    assert title == "Path"
    assert "The path.join() method joins segments and links." in text
    assert "- ; for Windows\n- : for POSIX" in text
    assert "    path.join('a');" in text and "Press Ctrl+C." in text
    assert "YAML" not in text and "<!--" not in text and not markup_leak(text.split("    ")[0])


def test_hard_wrapped_faq_is_reflowed_with_questions_as_headings() -> None:
    faq = ("                Frequently Asked Questions\n\n\n"
           " 1. Is zlib Y2K-compliant?\n\n    Yes. zlib doesn't handle dates.\n\n"
           " 2. Why is it so\n    small?\n\n    Because we would like to keep zlib as a very\n"
           "    small and simple package.  See\n        * http://zlib.net/\n\n"
           "Q:  What does XZ mean?\nA:  Nothing. They are just two letters,\n"
           "    which come from the suffix.\n")
    text, blocks, title = parse_plain(faq)
    heads = [b.text for b in blocks if b.kind == "heading"]
    assert title == "Frequently Asked Questions"
    assert heads[1:] == ["Is zlib Y2K-compliant?", "Why is it so small?", "What does XZ mean?"]
    assert "Because we would like to keep zlib as a very small and simple package. See" in text
    assert "- http://zlib.net/" in text
    assert "Nothing. They are just two letters, which come from the suffix." in text


def test_hidden_html_text_is_dropped_and_nesting_is_linear() -> None:
    html = ('<html><body><h1>T</h1><p>Visible <b>bold</b>.<span style="display:none">'
            'SECRET</span></p><!-- comment --><div hidden>HID</div><template>TPL</template>'
            '<script>evil()</script><div aria-hidden="true">ARIA</div>'
            '<ul><li>one</li><li>two</li></ul><pre>x = 1\ny = 2</pre></body></html>')
    text, _, _ = parse_html(html)
    assert text == "T\n\nVisible bold.\n\n- one\n- two\n\n    x = 1\n    y = 2"
    deep = "<ul>" + "<li>item <ul>" * 3000 + "x" + "</ul></li>" * 3000 + "</ul>"
    _, blocks, _ = parse_html(deep)  # no recursion limit, no quadratic walk
    assert len(blocks) == 3001


def test_offsets_of_markdown_chunks_point_into_the_file() -> None:
    md = "# Kettle\n\nThe *kettle* holds **1.7 litres**. Descale it monthly.\n"
    parsed = parse(md.encode(), "k.md", sniff.MARKDOWN)
    assert parsed.text == md and "The kettle holds 1.7 litres." in parsed.body
    start = parsed.body.index("Descale")
    s, e = parsed.source_span(start, start + len("Descale it monthly."))
    assert md[s:e] == "Descale it monthly."


def test_sentences_are_not_cut_at_decimals_versions_files_or_list_markers() -> None:
    assert sentences("Fill it with 4.5 litres of water. Then wait.") == [
        "Fill it with 4.5 litres of water.", "Then wait."]
    assert sentences("Versions 1.2.1 and 1.2.2 were affected. See win32/DLL_FAQ.txt now.") == [
        "Versions 1.2.1 and 1.2.2 were affected.", "See win32/DLL_FAQ.txt now."]
    assert sentences("1. Is zlib Y2K-compliant? Yes. zlib doesn't handle dates.") == [
        "1. Is zlib Y2K-compliant?", "Yes.", "zlib doesn't handle dates."]
    assert sentences("It runs slower (eg. 20 to 30 times), e.g. 10MB. Then stop.") == [
        "It runs slower (eg. 20 to 30 times), e.g. 10MB.", "Then stop."]
