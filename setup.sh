#!/usr/bin/env bash
# Installs every Debian package mini's build and tests need, builds
# build/mini, and proves the runtime with a container made of Debian's
# busybox-static. Idempotent; run as root on Debian 12.
#   ./setup.sh              everything
#   ./setup.sh --deps-only  just the packages (used by ./test.sh)
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  build-essential cmake pkg-config
  libcurl4-openssl-dev libarchive-dev libssl-dev nlohmann-json3-dev libcli11-dev
  libgtest-dev libgmock-dev libseccomp-dev libmnl-dev libnftables-dev libisal-dev
  busybox-static util-linux iproute2 procps tar gzip xz-utils zstd bzip2 curl
  docker-registry skopeo openssl
  # The hostile layer corpus is written by python3; valgrind checks for
  # leaks; clang-14 and its libFuzzer runtime build the fuzz targets.
  python3 valgrind clang-14 libclang-rt-14-dev llvm-14
  # Rootless mini: id maps from /etc/subuid (newuidmap), user-mode networks,
  # the FUSE overlay for kernels that refuse overlayfs in a user namespace;
  # passwd's useradd makes the rootless tests' user.
  uidmap slirp4netns passt fuse-overlayfs passwd
)

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
  done
}

install_packages() {
  local missing
  missing=$(missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "setup.sh: these packages are missing and installing them needs root: $missing" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

build() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build -j"$(nproc)"
}

smoke_run() {
  local tmp
  tmp=$(mktemp -d /tmp/mini-smoke-XXXXXX)
  trap 'rm -rf "$tmp"' RETURN
  mkdir -p "$tmp/rootfs/bin" "$tmp/rootfs/etc"
  cp /bin/busybox "$tmp/rootfs/bin/busybox"
  chroot "$tmp/rootfs" /bin/busybox --install -s /bin
  echo 'root:x:0:0:root:/root:/bin/sh' > "$tmp/rootfs/etc/passwd"
  tar -C "$tmp/rootfs" -cf "$tmp/rootfs.tar" .
  build/mini --root "$tmp/store" import "$tmp/rootfs.tar" smoke:latest >/dev/null
  build/mini --root "$tmp/store" run --rm smoke sh -c 'echo "smoke run: hello from $(hostname), PID $$"'
}

install_packages
[ "${1:-}" = "--deps-only" ] && exit 0
build
if [ "$(id -u)" = 0 ]; then
  smoke_run
else
  echo "setup.sh: built build/mini; skipping the smoke run (containers need root)"
fi
