#!/usr/bin/env bash
# Reproduce a mybinder.org (repo2docker) build of this repository without Docker, as root:
#   1. clone the committed tree (Binder sees only commits)
#   2. apt-get install binder/apt.txt
#   3. a venv and `pip install -r binder/requirements.txt` as uid 1000 (Binder's user)
#   4. binder/postBuild as uid 1000 in the repository root
#   5. the notebooks under nbval in that environment
# Usage: tools/binder-standin.sh REPO_DIR [WORK_DIR]
set -euo pipefail
REPO=$(realpath "$1")
if [ -n "${2:-}" ]; then
  WORK=$2
else
  WORK=$(mktemp -d)
  chmod 755 "$WORK"  # mktemp makes it root-only; Binder's user must reach inside
  WORK=$WORK/binder-standin
fi
RUN_UID=${RUN_UID:-1000}
# uid 1000 cannot read root's pyenv Python; use the system one, as Binder has its own.
PY=${PY:-/usr/bin/python3.11}
T0=$SECONDS
step() { echo "== [$((SECONDS - T0))s] $*"; }

rm -rf "$WORK"
mkdir -p "$WORK/home"
step "clone the committed tree"
git clone -q --no-hardlinks "$REPO" "$WORK/repo"
B="$WORK/repo/binder"
step "runtime.txt asks for $(cat "$B/runtime.txt"); using $($PY -V)"
pkgs=$(grep -vE '^[[:space:]]*(#|$)' "$B/apt.txt" | tr '\n' ' ')
step "apt: $pkgs"
missing=$(for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ]; then
  apt-get update -qq
  # shellcheck disable=SC2086  # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

chown -R "$RUN_UID:$RUN_UID" "$WORK"
as_user() {
  (cd "$WORK/repo" && setpriv --reuid="$RUN_UID" --regid="$RUN_UID" --clear-groups \
    env -i HOME="$WORK/home" USER=jovyan LANG=C.UTF-8 \
    PATH="$WORK/env/bin:/usr/local/bin:/usr/bin:/bin" "$@")
}
step "venv and pip install -r binder/requirements.txt (uid $RUN_UID)"
as_user "$PY" -m venv "$WORK/env"
as_user "$WORK/env/bin/pip" install -q --disable-pip-version-check -r binder/requirements.txt
step "postBuild"
as_user binder/postBuild
step "installed: $(as_user "$WORK/env/bin/pip" freeze |
  grep -iE '^(jupyterlab|ipywidgets|minigrad-kit|graphviz|matplotlib)[=@ ]' | tr '\n' ' ')"
step "nbval on the notebooks, as Binder's user would run them"
as_user "$WORK/env/bin/pip" install -q --disable-pip-version-check "nbval>=0.11" "pytest>=8"
as_user "$WORK/env/bin/python" -m pytest -p no:cacheprovider --nbval --nbval-current-env \
  -q notebooks
step "done"
