#!/bin/sh
# Install ollama-client-setup, then run `ollama-client-setup init` with any arguments given.
#
#   ./install.sh                      install from this checkout (or the package index) and run init
#   ./install.sh --yes --model M      arguments after the options below go to init
#   ./install.sh --no-init            install only
#   ./install.sh --uninstall          undo init's changes, then remove the tool
#
# Uses pipx or `uv tool` when present, otherwise a private virtual environment under
# ${XDG_DATA_HOME:-~/.local/share}/ollama-client-setup with a link in ~/.local/bin;
# init adds that folder to your shells' PATH when it is missing. Running it again upgrades.
set -eu

PACKAGE=ollama-client-setup
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
STATE=$DATA_HOME/ollama-client-setup
VENV=$STATE/venv
BIN_DIR=${OCS_BIN_DIR:-$HOME/.local/bin}

say() { printf '%s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

run_init=1
uninstall=0
installer=${OCS_INSTALLER:-auto}
while [ $# -gt 0 ]; do
  case $1 in
    --no-init) run_init=0 ;;
    --uninstall) uninstall=1 ;;
    --installer=*) installer=${1#--installer=} ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
  shift
done

# --- Python >= 3.10 -------------------------------------------------------------------
find_python() {
  for candidate in ${OCS_PYTHON:-} python3 python3.14 python3.13 python3.12 python3.11 python3.10; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

# --- where to install from: this checkout when run inside it ----------------------------
here=$(CDPATH= cd -- "$(dirname -- "$0")" 2>/dev/null && pwd || echo "")
if [ -n "$here" ] && [ -f "$here/pyproject.toml" ] && grep -q "name = \"$PACKAGE\"" "$here/pyproject.toml"; then
  source_spec=$here
else
  source_spec=$PACKAGE
fi

tool_path() { command -v ollama-client-setup 2>/dev/null || { [ -x "$BIN_DIR/ollama-client-setup" ] && echo "$BIN_DIR/ollama-client-setup"; } || true; }

if [ "$uninstall" = 1 ]; then
  tool=$(tool_path)
  if [ -n "$tool" ]; then "$tool" uninstall --yes || die "uninstall failed; the tool was left installed"; fi
  if command -v pipx >/dev/null 2>&1 && pipx list --short 2>/dev/null | grep -q "^$PACKAGE "; then
    pipx uninstall "$PACKAGE"
  elif command -v uv >/dev/null 2>&1 && uv tool list 2>/dev/null | grep -q "^$PACKAGE "; then
    uv tool uninstall "$PACKAGE"
  fi
  if [ -L "$BIN_DIR/ollama-client-setup" ]; then rm -f "$BIN_DIR/ollama-client-setup"; fi
  if [ -d "$VENV" ]; then
    rm -rf "$VENV"
    created=$(cat "$STATE/created-dirs" 2>/dev/null || true)
    rm -f "$STATE/created-dirs"
    rmdir "$STATE" 2>/dev/null || true
    # Deepest first; a folder that holds anything else stays.
    printf '%s\n' "$created" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- |
      while IFS= read -r dir; do [ -n "$dir" ] && rmdir "$dir" 2>/dev/null || true; done
  fi
  say "ollama-client-setup is removed."
  exit 0
fi

python=$(find_python) || {
  old=$(python3 -c 'import platform; print(platform.python_version())' 2>/dev/null || true)
  if [ -n "$old" ]; then
    die "found Python $old, but ollama-client-setup needs Python 3.10 or newer. Install one (macOS: 'brew install python@3.12'; Debian/Ubuntu: 'sudo apt install python3'), or name it with OCS_PYTHON=/path/to/python3.x"
  fi
  die "no Python found; install Python 3.10 or newer (macOS: 'brew install python@3.12'; Debian/Ubuntu: 'sudo apt install python3 python3-venv')"
}

# Folders this install creates, so --uninstall can remove them again (only while empty).
record_new_dirs() {
  for dir in "$HOME/.local" "$DATA_HOME" "$STATE" "$BIN_DIR"; do
    [ -e "$dir" ] || printf '%s\n' "$dir"
  done
}

if [ "$installer" = auto ]; then
  if command -v pipx >/dev/null 2>&1; then installer=pipx
  elif command -v uv >/dev/null 2>&1; then installer=uv
  else installer=venv; fi
fi

case $installer in
  pipx)
    say "Installing $PACKAGE with pipx from $source_spec"
    pipx install --force --python "$python" "$source_spec" >/dev/null
    ;;
  uv)
    say "Installing $PACKAGE with uv from $source_spec"
    uv tool install --force --python "$python" "$source_spec" >/dev/null
    ;;
  venv)
    say "Installing $PACKAGE into $VENV from $source_spec"
    new_dirs=$(record_new_dirs)
    if [ ! -x "$VENV/bin/python" ]; then
      "$python" -m venv "$VENV" 2>/dev/null || die "could not create a virtual environment with $python; on Debian/Ubuntu install it with 'sudo apt install python3-venv', then run this again"
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "$source_spec" \
      || die "pip could not install $PACKAGE into $VENV"
    mkdir -p "$BIN_DIR"
    ln -sf "$VENV/bin/ollama-client-setup" "$BIN_DIR/ollama-client-setup"
    if [ -n "$new_dirs" ] && [ ! -f "$STATE/created-dirs" ]; then
      printf '%s\n' "$new_dirs" > "$STATE/created-dirs"
    fi
    ;;
  *) die "unknown installer '$installer' (pipx, uv or venv)" ;;
esac

# The command as you will run it: the installer's own link (never the venv's copy it points
# to, nor another install earlier on PATH). init is started by this path, which is how it
# knows the folder to add to your shells' PATH when that lacks it.
case $installer in
  pipx) tool_dir=$(pipx environment --value PIPX_BIN_DIR 2>/dev/null || true) ;;
  uv) tool_dir=$(uv tool dir --bin 2>/dev/null || true) ;;
  *) tool_dir=$BIN_DIR ;;
esac
if [ -n "$tool_dir" ] && [ -x "$tool_dir/ollama-client-setup" ]; then
  tool=$tool_dir/ollama-client-setup
else
  tool=$(tool_path)
  [ -n "$tool" ] || tool=$BIN_DIR/ollama-client-setup
fi
tool_dir=$(dirname -- "$tool")
case ":$PATH:" in
  *":$tool_dir:"*) ;;
  *)
    if [ "$run_init" = 1 ]; then
      say "Note: $tool_dir is not on your PATH; init adds it to the shells it sets up (new terminals find 'ollama-client-setup')."
    else
      say "Note: $tool_dir is not on your PATH; '$tool init' adds it to the shells it sets up."
    fi
    ;;
esac
say "Installed: $("$tool" --version)"

[ "$run_init" = 1 ] || exit 0
# `curl ... | sh` leaves stdin on the pipe: let init's prompts read the terminal instead.
if [ ! -t 0 ] && [ -r /dev/tty ] && [ -w /dev/tty ] && (: </dev/tty) 2>/dev/null; then
  exec "$tool" init "$@" </dev/tty
fi
exec "$tool" init "$@"
