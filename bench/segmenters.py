"""Sentence segmenters on hard cases from real documentation: blingfire vs pysbd.

    .venv/bin/python bench/segmenters.py

Prints, per segmenter, how many of the 35 cases (decimals, versions, file names,
abbreviations, list markers, URLs, method calls, one-word replies) it splits right,
and its speed on the same text; ragworks' own segmenter (blingfire plus two mends)
is measured beside them.
"""

import time

import blingfire
import pysbd

from ragworks.text import sentences

cases = [
    ("Fill the tank with 4.5 litres of water. Then wait.", 2),
    ("Versions 1.2.1 and 1.2.2 were subject to an access exception. Upgrade now.", 2),
    ("See the file win32/DLL_FAQ.txt in the zlib distribution. Pointers are on the site.", 2),
    ("It needs httplib2. Install it first.", 2),
    ("Use a size suffix, e.g. 10MB or 1GB. The default is 8MB.", 2),
    ("Your program will run much slower (eg. 20 to 30 times) than normal. It uses more memory.", 2),
    ("The path.basename() method returns the last portion. Trailing separators are ignored.", 2),
    ("Call stringDecoder.end() when done. After end() is called, the object can be reused.", 2),
    ("Write to zlib@gzip.org for help. Do not send large files.", 2),
    ("See http://zlib.net/ . It has more information.", 2),
    ("Use --soname-synonyms=somalloc=NONE or avoid static linking. See the manual.", 2),
    ("Dr. Smith wrote it, i.e. the author. It was released in Jan. 2020.", 2),
    ("This is Node.js v20.1.0 documentation. It covers path.", 2),
    ("Set it to 3.5 GB. Or use 0.5.", 2),
    ("Run xz -dc foo.tar.xz | tar xf - to extract. That works.", 2),
    ("The default value is 'utf8'. It can be changed.", 2),
    ("Q: What is it? A: Nothing.", 2),
    ("Valgrind is the name of the main entrance to Valhalla (the Hall of the Chosen Slain in Asgard). Over this entrance there resides a wolf.", 2),
    ("It is the U.S. standard. It is used widely.", 2),
    ("Calling immediate.ref() multiple times will have no effect. By default, all Immediate objects are ref'ed.", 2),
]

hard = [
    ("Yes. zlib doesn't handle dates.", 2),
    ("No. Go away. Shoo.", 3),
    ("1. Is zlib Y2K-compliant? Yes, it is.", 2),
    ("Verify it (see Download section). Otherwise stop.", 2),
    ("The progress line will show a total of ``...``. Increasing this value helps.", 2),
    ("It returns '.'. That is the current directory.", 2),
    ("Use the gzip format for HTTP 1.1 encoding. Bottom line: use gzip.", 2),
    ("The type is {string}. Returns: {boolean}.", 2),
    ("Apache license (version 2.0), the Artistic license. Packages must refer to them.", 2),
    ("It was tested on Linux 2.4.xx 2.6.xx and 3.xx systems. SMP is well supported.", 2),
    ("We use v. 2 of the API. It is stable.", 2),
    ("Set max_bandwidth to 50MB/s. It applies to uploads.", 2),
    ("It's in zlib.h . Examples are in test/example.c and test/minigzip.c, with more in examples/ .", 2),
    ("The file is named a.txt. The other one is A.txt.", 2),
    ("He said \"Stop.\" Then he left.", 2),
]

_PYSBD = pysbd.Segmenter(language="en", clean=False)


def blingfire_split(text: str) -> list[str]:
    return [s for s in blingfire.text_to_sentences(text).split("\n") if s.strip()]


def pysbd_split(text: str) -> list[str]:
    return [s for s in _PYSBD.segment(text) if s.strip()]


def main() -> None:
    every = cases + hard
    for name, fn in (("pysbd", pysbd_split), ("blingfire", blingfire_split),
                     ("ragworks", sentences)):
        wrong = [fn(text) for text, n in every if len(fn(text)) != n]
        for w in wrong:
            print(f"  {name} wrong: {w}")
        text = " ".join(t for t, _ in every) * 20
        t0 = time.perf_counter()
        for _ in range(5):
            fn(text)
        dt = (time.perf_counter() - t0) / 5
        print(f"{name}: {len(every) - len(wrong)}/{len(every)} right; "
              f"{len(text) / dt / 1e3:.0f} k chars/s")


if __name__ == "__main__":
    main()
