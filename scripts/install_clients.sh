#!/usr/bin/env bash
# Install the real client programs, at the versions the realclient tests are pinned to, into
# a cache folder inside the checkout (never globally): .cache/clients/bin then holds aider,
# claude, cn, codex and opencode. Run again, it installs only what is missing or changed.
#
#   scripts/install_clients.sh            # into .cache/clients
#   OCS_CLIENTS_DIR=/elsewhere scripts/install_clients.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${OCS_CLIENTS_DIR:-$root/.cache/clients}

# The pins: what the docs and the realclient tests were checked against.
AIDER=aider-chat==0.86.2
NPM_PACKAGES=(
  @anthropic-ai/claude-code@2.1.197
  @continuedev/cli@1.5.47
  @openai/codex@0.169.0
  opencode-ai@1.18.33
)

mkdir -p "$dest/bin"
stamp() { [ -f "$dest/$1.stamp" ] && [ "$(cat "$dest/$1.stamp")" = "$2" ]; }

npm_pins="${NPM_PACKAGES[*]}"
if ! stamp npm "$npm_pins"; then
  command -v npm >/dev/null || { echo "install_clients: npm is missing (Node.js 20+)" >&2; exit 1; }
  rm -rf "$dest/npm"
  # --prefix keeps it in the folder; the packages' own install scripts fetch nothing more
  # (their native binaries ship as npm packages).
  npm install --prefix "$dest/npm" --no-save --no-audit --no-fund --loglevel=error \
    "${NPM_PACKAGES[@]}" >/dev/null
  echo "$npm_pins" >"$dest/npm.stamp"
fi
for program in claude cn codex opencode; do
  ln -sfn "../npm/node_modules/.bin/$program" "$dest/bin/$program"
done

if ! stamp aider "$AIDER"; then
  rm -rf "$dest/aider"
  python3 -m venv "$dest/aider"
  "$dest/aider/bin/pip" install -qq --disable-pip-version-check "$AIDER"
  echo "$AIDER" >"$dest/aider.stamp"
fi
ln -sfn ../aider/bin/aider "$dest/bin/aider"

for program in aider claude cn codex opencode; do
  [ -x "$dest/bin/$program" ] || { echo "install_clients: $program did not install" >&2; exit 1; }
done
echo "real clients in $dest/bin: aider claude cn codex opencode"
