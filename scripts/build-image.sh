#!/usr/bin/env bash
# Builds the leap-mock container image offline: a static musl binary with cargo, then the
# Dockerfile's runtime stage around it with podman or docker (no base image is pulled).
#
#   scripts/build-image.sh                 -> leap-mock:<version> and leap-mock:latest
#   IMAGE=registry.example.com/leap-mock scripts/build-image.sh
#
# Env: IMAGE (image name, default leap-mock), ENGINE (podman|docker, default: whichever works),
# CARGO_TARGET_DIR (reused, never cleaned). Installs the musl target and musl-tools if missing,
# and podman (apt) if there is no working container engine.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/common.sh
. scripts/lib/common.sh

IMAGE=${IMAGE:-leap-mock}

step "static musl toolchain"
if ! rustup target list --installed | grep -qx "$MUSL_TARGET"; then
  rustup target add "$MUSL_TARGET"
fi
if ! command -v musl-gcc >/dev/null; then
  log "musl-gcc missing: installing musl-tools"
  apt_install musl-tools
fi

step "cargo build --release --target $MUSL_TARGET"
CC_x86_64_unknown_linux_musl=musl-gcc \
  cargo build --release --locked --target "$MUSL_TARGET" --bin leap-mock
binary="$TARGET_DIR/$MUSL_TARGET/release/leap-mock"
# Static means: no program interpreter and no shared libraries to load.
if readelf -l "$binary" | grep -q 'Requesting program interpreter' \
  || readelf -d "$binary" 2>/dev/null | grep -q '(NEEDED)'; then
  die "$binary is not statically linked"
fi
version=$("$binary" --version | awk '{print $2}')
[ -n "$version" ] || die "could not read the version from $binary --version"

# The named build context holds only the binary, so the engine does not read all of target/.
bin_ctx="$TARGET_DIR/image-bin"
mkdir -p "$bin_ctx"
cp -f "$binary" "$bin_ctx/leap-mock"

ensure_engine
step "$ENGINE build $IMAGE:$version"
revision=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
format_args=()
# podman writes OCI images by default, and the OCI format has no HEALTHCHECK field.
[ "$ENGINE" = podman ] && format_args=(--format docker)
"$ENGINE" build "${format_args[@]}" \
  --build-context "bin=$bin_ctx" \
  --build-arg "VERSION=$version" \
  --build-arg "REVISION=$revision" \
  -t "$IMAGE:$version" -t "$IMAGE:latest" \
  -f Dockerfile .

steps_done
binary_bytes=$(stat -c %s "$binary")
image_bytes=$("$ENGINE" image inspect --format '{{.Size}}' "$IMAGE:$version")
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB (%.1f MB)", b / 1048576, b / 1000000 }'; }
printf '\nimage  %s:%s (also :latest)  %s\n' "$IMAGE" "$version" "$(mib "$image_bytes")"
printf 'binary %s  %s, static\n' "$binary" "$(mib "$binary_bytes")"
