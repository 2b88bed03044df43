#!/bin/bash
# Django Channels as deployed, started with the run and stopped with it, all in the run's own
# folder ({dir}): Redis (a Unix socket there instead of a TCP port, no persistence), two daphne
# processes of targets/django-channels' app with the Redis channel layer (each on a Unix socket
# there), and nginx on the port pushbench picked, round-robin to both daphnes, every publish to
# the first. This shell stays in the foreground, so Redis, both daphnes and nginx are all in the
# pid tree pushbench samples (CPU, RSS). When any of them exits, the others are stopped and this
# shell exits 1: no silent half-deployment is measured.
# Usage: start.sh PORT DIR
set -eu
port=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)
app=$(cd "$here/../django-channels" && pwd)
pids=()
stop() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap 'stop; exit 0' TERM INT

# Waits until $1 is a socket, or fails naming what did not open it.
await_socket() {
  local i=0
  while [ ! -S "$1" ]; do
    i=$((i + 1))
    if [ "$i" -gt 600 ]; then echo "start.sh: $2 did not open $1 within 30 s" >&2; stop; exit 1; fi
    for pid in "${pids[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then echo "start.sh: $2 exited before opening $1" >&2; stop; exit 1; fi
    done
    sleep 0.05
  done
}

redis-server --port 0 --unixsocket "$dir/redis.sock" --unixsocketperm 700 --dir "$dir" --save '' --appendonly no \
  --daemonize no --loglevel warning &
pids+=($!)
await_socket "$dir/redis.sock" redis-server

export PYTHONPATH="$here:$app${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1
export DJANGO_SETTINGS_MODULE=pushbench_channels_redis.settings PUSHBENCH_REDIS_SOCKET="$dir/redis.sock"
for i in 0 1; do
  /usr/bin/python3 -m daphne -v 0 -u "$dir/daphne-$i.sock" pushbench_channels.asgi:application &
  pids+=($!)
done
await_socket "$dir/daphne-0.sock" "daphne 0"
await_socket "$dir/daphne-1.sock" "daphne 1"

nginx=$(command -v nginx || echo /usr/sbin/nginx)
mkdir -p "$dir/tmp"
user_line=""
if [ "$(id -u)" = 0 ]; then user_line="user root;"; fi
sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" -e "s|@USER@|$user_line|g" "$here/nginx.conf" > "$dir/nginx.conf"
"$nginx" -e stderr -p "$dir" -c "$dir/nginx.conf" &
pids+=($!)

# The first to exit (a crash) takes the deployment with it.
set +e
wait -n "${pids[@]}"
code=$?
echo "start.sh: a process of the deployment exited (code $code); stopping the others" >&2
stop
exit 1
