#!/usr/bin/env bash
# Builds stratos/node-base:<node major> from this machine's own Node.js: no registry needed.
# A root file system with the host's `node`, the libraries `ldd` names, the loader and
# busybox (sh, ls, …), imported with `docker import`. Elsewhere, use node:20-slim instead.
set -euo pipefail
tag="${1:-stratos/node-base:$(node -p 'process.versions.node.split(".")[0]')}"
if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag exists"; exit 0; fi
busybox="$(command -v busybox || true)"
[ -n "$busybox" ] || { echo "busybox is needed (apt-get install -y busybox-static)" >&2; exit 1; }
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
node="$(readlink -f "$(command -v node)")"
mkdir -p "$root/usr/local/bin" "$root/bin" "$root/tmp" "$root/etc" "$root/app"
chmod 1777 "$root/tmp"
cp "$node" "$root/usr/local/bin/node"
for lib in $(ldd "$node" | grep -oE '/[^ ]+' | sort -u); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp "$busybox" "$root/bin/busybox"
for applet in sh ls cat echo env sleep ps kill mkdir rm cp mv grep sed wget nc hostname id; do ln -s busybox "$root/bin/$applet"; done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
echo 'hosts: files dns' > "$root/etc/nsswitch.conf"
tar -C "$root" -c . | docker import --change 'ENV PATH=/usr/local/bin:/bin' --change 'WORKDIR /app' - "$tag" >/dev/null
echo "built $tag ($(docker image inspect "$tag" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"
