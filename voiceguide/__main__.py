"""``python -m voiceguide``: the same as the ``voiceguide`` command."""

from voiceguide.cli import run

if __name__ == "__main__":
    run()
