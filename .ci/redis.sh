#!/usr/bin/env sh
# A throwaway redis-server on loopback for the Redis-backend tests (tests/test_shared_limiter.py).
#
#   .ci/redis.sh            install redis-server if missing (apt-get), start it on 127.0.0.1 on a
#                           free port, print its URL (redis://127.0.0.1:PORT/0) on stdout; exit 1
#                           (with the reason on stderr) when it cannot be installed or started
#   .ci/redis.sh stop URL   shut that server down
#
# In .ci/run:
#   if HOSTAWAY_TEST_REDIS_URL="$(.ci/redis.sh)"; then export HOSTAWAY_TEST_REDIS_URL; fi
#   ... run the tests (without the variable, they start their own redis-server or skip) ...
#   [ -n "${HOSTAWAY_TEST_REDIS_URL:-}" ] && .ci/redis.sh stop "$HOSTAWAY_TEST_REDIS_URL"
set -eu

if [ "${1:-}" = "stop" ]; then
  redis-cli -u "${2:?usage: redis.sh stop URL}" shutdown nosave >/dev/null 2>&1 || true
  exit 0
fi

if ! command -v redis-server >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo -n"
  if command -v apt-get >/dev/null 2>&1; then
    echo "installing redis-server" >&2
    { $sudo apt-get install -y redis-server || { $sudo apt-get update && $sudo apt-get install -y redis-server; }; } >&2 \
      || echo "apt-get could not install redis-server" >&2
  fi
fi
if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server is not installed and could not be installed here" >&2
  exit 1
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/hostaway-redis.XXXXXX")"
attempt=0
while [ "$attempt" -lt 20 ]; do
  attempt=$((attempt + 1))
  port=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 ))
  redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save "" --appendonly no \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >&2 || continue
  tries=0
  while [ "$tries" -lt 50 ]; do
    if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
      echo "redis://127.0.0.1:$port/0"
      exit 0
    fi
    tries=$((tries + 1))
    sleep 0.1
  done
  # Not answering (most likely the port was taken): stop whatever started and try another port.
  [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
done
echo "redis-server did not start; see $dir/redis.log" >&2
exit 1
