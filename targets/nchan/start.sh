#!/bin/sh
# Starts nginx with Nchan in the foreground for pushbench: $1 is the port pushbench picked,
# $2 a fresh folder for nginx's files (its config, pid file and temp folders). exec keeps the
# pid: pushbench stops nginx by signalling this process group.
set -eu
port=$1
dir=$2
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
sed -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" -e "s|@MODULE@|$module|g" "$here/nginx.conf" > "$dir/nginx.conf"
# -e stderr: nginx writes to its compiled-in error log before it reads the config; not here.
exec "$nginx" -e stderr -p "$dir" -c "$dir/nginx.conf"
