#!/usr/bin/env bash
# Installs what `make test` needs when it is missing: redis-server,
# chromium and the emoji font (Debian packages, as root) and the Mini App's npm packages.
# Under CI=true a dependency that cannot be installed is an error.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v chromium >/dev/null || need+=(chromium)
# Emoji in the browser tests' screenshots (reactions, ratings, flags).
dpkg -s fonts-noto-color-emoji >/dev/null 2>&1 || need+=(fonts-noto-color-emoji)
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "deps: installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "deps: missing ${need[*]}; install them: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
for tool in go node npm; do
  command -v "$tool" >/dev/null || { echo "deps: $tool is required (Go 1.26, Node 20.19+)" >&2; exit 1; }
done
if [ -f miniapp/package.json ]; then
  if [ ! -d miniapp/node_modules ] || [ miniapp/package-lock.json -nt miniapp/node_modules/.package-lock.json ]; then
    echo "deps: npm ci in miniapp/"
    (cd miniapp && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
