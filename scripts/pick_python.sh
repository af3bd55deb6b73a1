#!/usr/bin/env bash
# Prints the Python that install.sh builds .venv from: Python 3.11 or newer and, when
# installing for the kiosk's service user, one that user can run. Root's first python3
# is often one it alone can reach (pyenv under /root, a build in a private folder); the
# venv only links to it, so the unit would fail at start with "Permission denied".
#
# The service user is `voiceguide` (deploy/README.md step 1) or $VOICEGUIDE_SERVICE_USER;
# while it does not exist, or when not run as root, the check is skipped.
# Candidates: $PYTHON alone if set, else python3 on the PATH, then /usr/bin/python3.
set -euo pipefail
user=${VOICEGUIDE_SERVICE_USER:-voiceguide}

if [ -n "${PYTHON:-}" ]; then
  candidates=("$PYTHON")
else
  candidates=(python3 /usr/bin/python3)
fi
for_user=""
if [ "$(id -u)" -eq 0 ] && id "$user" >/dev/null 2>&1; then
  for_user="$user"
fi

refused=""
for python in "${candidates[@]}"; do
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    refused="$refused $python (not Python 3.11 or newer);"
    continue
  fi
  if [ -n "$for_user" ]; then
    real=$("$python" -c 'import sys; print(sys.executable)')
    if ! runuser -u "$for_user" -- "$real" -c 'import encodings' >/dev/null 2>&1; then
      refused="$refused $real (the user $for_user cannot run it);"
      continue
    fi
    python="$real"
  fi
  echo "$python"
  exit 0
done
echo "voiceguide needs Python 3.11 or newer${for_user:+ that the user $for_user can run}; tried:${refused%;}. Install Debian's python3 (apt-get install python3 python3-venv) or set PYTHON=/path/to/python3.11 and rerun." >&2
exit 1
