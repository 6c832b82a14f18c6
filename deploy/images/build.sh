#!/usr/bin/env bash
# `npm run images`: the platform's images, built here.
#   stratos/cartridge-agent:latest   a generic base: Node.js and the cartridge agent, which
#                                    registers the member and runs its START_COMMAND (or
#                                    serves its declared ports) — cartridges build FROM it.
#   stratos/debian-cartridge:latest the same agent on Debian 12 with Java, ZooKeeper, HAProxy,
#                                    PostgreSQL, busybox and git (build-debian-base.sh): the
#                                    samples' generic cartridges on docker. SKIP_DEBIAN=1 skips it.
# BASE picks the Node.js image it starts from (default: stratos/node-base, made from this
# machine's Node.js by build-node-base.sh; elsewhere node:20-slim does).
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOCKER_BUILDKIT=0
docker info >/dev/null 2>&1 || { echo "no Docker engine answers (docker info)" >&2; exit 1; }
base="${BASE:-}"
if [ -z "$base" ]; then
  base="stratos/node-base:$(node -p 'process.versions.node.split(".")[0]')"
  bash deploy/images/build-node-base.sh "$base"
fi
[ -f dist/apps/cartridge-agent/src/main.js ] || npm run -s build
context="$(mktemp -d)"
trap 'rm -rf "$context"' EXIT
node deploy/images/stage-agent.js "$context"
cp deploy/images/cartridge-agent/Dockerfile "$context/Dockerfile"
docker build -q --build-arg "BASE=$base" -t stratos/cartridge-agent:latest "$context" >/dev/null
echo "built stratos/cartridge-agent:latest on $base ($(docker image inspect stratos/cartridge-agent:latest --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"
if [ "${SKIP_DEBIAN:-}" != 1 ]; then
  bash deploy/images/build-debian-base.sh stratos/debian-base:12
  docker build -q --build-arg "BASE=stratos/debian-base:12" -t stratos/debian-cartridge:latest "$context" >/dev/null
  echo "built stratos/debian-cartridge:latest ($(docker image inspect stratos/debian-cartridge:latest --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"
fi
