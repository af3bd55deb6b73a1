"""The command line's options, and how they become settings.

Every option that sets something is named here once, with the settings key it
overrides; ``configure.load_settings`` checks it as it checks the same key in a file.
The options every command shares work before the command's name and after it
(``voiceguide --docs INDEX match ...`` and ``voiceguide match --docs INDEX ...``).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from voiceguide import __version__
from voiceguide.settings import ACTIVATIONS, DEFAULT_EMERGENCY_NUMBER, ENGINES, VoiceSettings

SETTINGS_OF = {
    "content": ("guide.content", "--content"),
    "docs": ("guide.docs", "--docs"),
    "emergency_number": ("guide.emergency_number", "--emergency-number"),
    "asr": ("recogniser.engine", "--asr"),
    "model": ("recogniser.model", "--model"),
    "whisper_model": ("recogniser.whisper_model", "--whisper-model"),
    "asr_threads": ("recogniser.threads", "--asr-threads"),
    "voice": ("speech.voice", "--voice"),
    "rate": ("speech.rate", "--rate"),
    "volume": ("speech.volume", "--volume"),
    "activation": ("listen.activation", "--activation"),
    "wake_phrase": ("listen.wake_phrase", "--wake-phrase"),
    "input": ("audio.input", "--input"),
    "fast": ("audio.fast", "--fast"),
    "output": ("audio.output", "--output"),
    "print_captions": ("captions.printed", "--captions"),
    "captions_address": ("captions.address", "--captions"),
    "idle_timeout": ("kiosk.idle_timeout", "--idle-timeout"),
    "denoise": ("listen.denoise", "--denoise"),
}
"""Option destination -> (settings key, the option as typed, for errors)."""
_VOICE = VoiceSettings()
_EITHER_WAY = frozenset({"denoise"})
"""Options typed as ``--X`` or ``--no-X``: False is given too, not a default."""


def given(args: argparse.Namespace) -> dict[str, tuple[str, object]]:
    """The settings the command line gives: only the options actually typed."""
    found: dict[str, tuple[str, object]] = {}
    for dest, (key, option) in SETTINGS_OF.items():
        value = getattr(args, dest, None)
        if value is None or (value is False and dest not in _EITHER_WAY):
            continue
        found[key] = (option, str(value) if isinstance(value, Path) else value)
    if "captions.address" in found:  # a kiosk's --captions also turns the page on
        found["captions.enabled"] = ("--captions", True)
    return found


def _common(parser: argparse.ArgumentParser, inherited: bool) -> None:
    """Options for every command; ``inherited`` (after a command's name) leaves the
    value given before the name alone when the option is not repeated."""
    keep: dict[str, Any] = {"default": argparse.SUPPRESS} if inherited else {}
    parser.add_argument("--config", type=Path, metavar="PATH", **keep,
                        help="a TOML settings file (see deploy/kiosk.toml); options given "
                             "here win over it")
    parser.add_argument("--content", type=Path, metavar="DIR", **keep,
                        help="a reviewed copy of the content folder to use instead of "
                             "the shipped one")
    parser.add_argument("--emergency-number", metavar="TEXT", **keep,
                        help="what to tell people to call, for example 'nine one one' "
                             f"(default: '{DEFAULT_EMERGENCY_NUMBER}')")
    parser.add_argument("--docs", type=Path, metavar="INDEX", **keep,
                        help="also answer from your own articles, indexed by "
                             "`voiceguide build`")
    parser.add_argument("--debug", action="store_true", **keep,
                        help="log matching decisions")


def _voice(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--asr", choices=ENGINES,
                        help="recogniser: auto takes the cascade (PocketSphinx, then "
                             "Whisper when unsure) when a Whisper model is installed, "
                             "else Vosk when a Vosk model is, else PocketSphinx "
                             "(default: auto)")
    parser.add_argument("--model", type=Path, metavar="PATH",
                        help="a Vosk model folder (default: models/ or "
                             "$VOICEGUIDE_VOSK_MODEL)")
    parser.add_argument("--whisper-model", type=Path, metavar="PATH",
                        help="a Whisper model folder (default: what `voiceguide models "
                             "download whisper-base.en` installed, or "
                             "$VOICEGUIDE_WHISPER_MODEL)")
    parser.add_argument("--asr-threads", type=int, metavar="N",
                        help="CPU threads Whisper decodes with (default: 1)")
    parser.add_argument("--voice", metavar="ID", help="speech voice; see `voiceguide voices`")
    parser.add_argument("--rate", type=int, metavar="WPM",
                        help=f"speech rate, {VoiceSettings.MIN_RATE} to "
                             f"{VoiceSettings.MAX_RATE} words a minute (default: "
                             f"{_VOICE.rate}, or as last set by voice)")
    parser.add_argument("--volume", type=float, metavar="0..1",
                        help=f"speech volume, {VoiceSettings.MIN_VOLUME:g} to "
                             f"{VoiceSettings.MAX_VOLUME:g} (default: {_VOICE.volume}, or "
                             "as last set)")


def _hearing(parser: argparse.ArgumentParser) -> None:
    """How the microphone's audio (or a file's) is treated before recognition."""
    parser.add_argument("--denoise", action=argparse.BooleanOptionalAction, default=None,
                        help="RNNoise noise suppression in front of the recogniser, applied "
                             "while the room is noisy (default: on; [listen] denoise)")


def _files(parser: argparse.ArgumentParser) -> None:
    """Files in place of the microphone and speaker: tests, demonstrations."""
    parser.add_argument("--input", metavar="wav:A.wav,B.wav",
                        help="speak these files into the guide instead of the microphone; "
                             "a number is seconds of quiet")
    parser.add_argument("--fast", action="store_true",
                        help="with --input: run on a simulated clock, not in real time")
    parser.add_argument("--output", metavar="wav:OUT.wav",
                        help="record what the guide says instead of playing it")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="voiceguide",
        description="An offline voice guide for night-time leg cramps, numbness and "
                    "leg pain. With no command, starts a conversation.")
    top.add_argument("--version", action="version", version=f"voiceguide {__version__}")
    _common(top, inherited=False)
    commands = top.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, **kwargs: Any) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, **kwargs)
        _common(sub, inherited=True)
        return sub

    listen = command("listen", help="talk to the guide out loud (the default when a "
                                    "microphone exists)")
    _voice(listen)
    listen.add_argument("--activation", choices=ACTIVATIONS,
                        help="when the guide listens while idle (default: always)")
    listen.add_argument("--wake-phrase", metavar="WORDS", help="(default: 'hello guide')")
    _hearing(listen)
    _files(listen)
    listen.add_argument("--captions", dest="print_captions", action="store_true",
                        help="also print what is heard and said")
    command("chat", help="talk to the guide by typing")
    kiosk = command("kiosk", help="run unattended all day: idle reset, device recovery, "
                                  "captions page, turn log")
    kiosk.add_argument("--captions", dest="captions_address", metavar="HOST:PORT",
                       help="serve the captions page here (default: the config's, "
                            "127.0.0.1:8765)")
    kiosk.add_argument("--idle-timeout", type=float, metavar="SECONDS",
                       help="forget the conversation after this long with nobody talking, "
                            "10 to 3600 (default: the config's, 120)")
    _hearing(kiosk)
    _files(kiosk)
    check = command("health", help="exit 0 if a running kiosk's loop is alive, 1 if it is "
                                   "stuck or not running")
    check.add_argument("--file", type=Path, metavar="PATH",
                       help="the kiosk's heartbeat file (default: where the kiosk writes it)")
    check.add_argument("--limit", type=float, default=30.0, metavar="SECONDS",
                       help="a heartbeat older than this means stuck (default: %(default)s)")
    ask = command("ask", help="what the guide hears and understands in WAV files")
    ask.add_argument("--wav", type=Path, nargs="+", required=True, metavar="FILE")
    ask.add_argument("--json", action="store_true", help="print JSON lines")
    ask.add_argument("--no-speech", action="store_true",
                     help="skip rendering the answer (first_audio_ms then excludes it)")
    _voice(ask)
    _hearing(ask)
    transcribe = command("transcribe", help="print what a WAV file says")
    transcribe.add_argument("wav", type=Path, nargs="+", metavar="FILE.wav")
    _voice(transcribe)
    _hearing(transcribe)
    say = command("say", help="speak text, or save it with --out")
    say.add_argument("text", nargs="+")
    say.add_argument("--out", type=Path, metavar="FILE.wav")
    _voice(say)
    command("voices", help="list the speech voices")
    models = commands.add_parser("models", help="download speech models, or list those "
                                                "installed: `voiceguide models download "
                                                "whisper-base.en`, `voiceguide models list`")
    models.add_argument("action", choices=["download", "list"])
    models.add_argument("options", nargs=argparse.REMAINDER,
                        help="download: [vosk|whisper-tiny.en|whisper-base.en] --dest DIR "
                             "...; list: --dest DIR")
    commands.add_parser("bench", add_help=False,
                        help="measure accuracy and speed against peers; "
                             "`voiceguide bench --help`")
    match = command("match", help="show the intent an utterance matches")
    match.add_argument("text", nargs="?", help="the utterance (default: read lines from "
                                               "standard input)")
    match.add_argument("--batch", type=Path, metavar="FILE",
                       help="one utterance a line, or a TSV whose first column is the "
                            "utterance; '-' reads standard input")
    match.add_argument("--json", action="store_true", help="print JSON lines")
    command("intents", help="list the intents with an example each")
    build = command("build", help="index your own articles for --docs")
    build.add_argument("sources", nargs="+", type=Path, metavar="DOCS",
                       help="article files (.txt, .md, .html) or folders of them")
    build.add_argument("-o", "--output", dest="index", type=Path, required=True,
                       metavar="INDEX")
    build.add_argument("--report", action="store_true",
                       help="print which intents each document supports, what no "
                            "document supports, and where documents disagree")
    build.add_argument("--words-only", action="store_true",
                       help="leave out sentence vectors: about six times faster to "
                            "build, and questions must share words with the articles")
    script = command("script", help="play a scripted conversation on a simulated clock")
    script.add_argument("file", type=Path)
    return top
