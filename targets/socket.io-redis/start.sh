#!/bin/sh
# Redis as the deployment has it, started with the servers and stopped with them: its own folder
# ({dir}), a Unix socket there instead of a TCP port (no port to collide with), no persistence.
# Then the two Socket.IO workers (cluster.mjs). This shell stays in the foreground, so Redis,
# the cluster's primary and its workers are all in the pid tree pushbench samples (CPU, RSS).
# Usage: start.sh PORT DIR PING_INTERVAL_MS
set -eu
port=$1 dir=$2 ping=$3
here=$(dirname "$0")
redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 --dir "$dir" --save '' --appendonly no --daemonize no --loglevel warning &
redis=$!
# The workers connect at once: wait for the socket.
i=0
while [ ! -S "$dir/redis.sock" ]; do
  i=$((i + 1))
  if [ "$i" -gt 100 ]; then echo "redis-server did not open $dir/redis.sock" >&2; kill "$redis"; exit 1; fi
  sleep 0.05
done
node "$here/cluster.mjs" "$port" "$dir/redis.sock" "$ping" &
node=$!
trap 'kill "$node" "$redis" 2>/dev/null; wait' TERM INT
wait "$node"
