#!/bin/sh
# The member's workload: HAProxy in master-worker mode, in the foreground, with the config the
# agent rendered. reload-haproxy.sh (the template's reload_cmd) makes the master reload it.
set -eu
mkdir -p /run/tenant-lb
exec haproxy -W -db -f /opt/tenant-lb/haproxy.cfg
