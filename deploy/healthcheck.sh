#!/usr/bin/env bash
# The image's health check: GET /healthz of the distill service in this container, on DISTILL_HTTP_PORT, or, when
# that is 0 (any free port, as replicas sharing one network namespace use), on the port the service (PID 1)
# listens on.
set -euo pipefail

port="${DISTILL_HTTP_PORT:-0}"
if [[ "$port" == 0 ]]; then
  declare -A mine=()
  # One process lists all of PID 1's sockets: a readlink per descriptor (a JVM with Kafka clients holds over 100)
  # forked that many times and overran the check's 3 s timeout on a busy host.
  while read -r link; do
    [[ "$link" =~ ^socket:\[([0-9]+)\]$ ]] && mine[${BASH_REMATCH[1]}]=1
  done < <(find /proc/1/fd -lname 'socket:*' -printf '%l\n' 2>/dev/null)
  port=""
  # /proc/net/tcp{,6}: local address as HEX_IP:HEX_PORT in field 2, state 0A is LISTEN, the inode in field 10.
  while read -r _ local _ state _ _ _ _ _ inode _; do
    if [[ "$state" == 0A && -n "${mine[$inode]:-}" ]]; then
      port=$((16#${local##*:}))
      break
    fi
  done < <(cat /proc/1/net/tcp /proc/1/net/tcp6 2>/dev/null)
  [[ -n "$port" ]] || { echo "the service listens on no TCP port yet"; exit 1; }
fi
exec curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:${port}/healthz"
