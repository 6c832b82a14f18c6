#!/bin/sh
# The member's workload: ZooKeeper in the foreground, with the config the agent rendered
# (/opt/zookeeper/conf/zoo.cfg, QingCloud's template unchanged) and its data on the member's
# volume (/zk_data). A local member shares the host's network with its peers, on an address of
# its own (MEMBER_IP): the one documented extra line, clientPortAddress, keeps its client port
# there (a docker member has the whole container address and needs none). A restart asked for
# by restart-server.sh (the template's reload_cmd) starts it again; if it ends by itself, so
# does this script, and the agent reports the member lost.
run=/run/zookeeper
mkdir -p "$run/log" /zk_data/zookeeper
export ZOO_LOG_DIR="$run/log" ZOO_LOG4J_PROP=INFO,CONSOLE
while :; do
  rm -f "$run/restart"
  config=/opt/zookeeper/conf/zoo.cfg
  if [ -n "${MEMBER_IP:-}" ]; then
    { cat /opt/zookeeper/conf/zoo.cfg; echo "clientPortAddress=$MEMBER_IP"; } > "$run/zoo.cfg"
    config="$run/zoo.cfg"
  fi
  /usr/share/zookeeper/bin/zkServer.sh start-foreground "$config" &
  echo $! > "$run/pid"
  trap 'kill -TERM $(cat $run/pid) 2>/dev/null; exit 0' TERM INT
  wait $!
  [ -f "$run/restart" ] || exit 1
done
