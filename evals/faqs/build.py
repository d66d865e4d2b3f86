"""Build the FAQ sets: real questions by the documents' own authors, split into dev and test.

Three corpora of different shapes, from documentation that ships on this kind of machine,
none of it written by the ragworks team, none of it Python's or Perl's documentation, and
none of it in ``evals/realdocs``:

- ``text``: the sed FAQ and the lsof FAQ (hard-wrapped plain text, Debian packages),
- ``man``: the gitfaq(7) and ctags-faq(7) manual pages, rendered by man(1),
- ``html``: the Cargo FAQ (HTML from the Rust toolchain's documentation), with the
  pages of the Cargo guide and reference beside it.

Every FAQ entry becomes one document holding its **answer only** (the question is taken
out, so that a search cannot match the question's own words); the entry's question is the
query and its document the gold source. Every corpus is searched together with the
distractors in ``manpages/``: 60 manual pages of common commands (rendered to text; git's
own among them); ``html`` also holds the Cargo book's pages.

Questions are split into dev and test by a hash of the question (about half each):
tune on dev only; the CI gate and the README report test.

    python evals/faqs/build.py            # copy the corpora, write questions.jsonl
    python evals/faqs/build.py --check    # check what is committed
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = Path("/usr/share/doc")
RUST = Path("/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html")
#: common commands whose manual pages are the distractors (no perl or python pages)
DISTRACTORS = (
    "ls cp mv rm ln mkdir chmod chown find xargs grep tar gzip bzip2 xz zip unzip ssh scp "
    "rsync curl wget make diff patch sort uniq cut tr head tail wc cat less more ps kill top "
    "df du mount tee date env sudo su crontab awk gawk git git-commit git-push git-pull "
    "git-rebase git-config git-log git-stash git-clone git-merge gpg openssl file stat "
    "sleep nohup").split()


def _split(question: str) -> str:
    return "test" if int(hashlib.sha256(question.encode()).hexdigest(), 16) % 2 else "dev"


def _text_faq(text: str, prefix: str) -> list[tuple[str, str, str]]:
    """(name, question, answer) of a numbered plain-text FAQ ("4.10. How do I ...?")."""
    lines = text.splitlines()
    heading = re.compile(r"^(\d+(?:\.\d+)+)\.?\s+(\S.*)$")
    starts: dict[str, int] = {}
    for i, line in enumerate(lines):
        m = heading.match(line)
        if m:
            starts[m.group(1)] = i  # the last occurrence: the body, not the contents
    order = sorted(starts.items(), key=lambda kv: kv[1])
    out = []
    for k, (number, i) in enumerate(order):
        end = order[k + 1][1] if k + 1 < len(order) else len(lines)
        title = [heading.match(lines[i]).group(2)]  # type: ignore[union-attr]
        j = i + 1
        while j < end and lines[j].strip() and lines[j][:1] in " \t" and \
                not title[-1].rstrip().endswith("?"):
            title.append(lines[j].strip())
            j += 1
        question = " ".join(" ".join(title).split())
        answer = "\n".join(lines[j:end]).strip()
        if question.endswith("?") and len(answer.split()) >= 20:
            out.append((f"{prefix}-{number}.txt", question, answer + "\n"))
    return out


def _man_text(path: Path) -> str:
    env = {**os.environ, "MANWIDTH": "80"}
    rendered = subprocess.run(["man", "-l", str(path)], capture_output=True, env=env,
                              check=True).stdout
    return subprocess.run(["col", "-bx"], input=rendered, capture_output=True,
                          check=True).stdout.decode(errors="replace")


def _man_faq(text: str, prefix: str, indent: int) -> list[tuple[str, str, str]]:
    """(name, question, answer) of a rendered FAQ manual page: questions at ``indent``."""
    lines = text.splitlines()
    q = re.compile(rf"^ {{{indent}}}(\S.*\?)\s*$")
    marks = [i for i, line in enumerate(lines) if q.match(line)]
    out = []
    for k, i in enumerate(marks):
        end = marks[k + 1] if k + 1 < len(marks) else len(lines)
        body = []
        for line in lines[i + 1:end]:
            if line[:1].strip() or (line.strip() and len(line) - len(line.lstrip()) < indent):
                break  # the next section heading
            body.append(line)
        answer = "\n".join(x[indent:] if len(x) > indent else x.strip() for x in body).strip()
        question = q.match(lines[i]).group(1).strip()  # type: ignore[union-attr]
        if len(answer.split()) >= 20:
            out.append((f"{prefix}-{k + 1:02d}.txt", question, answer + "\n"))
    return out


def _html_faq(page: str, prefix: str) -> list[tuple[str, str, str]]:
    """(name, question, answer) of an mdBook FAQ page: each <h2> and the HTML after it."""
    main = page[page.find("<main>"):page.find("</main>")]
    parts = re.split(r"(<h2 id=\"[^\"]*\"><a class=\"header\"[^>]*>.*?</a></h2>)", main)
    out = []
    for k in range(1, len(parts) - 1, 2):
        question = html.unescape(re.sub(r"<[^>]+>", "", parts[k])).strip()
        body = parts[k + 1].strip()
        if question.endswith("?") and len(re.sub(r"<[^>]+>", " ", body).split()) >= 20:
            out.append((f"{prefix}-{k // 2 + 1:02d}.html",
                        question, f"<html><body>\n{body}\n</body></html>\n"))
    return out


def _page_main(page: str) -> str:
    main = page[page.find("<main>"):page.find("</main>")]
    return f"<html><body>\n{main}\n</body></html>\n"


def build() -> None:
    distract: dict[str, str] = {}
    for name in DISTRACTORS:
        found = sorted(Path("/usr/share/man/man1").glob(f"{name}.1*"))
        if found:
            distract[f"man-{name}.txt"] = _man_text(found[0])
    entries = {
        "text": _text_faq(gzip.decompress((DOC / "sed/sedfaq.txt.gz").read_bytes())
                          .decode("latin-1"), "sedfaq")
        + _text_faq(gzip.decompress((DOC / "lsof/00FAQ.gz").read_bytes())
                    .decode("latin-1"), "lsoffaq"),
        "man": _man_faq(_man_text(Path("/usr/share/man/man7/gitfaq.7.gz")), "gitfaq", 7)
        + _man_faq(_man_text(Path("/usr/share/man/man7/ctags-universal-faq.7.gz")),
                   "ctagsfaq", 3),
        "html": _html_faq((RUST / "cargo/faq.html").read_text(), "cargofaq"),
    }
    book = {f"cargo-{p.parent.name}-{p.stem}.html": _page_main(p.read_text())
            for d in ("guide", "reference") for p in sorted((RUST / "cargo" / d).glob("*.html"))
            if p.stem != "index"}
    (HERE / "manpages").mkdir(exist_ok=True)
    for old in (HERE / "manpages").iterdir():
        old.unlink()
    for name, text in distract.items():
        (HERE / "manpages" / name).write_text(text, encoding="utf-8")
    for corpus, items in entries.items():
        folder = HERE / corpus / "corpus"
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        files = {name: answer for name, _, answer in items}
        if corpus == "html":
            files.update(book)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        with (HERE / corpus / "questions.jsonl").open("w", encoding="utf-8") as fh:
            for name, question, _ in items:
                fh.write(json.dumps({"question": question, "relevant_sources": [name],
                                     "split": _split(question)}) + "\n")
        splits = [_split(q) for _, q, _ in items]
        print(f"{corpus}: {len(items)} questions ({splits.count('dev')} dev, "
              f"{splits.count('test')} test), {len(files)} documents + "
              f"{len(distract)} manual pages")


def check() -> int:
    bad = 0
    for corpus in ("text", "man", "html"):
        names = {p.name for p in (HERE / corpus / "corpus").iterdir()}
        for line in (HERE / corpus / "questions.jsonl").read_text().splitlines():
            item = json.loads(line)
            for source in item["relevant_sources"]:
                if source not in names:
                    print(f"{corpus}: gold source {source} missing", file=sys.stderr)
                    bad += 1
            if item["split"] != _split(item["question"]):
                print(f"{corpus}: split of {item['question']!r} changed", file=sys.stderr)
                bad += 1
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    if args.check:
        return check()
    build()
    return check()


if __name__ == "__main__":
    raise SystemExit(main())
