# leap-mock container image: one static (musl) binary on an empty base, about 10 MB.
#
# Full build, where a registry is reachable (builds the binary in the `builder` stage):
#   docker build -t leap-mock .
#
# Offline build from a binary cargo already built (what scripts/build-image.sh and CI do). The
# named build context `bin` replaces the stage of the same name, so the builder stage is skipped
# and no base image is pulled:
#   cargo build --release --locked --target x86_64-unknown-linux-musl
#   podman build --format docker \
#     --build-context bin=target/x86_64-unknown-linux-musl/release -t leap-mock .
# (`--format docker` keeps HEALTHCHECK, which the OCI image format cannot store.) No `# syntax=`
# line on purpose: it makes BuildKit pull a frontend image, which fails offline; the built-in
# frontend of Docker 23+ handles RUN --mount and named contexts.

ARG RUST_VERSION=1.95

# --- Sources the builder compiles. A separate stage so CI can export exactly this set
# (`--target source --output type=local,...`) and check that it compiles without the builder.
FROM scratch AS source
COPY Cargo.toml Cargo.lock /
COPY src /src
COPY config /config
COPY templates /templates
COPY static /static

# --- Static musl build, with dependencies in their own cached layer.
FROM docker.io/library/rust:${RUST_VERSION}-slim-bookworm AS builder
# musl-tools gives musl-gcc for the crates that compile C (ring). DL3008 (pin apt package
# versions) is ignored on purpose: the rust image's Debian release already fixes the package set,
# and exact Debian version pins break the build whenever Debian publishes a security update.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends musl-tools \
    && rm -rf /var/lib/apt/lists/* \
    && rustup target add x86_64-unknown-linux-musl
ENV CC_x86_64_unknown_linux_musl=musl-gcc \
    CARGO_TERM_COLOR=never
WORKDIR /build
# Dependencies only: stub targets let cargo compile every dependency into a layer that is reused
# until Cargo.toml or Cargo.lock change. The registry is a cache mount shared by both builds.
COPY Cargo.toml Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    mkdir -p src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked --target x86_64-unknown-linux-musl \
    && rm -rf src
COPY --from=source / ./
# touch: the stubs were built after the sources' copied mtimes, so make cargo see them as newer.
RUN --mount=type=cache,target=/usr/local/cargo/registry,sharing=locked \
    touch src/main.rs src/lib.rs \
    && cargo build --release --locked --target x86_64-unknown-linux-musl \
    && install -D -m 0755 target/x86_64-unknown-linux-musl/release/leap-mock /out/leap-mock

# --- The binary the runtime stage copies. Replaced by `--build-context bin=<dir>` in offline builds.
FROM scratch AS bin
COPY --from=builder /out/leap-mock /leap-mock

# --- Runtime: nothing but the binary (settings defaults and the scenario catalogue are embedded in
# it; config/ is copied alongside only as a reference for users writing their own files).
# No CA certificates: the HTTP client (reqwest with rustls-tls) carries Mozilla's root
# certificates inside the binary, so https:// webhook receivers work without a system CA store.
# If the client ever switches to the system store (e.g. reqwest 0.13's `rustls` feature), copy
# /etc/ssl/certs/ca-certificates.crt from the builder stage here.
FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="leap-mock" \
      org.opencontainers.image.description="A local, offline mock of Leap's staging environment: Connect pages, REST APIs and webhooks" \
      org.opencontainers.image.source="https://github.com/leap-mock/leap-mock" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=bin /leap-mock /usr/local/bin/leap-mock
COPY config/ /usr/share/leap-mock/config/
# Any non-root numeric user works (the image has no /etc/passwd); 65532 is the usual "nonroot".
USER 65532:65532
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/usr/local/bin/leap-mock", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/leap-mock"]
CMD ["serve"]
