"""Build the real-documentation development set: copy the corpus, check the questions.

The corpus is documentation that ships on this kind of machine, none of it written
by the ragworks team and none of it Python's own documentation (kept for an
independent check):

- reStructuredText topic guides of the AWS CLI (the ``awscli`` package, Apache-2.0),
- hard-wrapped plain-text FAQs from Debian packages (zlib, xz-utils, valgrind,
  man-db, procps, base-files, ncurses),
- Markdown API pages of Node.js (Debian's ``nodejs`` package, MIT),
- an HTML page of the Valgrind manual (GFDL).

Run ``python evals/realdocs/build.py`` to copy the files from their installed
locations into ``evals/realdocs/corpus/`` (a committed copy, so CI does not depend
on what is installed) and to check ``questions.jsonl``: every gold source exists,
every key fact of a reference answer occurs in a gold source. ``--check`` only checks.
"""

from __future__ import annotations

import argparse
import glob
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
AWS = "lib/python3*/site-packages/awscli/topics"
DOC = "/usr/share/doc"

#: corpus file -> (where it is installed, package, licence)
SOURCES: dict[str, tuple[str, str, str]] = {
    "config-vars.rst": (f"{AWS}/config-vars.rst", "awscli (PyPI)", "Apache-2.0"),
    "s3-config.rst": (f"{AWS}/s3-config.rst", "awscli (PyPI)", "Apache-2.0"),
    "s3-faq.rst": (f"{AWS}/s3-faq.rst", "awscli (PyPI)", "Apache-2.0"),
    "s3-case-insensitivity.rst": (f"{AWS}/s3-case-insensitivity.rst", "awscli (PyPI)",
                                  "Apache-2.0"),
    "return-codes.rst": (f"{AWS}/return-codes.rst", "awscli (PyPI)", "Apache-2.0"),
    "zlib-faq.txt": (f"{DOC}/zlib1g-dev/FAQ.gz", "zlib1g-dev (Debian)", "Zlib"),
    "xz-faq.txt": (f"{DOC}/xz-utils/faq.txt.gz", "xz-utils (Debian)", "0BSD"),
    "valgrind-faq.txt": (f"{DOC}/valgrind/FAQ.txt.gz", "valgrind (Debian)", "GFDL-1.2"),
    "man-db-faq.txt": (f"{DOC}/man-db/FAQ", "man-db (Debian)", "GPL-2+"),
    "procps-faq.txt": (f"{DOC}/procps/FAQ.gz", "procps (Debian)", "GPL-2+"),
    "base-files-faq.txt": (f"{DOC}/base-files/FAQ", "base-files (Debian)", "GPL-2+"),
    "ncurses-faq.txt": (f"{DOC}/ncurses-base/FAQ", "ncurses-base (Debian)", "X11"),
    "node-path.md": (f"{DOC}/nodejs/api/path.md", "nodejs (Debian)", "MIT"),
    "node-timers.md": (f"{DOC}/nodejs/api/timers.md", "nodejs (Debian)", "MIT"),
    "node-tty.md": (f"{DOC}/nodejs/api/tty.md", "nodejs (Debian)", "MIT"),
    "node-string_decoder.md": (f"{DOC}/nodejs/api/string_decoder.md", "nodejs (Debian)",
                               "MIT"),
    "node-querystring.md": (f"{DOC}/nodejs/api/querystring.md", "nodejs (Debian)", "MIT"),
    "node-corepack.md": (f"{DOC}/nodejs/api/corepack.md", "nodejs (Debian)", "MIT"),
    "valgrind-quick-start.html": (f"{DOC}/valgrind/html/quick-start.html",
                                  "valgrind (Debian)", "GFDL-1.2"),
}


def _installed(pattern: str) -> Path | None:
    if pattern.startswith("/"):
        return Path(pattern) if Path(pattern).exists() else None
    for prefix in (sys.prefix, sys.base_prefix, "/usr", "/usr/local",
                   *glob.glob("/root/.pyenv/versions/*")):
        hits = sorted(glob.glob(f"{prefix}/{pattern}"))
        if hits:
            return Path(hits[-1])
    return None


def copy_corpus() -> dict[str, dict[str, str]]:
    CORPUS.mkdir(exist_ok=True)
    manifest = {}
    for name, (pattern, package, licence) in SOURCES.items():
        src = _installed(pattern)
        target = CORPUS / name
        if src is not None:
            data = src.read_bytes()
            target.write_bytes(gzip.decompress(data) if src.suffix == ".gz" else data)
        elif not target.exists():
            raise SystemExit(f"{name}: not installed here ({pattern}) and no committed copy")
        manifest[name] = {"package": package, "license": licence, "installed_at": pattern,
                          "sha256": hashlib.sha256(target.read_bytes()).hexdigest()}
    (HERE / "SOURCES.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).lower()


def check_questions() -> list[str]:
    problems = []
    texts = {p.name: _norm(p.read_text(errors="replace")) for p in CORPUS.iterdir()}
    for n, line in enumerate((HERE / "questions.jsonl").read_text().splitlines(), 1):
        row = json.loads(line)
        for source in row.get("relevant_sources", []):
            if source not in texts:
                problems.append(f"line {n}: unknown source {source}")
        for fact in row.get("key_facts", []):
            if not any(_norm(fact) in texts.get(s, "") for s in row["relevant_sources"]):
                problems.append(f"line {n}: key fact {fact!r} is in no gold source")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the committed set")
    args = parser.parse_args()
    if not args.check:
        copy_corpus()
    problems = check_questions()
    for p in problems:
        print(p)
    rows = (HERE / "questions.jsonl").read_text().splitlines()
    print(f"{len(rows)} questions over {len(list(CORPUS.iterdir()))} documents; "
          f"{len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
