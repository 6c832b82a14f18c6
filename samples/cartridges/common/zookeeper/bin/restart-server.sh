#!/bin/sh
# reload_cmd of zoo.cfg: restart ZooKeeper with the new ensemble (start-zookeeper.sh starts it
# again). Before ZooKeeper first starts there is nothing to restart.
run=/run/zookeeper
[ -f "$run/pid" ] || exit 0
touch "$run/restart"
kill -TERM "$(cat "$run/pid")" 2>/dev/null || true
