#!/usr/bin/env bash
# Make sure Debian/Ubuntu packages are installed: ensure-system-packages.sh WHAT:PACKAGE ...
# Each pair names a command (or an absolute path) to look for and the apt package that
# provides it. Missing ones
# are installed with apt-get when we are root on a Debian-like system; otherwise we say what
# is missing and carry on (the kit renders graphs in-process when `dot` is absent).
set -euo pipefail
missing=()
for pair in "$@"; do
  what=${pair%%:*}
  if [[ $what == /* ]]; then [ -e "$what" ]; else command -v "$what" >/dev/null 2>&1; fi ||
    missing+=("${pair#*:}")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing with apt-get: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "note: not installed (needs root and apt-get): ${missing[*]}" >&2
fi
