#!/usr/bin/env bash
# Installs what the local stack needs, idempotently, into a per-user cache keyed by version, so a fresh
# clone reuses earlier work. Each step says what to do when the machine lacks something.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
# shellcheck disable=SC1091
source "$here/versions.env"
cache="${LEDGERML_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ledgerml}"
mkdir -p "$cache"

say()  { printf '\033[1m==> %s\033[0m\n' "$*"; }
die()  { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found: $2"; }
timed() { local t0=$SECONDS; "$@"; say "  done in $((SECONDS - t0))s"; }

need go "install Go >= 1.26 (polyglot machine kind)"
need java "install a JDK >= 17"
need mvn "install Maven 3.8+"
need python3.11 "install CPython 3.11"
free_gb=$(df -Pk "$cache" | awk 'NR==2 {print int($4/1024/1024)}')
[ "$free_gb" -ge 12 ] || die "only ${free_gb} GiB free under $cache; the stack needs about 12 GiB (torch, Ray, MinIO)"

uv_dir="$cache/uv-$UV_VERSION"
if [ ! -x "$uv_dir/bin/uv" ]; then
  say "uv $UV_VERSION (PyPI)"
  timed bash -c "python3.11 -m venv '$uv_dir' && '$uv_dir/bin/pip' install -q 'uv==$UV_VERSION'"
fi
say "Python workspace (.venv, uv.lock)"
(cd "$repo" && timed "$uv_dir/bin/uv" sync --python python3.11 --quiet) \
  || die "uv sync failed (see above); versions are pinned in pyproject.toml constraint-dependencies"

kafka_dir="$cache/kafka-$KAFKA_VERSION"
if [ ! -f "$kafka_dir/.complete" ]; then
  say "Kafka $KAFKA_VERSION jars (Maven Central)"
  timed mvn -B -q -f "$here/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" -Dlog4j.version="$LOG4J_VERSION" \
    "org.apache.maven.plugins:maven-dependency-plugin:$MAVEN_DEPENDENCY_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$kafka_dir/libs" || die "resolving Kafka jars failed (see above)"
  touch "$kafka_dir/.complete"
fi

go_install() { # name module version
  local dir="$cache/$1-$3"
  if [ ! -f "$dir/.complete" ]; then
    say "$1 $3 (go install, a few minutes on 2 cores)"
    mkdir -p "$dir/bin"
    (cd /tmp && timed env GOBIN="$dir/bin" CGO_ENABLED=0 GOFLAGS=-trimpath go install "$2@$3") \
      || die "building $1 failed (see above)"
    touch "$dir/.complete"
  fi
}
go_install minio "$MINIO_MODULE" "$MINIO_VERSION"
go_install versitygw "$VERSITYGW_MODULE" "$VERSITYGW_VERSION"

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  say "PostgreSQL (Debian packages)"
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL is missing: run 'sudo apt-get install -y postgresql' and retry"
  timed bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null"
fi

go_install cometbft "$COMETBFT_MODULE" "$COMETBFT_VERSION"

# The ledger's ABCI application, cached by a content hash of chaincode/'s sources: a source change builds
# a new binary, an unchanged tree reuses it (ledgerml.stack.components.ledger.binaries).
(cd "$repo" && .venv/bin/python -m ledgerml.stack build-app) || die "building the ledger application failed (see above)"
say "install complete (cache: $cache)"
