#!/bin/sh
# reload_cmd of haproxy.cfg: the master re-reads the config and starts new workers (the old
# ones finish their connections). Each reload adds a line to /opt/hello-lb/reloads, so they
# can be counted. The first render, before HAProxy starts, has nothing to reload.
set -eu
[ -s /run/hello-lb/haproxy.pid ] || exit 0
kill -USR2 "$(head -n 1 /run/hello-lb/haproxy.pid)"
echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $(grep -c '^    server ' /opt/hello-lb/haproxy.cfg) servers" >> /opt/hello-lb/reloads
