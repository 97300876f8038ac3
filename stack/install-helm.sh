#!/usr/bin/env bash
# Install the pinned Helm 4 CLI with `go install` into a per-version cache directory.
# Idempotent: an existing binary of the right version is reused. Prints the binary's path on stdout.
# Versions come from stack/versions.env (HELM_MODULE, HELM_VERSION).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
source "$ROOT/stack/versions.env"
: "${HELM_MODULE:?HELM_MODULE missing from stack/versions.env}"
: "${HELM_VERSION:?HELM_VERSION missing from stack/versions.env}"

PREFIX="${LEDGERML_CACHE:-$HOME/.cache/ledgerml}/helm-${HELM_VERSION}"
BIN="$PREFIX/bin/helm"

if [[ -x "$BIN" ]] && "$BIN" version --short >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "install-helm: 'go' not found; Helm ${HELM_VERSION} is built with go install (needs Go >= 1.26)" >&2
  exit 1
fi

echo "install-helm: building ${HELM_MODULE}@${HELM_VERSION} into ${PREFIX}/bin (one-off, a few minutes)" >&2
mkdir -p "$PREFIX/bin"
# Build into a temporary dir and move into place, so an interrupted build never leaves a half binary.
TMP="$(mktemp -d "$PREFIX/tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
GOBIN="$TMP" GOFLAGS="${GOFLAGS:--buildvcs=false}" go install "${HELM_MODULE}@${HELM_VERSION}" >&2
mv -f "$TMP/helm" "$BIN"
"$BIN" version --short >&2
echo "$BIN"
