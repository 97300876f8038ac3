#!/usr/bin/env bash
# helm-check: the single entry point for the chart, the k8s/ manifests and the Dockerfile.
#   1. Helm 4 (pinned in stack/versions.env) installed with go install (stack/install-helm.sh)
#   2. helm lint --strict with every values file (chart defaults, ci/ cases, k8s/examples)
#   3. helm template --kube-version for Org1/Org2/Org3 + the ci/ cases; every core resource validated
#      against the bundled Kubernetes schemas (kubernetes-validate), custom resources against the fields
#      their operators document (helm/crcheck.py); k8s/ manifests validated too
#   4. a values file with a typo is rejected by values.schema.json
#   5. README current (helm/gen_readme.py --check), Dockerfile lint (docker/lint.py)
#   6. pytest tests/helm
# Exits non-zero on the first failing step with a message saying which.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
KUBE_VERSION="${KUBE_VERSION:-1.33.0}"
PY="$ROOT/.venv/bin/python"
CHART=helm/ledgerml
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
T0=$SECONDS

fail() { echo "helm-check: FAIL: $*" >&2; exit 1; }
step() { echo "helm-check: [$((SECONDS - T0))s] $*"; }

[[ -x "$PY" ]] || fail "$PY missing: run 'uv sync' at the repository root first"
"$PY" -c "import kubernetes_validate, yaml, dockerfile" 2>/dev/null \
  || fail "kubernetes-validate/pyyaml/dockerfile missing from .venv: run 'uv sync' (dev group)"

step "installing Helm (stack/install-helm.sh)"
HELM="$(bash stack/install-helm.sh)" || fail "could not install Helm"
export HELM_BIN="$HELM"
"$HELM" version --short >/dev/null || fail "helm at $HELM does not run"
# Keep Helm away from the user's repositories/cache: everything here is local.
export HELM_CACHE_HOME="$OUT/helm-cache" HELM_CONFIG_HOME="$OUT/helm-config" HELM_DATA_HOME="$OUT/helm-data"

VALUES=("" "$CHART"/ci/*.yaml k8s/examples/*.yaml)

step "helm lint --strict (${#VALUES[@]} values files)"
for f in "${VALUES[@]}"; do
  "$HELM" lint --strict "$CHART" --kube-version "$KUBE_VERSION" ${f:+-f "$f"} >"$OUT/lint.log" 2>&1 \
    || { cat "$OUT/lint.log" >&2; fail "helm lint --strict with ${f:-chart defaults}"; }
done

step "helm template --kube-version $KUBE_VERSION + kubernetes-validate + crcheck"
for f in "${VALUES[@]}"; do
  name="$(basename "${f:-defaults}" .yaml)"
  rendered="$OUT/$name.rendered.yaml"
  "$HELM" template ledgerml "$CHART" --namespace ledgerml-test --kube-version "$KUBE_VERSION" \
    ${f:+-f "$f"} >"$rendered" 2>"$OUT/template.log" \
    || { cat "$OUT/template.log" >&2; fail "helm template with ${f:-chart defaults}"; }
  # --strict: unknown fields are errors. Unknown kinds only warn here; crcheck covers those.
  "$ROOT/.venv/bin/kubernetes-validate" --strict --quiet -k "$KUBE_VERSION" "$rendered" >"$OUT/kv.log" 2>&1 \
    || { grep -v '^WARN .*find schema' "$OUT/kv.log" >&2; fail "kubernetes-validate rejected resources rendered with ${f:-chart defaults}"; }
  "$PY" helm/crcheck.py "$rendered" >/dev/null || fail "custom resources rendered with ${f:-chart defaults}"
done
"$ROOT/.venv/bin/kubernetes-validate" --strict --quiet -k "$KUBE_VERSION" k8s/namespaces/*.yaml k8s/policies/*.yaml \
  || fail "kubernetes-validate rejected k8s/ manifests"

step "values.schema.json rejects a typo"
if "$HELM" template ledgerml "$CHART" -f tests/helm/fixtures/typo-values.yaml >/dev/null 2>"$OUT/typo.log"; then
  fail "a values file with the typo 'replcas' was accepted"
fi
grep -q "replcas" "$OUT/typo.log" || { cat "$OUT/typo.log" >&2; fail "typo rejected, but not by the schema"; }

step "README in step with values.yaml, Dockerfile lint"
"$PY" helm/gen_readme.py --check || fail "helm/ledgerml/README.md (run: .venv/bin/python helm/gen_readme.py)"
"$PY" docker/lint.py >/dev/null || fail "docker/Dockerfile lint"

step "pytest tests/helm"
"$PY" -m pytest -q tests/helm || fail "pytest tests/helm"

step "OK"
