#!/bin/sh
# Start the simulator (bin/idcloudhost-sim) on a free port, run a command against it, stop it.
# usage: with-sim.sh SIM_LUA [--client-env] -- command...
# The command sees IDCLOUDHOST_SIM_URL; with --client-env also IDCLOUDHOST_BASE_URL and
# IDCLOUDHOST_API_KEY (the key the simulator prints), so an unmodified script talks to it.
# The simulator's other settings come from the environment (SIM_EDITION, SIM_LATENCY, ...).
sim_lua=$1; shift
client_env=
[ "$1" = "--client-env" ] && { client_env=1; shift; }
[ "$1" = "--" ] && shift
log=$(mktemp)
"$sim_lua" bin/idcloudhost-sim --port 0 --apikeys "${APIKEYS:-demo-key,other-key}" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT INT TERM
i=0
until port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log") && [ -n "$port" ]; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 $pid 2>/dev/null; then cat "$log"; echo "simulator did not start"; exit 1; fi
  sleep 0.1
done
export IDCLOUDHOST_SIM_URL="http://127.0.0.1:$port"
if [ -n "$client_env" ]; then
  export IDCLOUDHOST_BASE_URL="$IDCLOUDHOST_SIM_URL"
  IDCLOUDHOST_API_KEY=$(sed -n 's/^apikey: //p' "$log")
  export IDCLOUDHOST_API_KEY
fi
"$@"
