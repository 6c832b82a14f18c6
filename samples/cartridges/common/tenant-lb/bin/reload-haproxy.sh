#!/bin/sh
# reload_cmd of haproxy.cfg: the master re-reads the config (a tenant's domain came or went, a
# web member came or went) and starts new workers; the old ones finish their connections. The
# first render, before HAProxy starts, has nothing to reload.
set -eu
[ -s /run/tenant-lb/haproxy.pid ] || exit 0
kill -USR2 "$(head -n 1 /run/tenant-lb/haproxy.pid)"
