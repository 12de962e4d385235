# mcp-github-gateway: the image `fly deploy` builds, and the one to run on any other container host.
#
#   docker build -t mcp-github-gateway .
#   docker run -p 8080:8080 -v gateway-data:/data -e PUBLIC_URL=https://YOUR-HOST \
#     -e GITHUB_CLIENT_ID=… -e GITHUB_CLIENT_SECRET=… -e SECRET_KEY=… mcp-github-gateway
#
# server/tests/deploy.rs checks this file against fly.toml and the server's configuration: the port,
# the health path, the variables, the user, and that everything the build reads is copied in.

# The toolchain the project is built and tested with (at least the workspace's rust-version).
ARG RUST_VERSION=1.95
# Build and runtime use the same Debian release, so the binary runs on the glibc it was linked with.
ARG DEBIAN_RELEASE=bookworm

# ---- build -----------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS build
WORKDIR /src

# Dependencies first, in a layer of their own: it is rebuilt only when a manifest or Cargo.lock
# changes, not on every source edit. Cargo loads the whole workspace, so every member's manifest
# is copied (the server depends on github-emulator), with stub sources in place of the real ones.
# The benchmark tool (bench/) is never built here; it is copied only so cargo can load the workspace.
# For three small crates this plain layering does what cargo-chef would, without another tool.
COPY Cargo.toml Cargo.lock ./
COPY server/Cargo.toml server/
COPY github-emulator/Cargo.toml github-emulator/
COPY bench/Cargo.toml bench/
RUN mkdir -p server/src github-emulator/src bench/src \
 && echo 'fn main() {}' > server/src/main.rs \
 && echo 'fn main() {}' > github-emulator/src/main.rs \
 && echo 'fn main() {}' > bench/src/main.rs \
 && touch server/src/lib.rs github-emulator/src/lib.rs \
 && cargo build --release --locked -p mcp-github-gateway \
 && rm -rf server/src github-emulator/src

# The real sources. The page templates are compiled in (include_str!), so they are copied too.
COPY server/src server/src
COPY server/templates server/templates
COPY github-emulator/src github-emulator/src
# The emulator checks requests against GitHub's REST description, compiled in from here.
COPY github-emulator/openapi/api.github.com.json github-emulator/openapi/api.github.com.json
COPY bench/src bench/src
# COPY keeps the files' old timestamps, which could make cargo take the stubs' output as up to date:
# touching the crate roots forces the rebuild, and `--version` proves the result is the real binary.
RUN touch server/src/main.rs server/src/lib.rs github-emulator/src/main.rs github-emulator/src/lib.rs bench/src/main.rs \
 && cargo build --release --locked -p mcp-github-gateway \
 && target/release/mcp-github-gateway --version

# ---- runtime ---------------------------------------------------------------------------------
# debian-slim rather than distroless: the HEALTHCHECK needs an HTTP client (the gateway has no
# self-probe command), and operators get a shell for `fly ssh console`. Two packages are added:
# - ca-certificates: the GitHub client (reqwest) and rediss:// use rustls with the system's root
#   store (rustls-platform-verifier, rustls-native-certs), not a bundled one;
# - busybox (under 1 MB, needs only libc): `busybox wget` is the probe; curl would add ~10 MB of
#   libraries.
# SQLite is compiled into the binary (rusqlite "bundled"), so no other library is needed.
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates busybox \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 gateway \
 && useradd --system --uid 10001 --gid gateway --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin gateway \
 && mkdir /data \
 && chown gateway:gateway /data

COPY --from=build /src/target/release/mcp-github-gateway /usr/local/bin/mcp-github-gateway

# Defaults for a container; fly.toml's [env] and `docker run -e` override them. State lives in
# /data: mount a volume there (Fly mounts it owned by this image's user; a new Docker named volume
# copies the directory's owner). Secrets are never baked in: pass them at run time.
ENV BIND_ADDR=0.0.0.0:8080 \
    STORAGE_URL=sqlite:///data/gateway.db
# From /, the server's built-in default (./data/gateway.db) is that same file, so a process started
# without STORAGE_URL (an admin command in a bare shell) still finds the database.
WORKDIR /

# A numeric, non-root user: Kubernetes' runAsNonRoot can verify it, and Fly mounts volumes for it.
USER 10001:10001
EXPOSE 8080
# On SIGTERM the gateway stops accepting connections and drains for SHUTDOWN_GRACE_SECS (default
# 10 s): give it longer than that before killing it (`docker stop -t 15`, Fly's kill_timeout).
STOPSIGNAL SIGTERM
# Liveness only (/readyz also needs storage). If you change BIND_ADDR's port, change it here too.
# Docker's --timeout bounds the probe (Debian's busybox 1.35 crashes on `wget -T`, so no -T here).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/mcp-github-gateway"]
