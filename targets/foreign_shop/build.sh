#!/usr/bin/env bash
# Install the page's packages and bundle web/main.js into shop/static/app.js, each only when needed.
#
#   targets/foreign_shop/build.sh [--force]
#
# The page's DSN is baked in: SHOP_PUBLIC_SENTRY_DSN at build time (empty or unset: a page without Sentry).
# - `npm ci` from package-lock.json when the lockfile (or Node) changed (stamp node_modules/.shop-lock.sha256);
# - esbuild when the sources, the lockfile, this script or the DSN changed (stamp shop/static/.app.sha256),
#   written beside the old bundle and renamed into place. Concurrent runs wait for each other (flock).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FORCE=0
[ "${1:-}" = --force ] && FORCE=1
command -v node >/dev/null || { echo "build.sh: node is not installed" >&2; exit 1; }
cd "$HERE"
exec 9>"$HERE/.build.lock"
flock 9

sha() { sha256sum | cut -d' ' -f1; }

want="$( (cat package-lock.json; node --version) | sha)"
have="$(cat node_modules/.shop-lock.sha256 2>/dev/null || true)"
if [ "$FORCE" = 1 ] || [ "$want" != "$have" ]; then
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error
  echo "$want" >node_modules/.shop-lock.sha256
  echo "installed node_modules"
else
  echo "up to date node_modules"
fi

DSN="${SHOP_PUBLIC_SENTRY_DSN:-}"
want="$( (find web -type f | LC_ALL=C sort | xargs sha256sum; sha256sum package-lock.json build.sh; node --version; printf 'dsn %s\n' "$DSN") | sha)"
have="$(cat shop/static/.app.sha256 2>/dev/null || true)"
if [ "$FORCE" != 1 ] && [ "$want" = "$have" ] && [ -f shop/static/app.js ]; then
  echo "up to date shop/static/app.js"
  exit 0
fi
mkdir -p shop/static
node_modules/.bin/esbuild web/main.js --bundle --format=iife --target=es2020 --minify \
  --define:process.env.SHOP_PUBLIC_SENTRY_DSN="$(node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$DSN")" \
  --outfile="shop/static/app.js.tmp.$$" --log-level=warning
mv "shop/static/app.js.tmp.$$" shop/static/app.js
echo "$want" >shop/static/.app.sha256
echo "built shop/static/app.js"
