#!/usr/bin/env bash
# Chaincode gate for `make test-chaincode`: formatting, vet, tests, and a
# coverage floor on everything under internal/ (pure core, port, ledgers,
# ABCI application, envelope, MSP, policy, dispatch, coded errors, shared
# names). Generated fakes and the test fixture are excluded from the
# denominator: they are not the code under test.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
MIN_COVERAGE="${MIN_COVERAGE:-85}"
PROFILE="coverage.out"

unformatted="$(gofmt -l .)"
if [[ -n "$unformatted" ]]; then
	echo "gofmt: these files need formatting:" >&2
	echo "$unformatted" >&2
	exit 1
fi

go vet ./...

# Test helpers live in internal/testing/ and only _test.go files may import them.
if go list -deps ./cmd/... | grep -q '/internal/testing/'; then
	echo "production code imports a test helper from internal/testing/:" >&2
	go list -deps ./cmd/... | grep '/internal/testing/' >&2
	exit 1
fi

core_pkgs="$(go list ./internal/... | grep -v -e /ledgerfakes -e /testing/coretest | paste -sd, -)"
# The coverpkg list is long; trim it from the per-package lines.
go test -count=1 -coverpkg="$core_pkgs" -coverprofile="$PROFILE" ./... |
	sed 's/ of statements in .*/ of core statements/'


total="$(go tool cover -func="$PROFILE" | awk '/^total:/ { sub("%", "", $3); print $3 }')"
echo "core coverage: ${total}% (minimum ${MIN_COVERAGE}%)"
if awk -v t="$total" -v m="$MIN_COVERAGE" 'BEGIN { exit !(t < m) }'; then
	echo "coverage ${total}% is below ${MIN_COVERAGE}%" >&2
	exit 1
fi
