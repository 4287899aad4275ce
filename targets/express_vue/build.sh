#!/usr/bin/env bash
# Install the Express target's packages and build its client, each only when its inputs changed.
#
#   targets/express_vue/build.sh [--force] [VARIANT...]
#
# VARIANT is `default` (client/dist, built when no variant is named), a build-time mutant of
# targets/MUTANTS.md: `maps-referenced`, `no-debug-ids`, `stale-maps` (client/dist-<name>), or `no-sentry`
# (client/dist-no-sentry: the app without the SDK's code, the browser-overhead baseline).
#
# - `npm ci` from the committed lockfiles, in server/ and client/, when package-lock.json changed since the
#   last install (stamp: node_modules/.gate-lock.sha256).
# - `vite build`, then `sentry-cli sourcemaps inject` (debug IDs, offline), when a hash over the client's
#   sources, lockfile, build configuration and this script changed (stamp: <dist>/.gate-build.sha256).
#   A build goes to a temporary directory and replaces the old one in one rename, so a server that is
#   running keeps serving a complete build.
# Concurrent runs wait for each other (flock). Prints one line per step: built, installed or up to date.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SERVER="$HERE/server"
CLIENT="$HERE/client"
FORCE=0
VARIANTS=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    default | maps-referenced | no-debug-ids | stale-maps | no-sentry) VARIANTS+=("$arg") ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown variant '$arg' (default, maps-referenced, no-debug-ids, stale-maps, no-sentry)" >&2; exit 2 ;;
  esac
done
[ ${#VARIANTS[@]} -eq 0 ] && VARIANTS=(default)

command -v node >/dev/null || { echo "build.sh: node is not installed" >&2; exit 1; }
command -v npm >/dev/null || { echo "build.sh: npm is not installed" >&2; exit 1; }

exec 9>"$HERE/.build.lock"
flock 9

sha() { sha256sum | cut -d' ' -f1; }

npm_install() { # dir, extra args
  local dir="$1"; shift
  local want have=""
  want="$( (cat "$dir/package-lock.json"; node --version) | sha)"
  [ -f "$dir/node_modules/.gate-lock.sha256" ] && have="$(cat "$dir/node_modules/.gate-lock.sha256")"
  if [ "$FORCE" = 1 ] || [ "$want" != "$have" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --prefer-offline --loglevel=error "$@")
    echo "$want" >"$dir/node_modules/.gate-lock.sha256"
    echo "installed $(basename "$dir")/node_modules"
  else
    echo "up to date $(basename "$dir")/node_modules"
  fi
}

sources_hash() { # the inputs of a client build, plus the variant name
  (
    cd "$CLIENT"
    printf 'variant %s\n' "$1"
    find src -type f | LC_ALL=C sort | xargs sha256sum
    sha256sum index.html vite.config.js package.json package-lock.json scripts/throw-sites.mjs "$HERE/build.sh"
    node --version
  ) | sha
}

build_variant() { # variant
  local variant="$1" out want have=""
  out="dist"
  [ "$variant" != default ] && out="dist-$variant"
  want="$(sources_hash "$variant")"
  [ -f "$CLIENT/$out/.gate-build.sha256" ] && have="$(cat "$CLIENT/$out/.gate-build.sha256")"
  if [ "$FORCE" != 1 ] && [ "$want" = "$have" ]; then
    echo "up to date client/$out"
    return
  fi
  local tmp="$out.tmp.$$"
  local sourcemap=hidden shift=0 inject=1 no_sentry=0
  case "$variant" in
    no-sentry) no_sentry=1 inject=0 ;;
    maps-referenced) sourcemap=referenced ;;
    no-debug-ids) inject=0 ;;
    stale-maps) shift=7 ;;
  esac
  (
    cd "$CLIENT"
    rm -rf "$tmp"
    GATE_BUILD_OUT="$tmp" GATE_BUILD_SOURCEMAP="$sourcemap" GATE_BUILD_SHIFT="$shift" GATE_BUILD_NO_SENTRY="$no_sentry" \
      node node_modules/vite/bin/vite.js build --logLevel warn
    if [ "$inject" = 1 ]; then
      node_modules/.bin/sentry-cli sourcemaps inject "$tmp" >/dev/null
    fi
    echo "$want" >"$tmp/.gate-build.sha256"
    rm -rf "$out.old.$$"
    [ -d "$out" ] && mv "$out" "$out.old.$$"
    mv "$tmp" "$out"
    rm -rf "$out.old.$$"
  )
  echo "built client/$out"
}

npm_install "$SERVER" --omit=dev
npm_install "$CLIENT"
(cd "$CLIENT" && node scripts/throw-sites.mjs)
for variant in "${VARIANTS[@]}"; do
  build_variant "$variant"
done
