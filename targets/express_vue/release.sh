#!/usr/bin/env bash
# Release the built client the way the seed's plan does in CI (Step 1): create the release, upload the
# client's source maps (an artifact bundle keyed by debug IDs, plus the plan's `~/` URL prefix), finalize
# the release, record a deploy. Uses the sentry-cli of client/node_modules (build.sh installs it).
#
#   SENTRY_URL, SENTRY_AUTH_TOKEN, SENTRY_ORG, SENTRY_PROJECT   where to (the browser project)
#   SENTRY_RELEASE                                              required
#   SENTRY_ENVIRONMENT                                          the deploy's environment (default production)
#   GATE_DIST                                                   the build to upload (default client/dist)
#   GATE_MUTANT                                                 pipeline mutants of targets/MUTANTS.md:
#       maps-not-uploaded      skip the upload
#       stale-maps             upload client/dist-stale-maps (build.sh stale-maps) instead of the served build
#       release-not-finalized  skip finalize and the deploy
#   GATE_RELEASE_DRY_RUN=1                                      print the commands, run nothing
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CLI="$HERE/client/node_modules/.bin/sentry-cli"
RELEASE="${SENTRY_RELEASE:?SENTRY_RELEASE is required}"
ENVIRONMENT="${SENTRY_ENVIRONMENT:-production}"
DIST="${GATE_DIST:-$HERE/client/dist}"
MUTANT="${GATE_MUTANT:-}"

run() {
  if [ "${GATE_RELEASE_DRY_RUN:-}" = 1 ]; then
    printf '%q ' "$@" | sed 's/ $//'
    echo
  else
    "$@"
  fi
}

case "$MUTANT" in
  "" | maps-not-uploaded | release-not-finalized) ;;
  stale-maps) DIST="$HERE/client/dist-stale-maps" ;;
  *) ;; # run-time mutants do not change the pipeline
esac

[ -x "$CLI" ] || { echo "release.sh: $CLI is missing: run targets/express_vue/build.sh" >&2; exit 1; }
[ -f "$DIST/index.html" ] || { echo "release.sh: $DIST is not built: run targets/express_vue/build.sh" >&2; exit 1; }

run "$CLI" releases new "$RELEASE"
if [ "$MUTANT" != maps-not-uploaded ]; then
  run "$CLI" sourcemaps upload --release "$RELEASE" --url-prefix '~/' "$DIST"
fi
if [ "$MUTANT" != release-not-finalized ]; then
  run "$CLI" releases finalize "$RELEASE"
  run "$CLI" deploys new --release "$RELEASE" -e "$ENVIRONMENT"
fi
