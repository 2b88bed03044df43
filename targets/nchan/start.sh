#!/bin/sh
# Starts nginx with Nchan in the foreground for pushbench: $1 is the port pushbench picked,
# $2 a fresh folder for nginx's files (its config, pid file and temp folders), $3 the wire
# (http, https or h2; default http), $4 and $5 the certificate and key pushbench made for a TLS
# wire. exec keeps the pid: pushbench stops nginx by signalling this process group.
# NCHAN_WORKERS=N (1 to 64, default 1) runs N nginx workers on one port (listen ... reuseport: the
# kernel deals connections out evenly), each under its own 16,384-connection and 20,000-file caps,
# Nchan's channels shared between them: how Nchan holds past one worker's cap (docs/targets.md).
set -eu
port=$1
dir=$2
wire=${3:-http}
cert=${4:-}
key=${5:-}
# TLS 1.3 only and session tickets on, as pushbench's own server; no compression anywhere.
tls="ssl_certificate $cert; ssl_certificate_key $key; ssl_protocols TLSv1.3; ssl_session_tickets on;"
case "$wire" in
  http) listen=""; tls="" ;;
  https) listen=" ssl" ;;
  h2) listen=" ssl http2" ;;
  *) echo "start.sh: wire $wire is not served by this target; it serves http, https, h2" >&2; exit 2 ;;
esac
workers=${NCHAN_WORKERS:-1}
case "$workers" in
  ''|*[!0-9]*) echo "start.sh: NCHAN_WORKERS must be a whole number of workers from 1 to 64; received '$workers'" >&2; exit 2 ;;
esac
if [ "$workers" -lt 1 ] || [ "$workers" -gt 64 ]; then
  echo "start.sh: NCHAN_WORKERS must be a whole number of workers from 1 to 64; received '$workers'" >&2
  exit 2
fi
reuseport=""
[ "$workers" -gt 1 ] && reuseport=" reuseport"
here=$(cd "$(dirname "$0")" && pwd)
module=${NCHAN_MODULE:-/usr/share/nginx/modules/ngx_nchan_module.so}
nginx=$(command -v nginx || echo /usr/sbin/nginx)
if [ ! -x "$nginx" ]; then
  echo "nginx not found: install it with apt-get install nginx libnginx-mod-nchan" >&2
  exit 127
fi
if [ ! -f "$module" ]; then
  echo "the Nchan module $module is missing: install it with apt-get install libnginx-mod-nchan (or set NCHAN_MODULE)" >&2
  exit 127
fi
mkdir -p "$dir/tmp"
sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" -e "s|@MODULE@|$module|g" -e "s|@LISTEN@|$listen$reuseport|g" -e "s|@TLS@|$tls|g" -e "s|@WORKERS@|$workers|g" "$here/nginx.conf" > "$dir/nginx.conf"
# -e stderr: nginx writes to its compiled-in error log before it reads the config; not here.
exec "$nginx" -e stderr -p "$dir" -c "$dir/nginx.conf"
