#!/bin/sh
# The member's workload: ZooKeeper in the foreground, with the config the agent rendered
# (/opt/zookeeper/conf/zoo.cfg) and its data on the member's volume (/zk_data). A restart
# asked for by restart-server.sh (the template's reload_cmd) starts it again; if it ends by
# itself, so does this script, and the agent reports the member lost.
run=/run/zookeeper
mkdir -p "$run" /var/log/zookeeper /zk_data/zookeeper
export ZOO_LOG_DIR=/var/log/zookeeper ZOO_LOG4J_PROP=INFO,CONSOLE
while :; do
  rm -f "$run/restart"
  /usr/share/zookeeper/bin/zkServer.sh start-foreground /opt/zookeeper/conf/zoo.cfg &
  echo $! > "$run/pid"
  trap 'kill -TERM $(cat "$run/pid") 2>/dev/null; exit 0' TERM INT
  wait $!
  [ -f "$run/restart" ] || exit 1
done
