#!/usr/bin/env bash
# Builds stratos/debian-base:12: a real Debian 12 root made by debootstrap from Debian's own
# packages (the mirror apt already uses here), with what the samples' generic cartridges run —
# Java and ZooKeeper, HAProxy, PostgreSQL, busybox, git — and this machine's Node.js for the
# agent; imported with `docker import` (no registry needed). Members install nothing at boot:
# what they run is in the image or in their cartridge's bundle.
set -euo pipefail
# A second argument names other packages (comma-separated): build.sh makes the platform's own
# base (PostgreSQL, Mosquitto, HAProxy: what deploy/swarm/stack.yml runs) this way too.
tag="${1:-stratos/debian-base:12}"
if docker image inspect "$tag" >/dev/null 2>&1; then echo "$tag exists"; exit 0; fi
packages="${2:-zookeeper,haproxy,postgresql,busybox,git,ca-certificates,procps}"
command -v debootstrap >/dev/null 2>&1 || { echo "debootstrap is needed (apt-get install -y debootstrap)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "debootstrap needs root" >&2; exit 1; }
mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"
[ -n "$mirror" ] || mirror="$(sed -n 's/^deb \(http[^ ]*\) .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)"
mirror="${mirror:-http://deb.debian.org/debian}"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
echo "debootstrap bookworm from $mirror with $packages (a few minutes)"
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
rm -f "$root.log"
cp "$(readlink -f "$(command -v node)")" "$root/usr/local/bin/node"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/tmp/*
tar -C "$root" -c . | docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'WORKDIR /' - "$tag" >/dev/null
echo "built $tag ($(docker image inspect "$tag" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"
