"""``voiceguide kiosk`` and ``voiceguide health``: running unattended, and how it meets
its service manager (exit status, readiness, watchdog, SIGTERM).

What fails to start at run time (recogniser, speech engine, speaker, microphone,
captions port) is logged and worked around. What only an edit can fix (the settings
file, the log file, the content folder, the articles' index) stops it with exit status
78, on which the systemd unit does not restart it.
"""

from __future__ import annotations

import argparse
import signal

from voiceguide.assemble import Assembly
from voiceguide.errors import (
    ConfigError,
    DenoiseError,
    DocumentError,
    KnowledgeBaseError,
    LogFileError,
)
from voiceguide.service.sdnotify import notifier
from voiceguide.service.turnlog import TurnLog

EXIT_CONFIG = 78
"""EX_CONFIG: the kiosk's unit does not restart on it, since only an edit can fix it."""

SETUP_ERRORS = (ConfigError, LogFileError, KnowledgeBaseError, DocumentError, DenoiseError)
"""What stops the kiosk with ``EXIT_CONFIG``: each names a file or key to correct, and
restarting every two seconds would only fill the journal."""


def kiosk(assembly: Assembly) -> int:
    """The unattended loop until SIGTERM (or the end of ``--input``)."""
    settings = assembly.settings
    log = TurnLog(settings.log.file, settings.log.transcripts)
    try:
        guide = assembly.guide()
        systemd = notifier()
        unattended = assembly.kiosk(guide, log, systemd)
        machine = unattended.kiosk
        signal.signal(signal.SIGTERM, lambda *_: machine.stop_requested.set())
        machine.keys()
        if systemd is not None:
            systemd.ready("listening")
        try:
            machine.run()
        finally:
            if systemd is not None:
                systemd.stopping()
                systemd.close()
            unattended.close()
    finally:
        log.close()
    return 0


def health(args: argparse.Namespace) -> int:
    """No guide is loaded: a timer runs this every minute."""
    from voiceguide.service.health import check, default_health_file, valid_limit

    fresh, line = check(args.file or default_health_file(), valid_limit(args.limit))
    print(line)
    return 0 if fresh else 1
