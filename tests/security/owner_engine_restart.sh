#!/bin/bash
# Issue 25, "the engine restarted while the owner is dead", on a private engine: a dockerd of its own
# (socket, data root, exec root with its own containerd, no bridge, under a temporary folder), so the
# shared engine is never stopped. Needs root and dockerd; the sandbox image is copied in from the
# default engine.
#   A: the owner (agentrun run) is killed during a run; then the engine restarts.
#   B: the engine stops during a run; the owner is killed while it is down; the engine starts again.
# After each: no container of that owner runs; then one `agentrun run` removes them all.
# Usage: owner_engine_restart.sh AGENTRUN_CLI [runc|runsc]
set -u
CLI=$1
RUNTIME=${2:-runc}
IMAGE=${AGENTRUN_IMAGE:-agentrun-sandbox:latest}
command -v dockerd >/dev/null || { echo "FAIL: dockerd is not installed"; exit 1; }
[[ $(id -u) == 0 ]] || { echo "FAIL: a private engine needs root"; exit 1; }
if [[ $RUNTIME == runsc ]] && ! command -v runsc >/dev/null; then
    echo "SKIP: runsc is not installed"; exit 0
fi

DIR=$(mktemp -d /tmp/agentrun-owner-engine.XXXXXX)
SOCK=$DIR/docker.sock
failed=0
fail() { echo "FAIL: $*"; failed=1; }
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.3f\n", a - b }'; }
private() { DOCKER_HOST=unix://$SOCK docker "$@"; }
running() { private ps -q --filter "label=org.agentrun.owner-pid=$1" | wc -l; }
existing() { private ps -aq --filter "label=org.agentrun.owner-pid=$1" | wc -l; }

printf '#!/bin/sh\nexec %s --network=none "$@"\n' "$(command -v runsc || echo runsc)" >"$DIR/runsc-network-none"
chmod +x "$DIR/runsc-network-none"
echo '{}' >"$DIR/daemon.json"
start_engine() {
    setsid dockerd --config-file "$DIR/daemon.json" --host "unix://$SOCK" --data-root "$DIR/data" \
        --exec-root "$DIR/exec" --pidfile "$DIR/docker.pid" --bridge=none --iptables=false --ip6tables=false \
        --add-runtime "runsc=$DIR/runsc-network-none" >>"$DIR/dockerd.log" 2>&1 &
    for _ in $(seq 300); do private info >/dev/null 2>&1 && return 0; sleep 0.2; done
    echo "FAIL: the private engine did not start"; tail -20 "$DIR/dockerd.log"; return 1
}
stop_engine() {
    local pid
    pid=$(cat "$DIR/docker.pid" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
}
cleanup() {
    private ps -aq | xargs -r env DOCKER_HOST="unix://$SOCK" docker rm -f >/dev/null 2>&1
    stop_engine
    rm -rf "$DIR"
}
trap cleanup EXIT

start_engine || exit 1
docker save "$IMAGE" | private load -q >/dev/null || { echo "FAIL: cannot copy $IMAGE into the private engine"; exit 1; }

export DOCKER_HOST=unix://$SOCK AGENTRUN_IMAGE=$IMAGE XDG_DATA_HOME=$DIR/xdg
printf 'import time\nprint("started", flush=True)\ntime.sleep(40)\n' >"$DIR/sleep.py"
start_run() { # starts a 30 s run of sleep.py; sets OWNER once the program runs
    "$CLI" run --timeout 30 --no-check --no-history --runtime "$RUNTIME" "$DIR/sleep.py" >"$DIR/$1.out" 2>&1 &
    OWNER=$!
    for _ in $(seq 600); do grep -q started "$DIR/$1.out" && return 0; sleep 0.1; done
    echo "FAIL: the run never started"; cat "$DIR/$1.out"; return 1
}

echo "== A ($RUNTIME): owner killed during a run, then the engine restarted"
start_run a || exit 1
A=$OWNER
kill -KILL "$A"; t=$(now); wait "$A" 2>/dev/null
for _ in $(seq 100); do [[ $(running "$A") == 0 ]] && break; sleep 0.1; done
[[ $(running "$A") == 0 ]] || fail "A: a container of the killed owner still runs 10 s after the kill"
echo "OWNER A: stopped $(since "$t") s after the owner's SIGKILL"
stop_engine; start_engine || exit 1
[[ $(running "$A") == 0 ]] || fail "A: a container of the dead owner runs again after the engine's restart"

echo "== B ($RUNTIME): engine stopped during a run, owner killed while it is down, engine started again"
start_run b || exit 1
B=$OWNER
init=$(private inspect -f '{{.State.Pid}}' "$(private ps -q --filter "label=org.agentrun.owner-pid=$B")")
t=$(now); stop_engine
echo "OWNER B: engine gone $(since "$t") s after its SIGTERM"
kill -KILL "$B" 2>/dev/null; wait "$B" 2>/dev/null
kill -0 "$init" 2>/dev/null && fail "B: the container's init (host pid $init) outlived the engine"
start_engine || exit 1
[[ $(running "$B") == 0 ]] || fail "B: a container of the dead owner runs after the engine's restart"

echo "== the next start removes what is left"
out=$("$CLI" run --no-history --runtime "$RUNTIME" - <<<'print("next")' 2>&1)
[[ $out == next ]] || fail "the next run printed: $out"
[[ $(existing "$A") == 0 && $(existing "$B") == 0 ]] || fail "containers of the dead owners are left"

if [[ $failed == 0 ]]; then
    echo "owner engine restart ($RUNTIME): 1 passed, 0 failed"
else
    echo "owner engine restart ($RUNTIME): 0 passed, 1 failed"
fi
exit $failed
