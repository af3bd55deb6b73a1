"""The guide's error tree.

Every error a user can cause carries a one-line message that says what to do, so the
command line can print it as it is and exit without a traceback.
"""


class VoiceguideError(Exception):
    """Base of every error the guide raises on purpose."""


class KnowledgeBaseError(VoiceguideError):
    """The content files are missing or break the schema; the guide will not start."""


class ScriptError(VoiceguideError):
    """A scripted conversation file has a line the runner cannot read."""


class InputFileError(VoiceguideError):
    """A file named on the command line cannot be read."""


class AudioFileError(VoiceguideError):
    """An audio file is missing, corrupt, or in a form the guide cannot convert."""


class ModelError(VoiceguideError):
    """A speech model is missing, incomplete, or could not be downloaded."""


class AudioDeviceError(VoiceguideError):
    """No usable microphone or speaker, or the device went away."""


class DocumentError(VoiceguideError):
    """An article cannot be read as text (empty, binary, not UTF-8 or too big); the
    builder reports it and carries on with the other documents."""


class BenchError(VoiceguideError):
    """A benchmark input cannot be used: a labelled set, a voice, a missing tool."""


class ConfigError(VoiceguideError):
    """The kiosk's configuration file is missing, not TOML, or has a key or value the
    kiosk cannot use; the message names the file, the table and the key."""


class PrefsError(VoiceguideError):
    """The person's voice settings could not be saved; the old ones are left whole."""


class LogFileError(VoiceguideError):
    """The turn log file cannot be opened for writing."""


class DenoiseError(VoiceguideError):
    """Noise suppression was asked for and RNNoise cannot be loaded; the message says how
    to install it or turn it off."""
