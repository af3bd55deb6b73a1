"""Reading the project's TOML files, the one way: the content a clinician edits and the
settings an operator edits both fail with one line that names the file, where in it,
and what to do, and both suggest the key that was probably meant."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from voiceguide.errors import VoiceguideError


def read_toml(path: Path, error: type[VoiceguideError], missing: str) -> dict[str, Any]:
    """The file's tables; ``missing`` says what to do when it is not there. A
    byte-order mark (Notepad's) is accepted."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise error(f"{path} does not exist; {missing}") from None
    except IsADirectoryError:
        raise error(f"{path} is a folder; give a TOML file") from None
    except UnicodeDecodeError:
        raise error(f"{path} is not UTF-8 text; save it as UTF-8") from None
    except OSError as problem:
        raise error(f"{path} cannot be read ({problem.strerror}); check its "
                    "permissions") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        message = str(problem)
        if where := re.search(r" \(at line (\d+), column (\d+)\)$", message):
            line, message = where[1], f"{message[:where.start()]} (column {where[2]})"
        else:  # "(at end of document)": an unclosed string or bracket
            line = str(len(text.splitlines()) or 1)
            message = message.replace(" (at end of document)", " at the end of the file")
        raise error(f"{path}: line {line}: TOML syntax error: {message}") from None


def suggestion(name: str, known: Iterable[str], form: str = "{}") -> str:
    """" (did you mean rate?)" for a key one slip away from a known one, else ""."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {form.format(close[0])}?)" if close else ""
