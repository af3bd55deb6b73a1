"""Document answers, measured: build and load times, and how often the right section
(and the right article) comes first for questions only the documents answer.

    python scripts/measure_docs.py [DOCS...] [--index INDEX] [--questions TSV]
                                   [--floors 0.3,0.4] [--misses]

``--index`` measures an index already built (``voiceguide build``) instead of
building one three times to time it. ``--misses`` lists what went wrong, except for
a held-out question file (its name holds "heldout"): those are for reporting only.

The questions file has ``question``, ``file`` and ``heading`` columns; a heading may
list alternatives separated by " | ", and one ending in "..." is named by its first
words. The development set's out-of-scope lines are
the other side: how many of them a document would wrongly answer.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voiceguide.docs import Section
from voiceguide.docs.answer import DOC_FLOOR, DocsMatcher
from voiceguide.docs.builder import build_index
from voiceguide.docs.index import DocIndex, load, save
from voiceguide.docs.link import heading_key
from voiceguide.docs.retrieve import DocRetriever
from voiceguide.docs.semantic import SentenceEncoder, encoder
from voiceguide.guide import Guide
from voiceguide.match import OUT_OF_SCOPE

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
QUESTIONS = ROOT / "tests" / "data" / "doc_questions.tsv"
DEVSET = ROOT / "tests" / "data" / "devset.tsv"


def labelled(path: Path) -> list[tuple[str, str, set[str]]]:
    with path.open(encoding="utf-8") as handle:
        return [(row["question"], row["file"],
                 {heading_key(h) for h in row["heading"].split(" | ")})
                for row in csv.DictReader(handle, delimiter="\t")]


def is_right(section: Section, file: str, headings: set[str]) -> bool:
    """A label ending in "..." names a heading by its first words."""
    if section.doc != file:
        return False
    keys = (heading_key(section.heading), heading_key(section.title))
    return any(k == h or (h.endswith("...") and k.startswith(h[:-3].strip()))
               for k in keys for h in headings)


def top1(index: DocIndex, questions: list[tuple[str, str, set[str]]]
         ) -> list[tuple[str, Section | None, bool]]:
    retriever = DocRetriever(index, meaning=encoder() if index.vectors else None)
    results = []
    for question, file, headings in questions:
        hits = retriever.search(question, limit=1)
        first = hits[0].section if hits else None
        results.append((question, first, first is not None and is_right(first, file,
                                                                          headings)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docs", nargs="*", type=Path, default=[SEEDS])
    parser.add_argument("--index", type=Path, help="an index already built")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--floors", default=str(DOC_FLOOR))
    parser.add_argument("--misses", action="store_true", help="print each miss")
    parser.add_argument("--words-only", action="store_true",
                        help="leave the sentence model out even when it is installed")
    args = parser.parse_args()
    guide = Guide.load()
    meaning = None if args.words_only else encoder()
    index = load(args.index) if args.index else timed_build(args.docs, guide, meaning)
    questions = labelled(args.questions)
    misses = args.misses and "heldout" not in args.questions.name
    results = top1(index, questions)
    right = sum(ok for _, _, ok in results)
    article = sum(first is not None and first.doc == file
                  for (_, first, _), (_, file, _) in zip(results, questions, strict=True))
    print(f"retrieval: right section first for {right}/{len(results)} "
          f"({right / len(results):.1%}) of {args.questions.name}; right article "
          f"{article}/{len(results)} ({article / len(results):.1%})")
    left = [ok for (_, _, ok), m in zip(results, guide.matcher.match_many(
        [q for q, _, _ in questions]), strict=True) if m.outcome != "accept"]
    if left:
        print(f"  of the {len(left)} the curated intents refuse or hesitate on, the right "
              f"section first for {sum(left)} ({sum(left) / len(left):.1%})")
    if misses:
        for question, first, ok in results:
            if not ok:
                got = f"{first.doc[:3]} {first.heading or first.title}" if first else "-"
                print(f"    miss: {question!r} -> {got}")
    with DEVSET.open(encoding="utf-8") as handle:
        dev = list(csv.DictReader(handle, delimiter="\t"))
    oov = [row["utterance"] for row in dev if row["intent"] == OUT_OF_SCOPE]
    inscope = [row for row in dev if row["intent"] != OUT_OF_SCOPE]
    for floor in (float(f) for f in args.floors.split(",")):
        matcher = DocsMatcher(guide.matcher, index, floor, kb=guide.kb)
        answered = [matcher.match(q) for q, _, _ in questions]
        sourced = [m.passage for m in answered]
        end_to_end = sum(p is not None and is_right_id(p.id, index, f, h)
                         for p, (_, f, h) in zip(sourced, questions, strict=True))
        from_article = sum(p is not None and p.file == f
                           for p, (_, f, _) in zip(sourced, questions, strict=True))
        curated = sum(p is None and m.outcome == "accept"
                      for p, m in zip(sourced, answered, strict=True))
        wrongly = [t for t, m in zip(oov, matcher.match_many(oov), strict=True)
                   if m.passage is not None]
        changed = sum(m.intent != row["intent"] and m.passage is not None
                      for row, m in zip(inscope, matcher.match_many(
                          [r["utterance"] for r in inscope]), strict=True))
        print(f"floor {floor}: end to end, answered from the right article "
              f"{from_article}/{len(questions)} ({from_article / len(questions):.1%}), "
              f"its right section {end_to_end} ({end_to_end / len(questions):.1%}); "
              f"{curated} answered by a curated intent instead; dev out-of-scope "
              f"answered from a document {len(wrongly)}/{len(oov)}; dev in-scope lines "
              f"turned into document answers {changed}/{len(inscope)}")
        if misses:
            for (question, file, _), m in zip(questions, answered, strict=True):
                if m.passage is None or m.passage.file != file:
                    got = (f"{m.passage.file[:3]} {m.passage.section}" if m.passage
                           else f"{m.intent} ({m.outcome})")
                    print(f"    not from {file[:3]}: {question!r} -> {got}")
            for text in wrongly:
                print(f"    out of scope answered: {text!r}")


def timed_build(docs: list[Path], guide: Guide, meaning: SentenceEncoder | None
                ) -> DocIndex:
    """Builds the index three times and prints how long that took and how long a new
    process takes to load it."""
    builds = []
    for _ in range(3):
        started = time.perf_counter()
        index = build_index(docs, guide.kb, guide.matcher, meaning)
        builds.append(time.perf_counter() - started)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "docs.json"
        save(index, path)
        loads = [_cold_load(path) for _ in range(5)]
        size = path.stat().st_size
    print(f"build: {len(index.documents)} documents, {len(index.sections())} sections, "
          f"median {statistics.median(builds):.2f} s of 3; index {size / 1024:.0f} KiB; "
          f"load and ready (a new process) median {statistics.median(loads) * 1000:.0f} ms "
          "of 5")
    return index


_LOAD = """
import sys, time
from pathlib import Path
from voiceguide.docs.answer import DocsMatcher
from voiceguide.docs.index import load
from voiceguide.kb import load_knowledge_base
from voiceguide.match.fuzzy import make_matcher
kb = load_knowledge_base(None)
curated = make_matcher(kb)
started = time.perf_counter()
DocsMatcher(curated, load(Path(sys.argv[1])), kb=kb)
print(time.perf_counter() - started)
"""


def _cold_load(path: Path) -> float:
    """Seconds from reading the index to answering, in a process of its own, as when
    the guide starts: nothing learnt while building is still in memory."""
    done = subprocess.run([sys.executable, "-c", _LOAD, str(path)], capture_output=True,
                          text=True, check=True, cwd=ROOT)
    return float(done.stdout)


def is_right_id(section_id: str, index: DocIndex, file: str, headings: set[str]) -> bool:
    return any(s.id == section_id and is_right(s, file, headings) for s in index.sections())


if __name__ == "__main__":
    main()
