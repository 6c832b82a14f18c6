#!/usr/bin/env bash
# `npm run images`: the platform's images, built here.
#   stratos/cartridge-agent:latest   a generic base: Node.js and the cartridge agent, which
#                                    registers the member and runs its START_COMMAND (or
#                                    serves its declared ports) — cartridges build FROM it.
#   stratos/debian-cartridge:latest the same agent on Debian 12 with Java, ZooKeeper, HAProxy,
#                                    PostgreSQL, busybox and git (build-debian-base.sh): the
#                                    samples' generic cartridges on docker.
#   stratos/platform:latest         the platform itself (manager, controller, CLI) on Debian 12 with
#                                    PostgreSQL, Mosquitto and HAProxy: deploy/swarm/stack.yml's
#                                    one image. SKIP_DEBIAN=1 skips these two.
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
node deploy/images/stage.js "$context" agent
cp deploy/images/cartridge-agent/Dockerfile "$context/Dockerfile"
docker build -q --build-arg "BASE=$base" -t stratos/cartridge-agent:latest "$context" >/dev/null
echo "built stratos/cartridge-agent:latest on $base ($(docker image inspect stratos/cartridge-agent:latest --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"
if [ "${SKIP_DEBIAN:-}" != 1 ]; then
  # The platform itself, for deploy/swarm/stack.yml: the manager, the controller and the CLI, with
  # PostgreSQL, Mosquitto (dynamic security) and HAProxy from Debian beside them.
  bash deploy/images/build-debian-base.sh stratos/platform-base:12 postgresql,mosquitto,mosquitto-clients,haproxy,ca-certificates,procps
  platform_context="$(mktemp -d)"
  node deploy/images/stage.js "$platform_context/app" platform
  cp -r deploy/images/platform/Dockerfile deploy/images/platform/bin "$platform_context/"
  docker build -q --build-arg "BASE=stratos/platform-base:12" -t stratos/platform:latest "$platform_context" >/dev/null
  rm -rf "$platform_context"
  echo "built stratos/platform:latest ($(docker image inspect stratos/platform:latest --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"

  bash deploy/images/build-debian-base.sh stratos/debian-base:12
  docker build -q --build-arg "BASE=stratos/debian-base:12" -t stratos/debian-cartridge:latest "$context" >/dev/null
  echo "built stratos/debian-cartridge:latest ($(docker image inspect stratos/debian-cartridge:latest --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"
fi
