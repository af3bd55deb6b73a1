"""Command line: ``voiceguide [COMMAND]``; `voiceguide --help` lists the commands.

Options become the settings tree at once (``configure.load_settings``, the same checks
a settings file meets); the parts are built by ``assemble``; everything after that is
library code. A ``VoiceguideError`` is printed as one line and exits with status 2, or
78 when the kiosk's set-up is wrong (see ``service.SETUP_ERRORS``).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from voiceguide.assemble import Assembly
from voiceguide.audio.sources import microphone_available
from voiceguide.cli import options, service, text, voice
from voiceguide.configure import load_settings
from voiceguide.errors import VoiceguideError


def main(argv: Sequence[str] | None = None) -> int:
    parser = options.parser()
    args, others = parser.parse_known_args(argv)
    if args.command == "bench":
        from voiceguide.bench.run import main as bench_main

        return bench_main(others)
    if others:
        parser.error(f"unrecognized arguments: {' '.join(others)}")
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command == "models":
        from voiceguide.asr.download import list_main
        from voiceguide.asr.download import main as download_main

        run_models = list_main if args.action == "list" else download_main
        return run_models(list(args.options))
    if args.command in (None, "listen"):
        # The recogniser chosen, and why, is said once at start (``asr.choose``); the
        # kiosk writes it to its own log.
        logging.getLogger("voiceguide.asr.choose").setLevel(logging.INFO)
    try:
        return _run(args)
    except VoiceguideError as error:
        print(f"voiceguide: error: {error}", file=sys.stderr)
        if args.command == "kiosk" and isinstance(error, service.SETUP_ERRORS):
            return service.EXIT_CONFIG
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _run(args: argparse.Namespace) -> int:
    command = args.command
    if command == "health":
        return service.health(args)
    if command == "voices":
        voice.list_voices()
        return 0
    assembly = Assembly(load_settings(getattr(args, "config", None), options.given(args)))
    if command == "kiosk":
        return service.kiosk(assembly)
    if command == "say":
        voice.say(assembly, args)
        return 0
    if command == "build":
        return text.build(assembly.guide(docs=False), args)
    guide = assembly.guide()
    if command is None and microphone_available():
        voice.listen(assembly, guide)
    elif command is None:
        print("No microphone found, so this is the typed conversation. "
              "(`voiceguide listen --input wav:FILE.wav` plays files instead.)")
        text.chat(guide)
    elif command == "listen":
        voice.listen(assembly, guide)
    elif command == "ask":
        voice.ask(assembly, guide, args)
    elif command == "transcribe":
        voice.transcribe(assembly, guide, args)
    elif command == "match":
        text.match(guide, args)
    elif command == "intents":
        text.intents(guide)
    elif command == "script":
        text.script(guide, args)
    else:
        text.chat(guide)
    return 0


def run() -> None:
    sys.exit(main())
