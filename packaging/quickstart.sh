#!/usr/bin/env bash
# AgentRun Workbench: one-command set-up (see docs/setup.md).
#
#   ./packaging/quickstart.sh          install what is missing, build the two programs, start the engine,
#                                      build the sandbox image, then open the workbench (no display: run
#                                      the CLI demo)
#   ./packaging/quickstart.sh test     the same set-up (building everything: tests, fuzzers, benches), then
#                                      the whole test suite (ctest, gVisor, ASan, fuzzers, the fresh-root check)
#
# Idempotent: every step checks first and says what it skipped. Knobs (environment):
#   QUICKSTART_STEPS="packages build engine image run"   run only these steps (default: all, in this order)
#   QUICKSTART_BASE=REF           base image for the sandbox (default: python:3.11-slim when present,
#                                 else the offline debootstrap base agentrun-base:bookworm)
#   QUICKSTART_NO_PULL=1          never try to pull the default base (test mode never pulls anyway)
#   QUICKSTART_FORCE_IMAGE=1      rebuild the sandbox image even when its hash label matches
#   QUICKSTART_DATASCIENCE=0      test mode: do not build agentrun-sandbox:datascience (engine.figures skips)
#   QUICKSTART_DOCKERD_ARGS="…"   extra arguments for a dockerd that quickstart starts itself
#   QUICKSTART_CTEST_ARGS="…"     extra arguments for ctest in test mode (e.g. "-L unit")
#   QUICKSTART_PRESET=NAME        CMake preset to build and test (default ci; e.g. headless, dev, asan)
#   QUICKSTART_ASAN=0             test mode: skip the unit and engine suites under ASan/UBSan (build/asan)
#   QUICKSTART_FRESH_ROOT=0       test mode: skip the fresh-root check (packaging/fresh-root-check.sh: the
#                                 package list installed into an empty Debian root, configure + compile there)
#   QUICKSTART_FRESH_ROOT_CACHE=DIR  where that check caches its root (default
#                                 ${XDG_CACHE_HOME:-$HOME/.cache}/agentrun/fresh-root; about 2 GB)
#   ./packaging/quickstart.sh --print-packages   print the Debian packages the set-up installs
set -euo pipefail

MSG_PREFIX=quickstart
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# shellcheck source=SCRIPTDIR/lib/packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/packages.sh"

# ---- configuration ----------------------------------------------------------------------------------
# The package list lives in packaging/lib/packages.sh (the fresh-root check reads the same list).
PACKAGES=("${AGENTRUN_PACKAGES[@]}")
PRESET=${QUICKSTART_PRESET:-ci}
SANDBOX_IMAGE=agentrun-sandbox:latest
DEFAULT_BASE=python:3.11-slim
OFFLINE_BASE=agentrun-base:bookworm
DATASCIENCE_IMAGE=agentrun-sandbox:datascience
PROXY_IMAGE=${AGENTRUN_PROXY_IMAGE:-agentrun-proxy:bookworm}
# Without the data-science image the tests that need it (engine.figures) skip, saying why.
if [[ ${QUICKSTART_DATASCIENCE:-1} == 0 ]]; then export AGENTRUN_NO_DATASCIENCE=1; fi
HASH_LABEL=org.agentrun.image-hash
ALL_STEPS=(packages build engine image run)

usage() {
    # The comment block at the top, whole (it stopped one line short of QUICKSTART_ASAN).
    sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
}

mode=run
case ${1:-} in
    "") ;;
    test) mode="test" ;;
    -h | --help | help)
        usage
        exit 0
        ;;
    --print-packages)
        agentrun_wanted_packages
        exit 0
        ;;
    *)
        usage >&2
        msg "error: unknown argument '$1': use no argument or 'test'" >&2
        exit 2
        ;;
esac
if [[ $# -gt 1 ]]; then
    msg "error: too many arguments: use no argument or 'test'" >&2
    exit 2
fi

ROOT=$(agentrun_repo_root)
cd "$ROOT"
BUILD_DIR=$ROOT/build/$PRESET
SANDBOX_DIR=$ROOT/packaging/sandbox
AGENT_DIR=$ROOT/resources/agent

read -r -a STEPS <<<"${QUICKSTART_STEPS:-${ALL_STEPS[*]}}"
for s in "${STEPS[@]}"; do
    [[ " ${ALL_STEPS[*]} " == *" $s "* ]] || die "QUICKSTART_STEPS: unknown step '$s' (known: ${ALL_STEPS[*]})"
done
want() { [[ " ${STEPS[*]} " == *" $1 "* ]]; }

# ---- timing and failure reporting -------------------------------------------------------------------
ARGS_TEXT="$0${1:+ $1}"
T_START=$(now_s)
declare -A T_STEP=()
CURRENT_STEP=""
STEP_T0=0
step_label() { if [[ $1 == run && $mode == test ]]; then echo tests; else echo "$1"; fi; }
# "Ns (packages Ns, build Ns, ...)" for the steps that ran.
timing_line() {
    local out="" s
    for s in "${ALL_STEPS[@]}"; do
        [[ -n ${T_STEP[$s]:-} ]] && out+="${out:+, }$(step_label "$s") ${T_STEP[$s]}s"
    done
    printf '%ss%s' "$(($(now_s) - T_START))" "${out:+ ($out)}"
}
step_done() {
    T_STEP[$CURRENT_STEP]=$(($(now_s) - STEP_T0))
    CURRENT_STEP=""
}
on_exit() {
    local rc=$?
    stop_fresh_root_check
    if [[ $rc -ne 0 && -n $CURRENT_STEP ]]; then
        printf '%s: FAILED in step "%s" (exit %s) after %s\n' "$MSG_PREFIX" "$(step_label "$CURRENT_STEP")" \
            "$rc" "$(timing_line)" >&2
        printf '%s: fix the cause above, then rerun %s: finished steps are skipped\n' "$MSG_PREFIX" "$ARGS_TEXT" >&2
    fi
}
trap on_exit EXIT
run_step() {
    local name=$1
    if ! want "$name"; then
        msg "$(step_label "$name"): not in QUICKSTART_STEPS, skipped"
        return 0
    fi
    CURRENT_STEP=$name
    STEP_T0=$(now_s)
    "step_$name"
    step_done
}

# ---- step 1: packages -------------------------------------------------------------------------------
npm_works() { command -v npm >/dev/null 2>&1 && npm --version >/dev/null 2>&1; }

pkg_installed() {
    [[ $(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null) == ii* ]]
}

step_packages() {
    if [[ ! -f /etc/debian_version ]] || ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
        printf '%s: this system has no apt-get/dpkg (not Debian-based). Install these packages (or your\n' "$MSG_PREFIX" >&2
        printf '%s: distribution'\''s equivalents) yourself, then rerun with QUICKSTART_STEPS="build engine image run":\n' "$MSG_PREFIX" >&2
        printf '  %s\n' "${PACKAGES[*]}" >&2
        die "packages: not a Debian system, cannot install automatically"
    fi
    local missing=() p wanted=()
    # The list plus apparmor when the kernel has AppArmor enabled (packaging/lib/packages.sh says why).
    mapfile -t wanted < <(agentrun_wanted_packages)
    for p in "${wanted[@]}"; do
        if [[ ($p == npm || $p == nodejs) ]] && npm_works; then
            continue # a working npm on PATH (e.g. from another source) satisfies nodejs and npm
        fi
        pkg_installed "$p" || missing+=("$p")
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        msg "packages: all ${#wanted[@]} present, skipped"
        return 0
    fi
    msg "packages: installing ${#missing[@]} missing: ${missing[*]}"
    # In test mode keep the package's init script from starting a dockerd with default networking:
    # step "engine" starts one with the test options. Only when no policy is in place already.
    local policy=/usr/sbin/policy-rc.d added_policy=0
    if [[ $mode == test && " ${missing[*]} " == *" docker.io "* && ! -e $policy ]]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
        added_policy=1
    fi
    local rc=0
    {
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
            as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
    } || rc=$?
    [[ $added_policy -eq 1 ]] && as_root rm -f "$policy"
    [[ $rc -eq 0 ]] || die "packages: apt-get failed (exit $rc). Check that Debian's archive is reachable \
(apt-get update), that no other apt/dpkg is running, then rerun"
    msg "packages: installed ${missing[*]}"
}

# ---- step 2: build ----------------------------------------------------------------------------------
step_build() {
    command -v cmake >/dev/null 2>&1 || die "build: cmake is not installed: run the packages step first"
    local cache=$BUILD_DIR/CMakeCache.txt
    if [[ -f $cache ]]; then
        local home
        home=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$cache")
        if [[ -n $home && $(cd "$home" 2>/dev/null && pwd -P) != "$ROOT" ]]; then
            msg "build: $cache was made for another source tree ($home): configuring afresh"
            rm -rf "$cache" "$BUILD_DIR/CMakeFiles"
        fi
    fi
    if [[ -f $cache && -f $BUILD_DIR/build.ninja ]]; then
        msg "build: build/$PRESET already configured, configure skipped"
    else
        msg "build: cmake --preset $PRESET"
        cmake --preset "$PRESET" || die "build: configuring failed (see above). A missing library? Rerun the \
packages step. Stale cache? rm -rf build/$PRESET and rerun"
    fi
    # Test mode builds everything (tests, fuzz replays, benches, man pages). Normal mode builds only what
    # it opens: the CLI and, when the preset has the GUI, the workbench; the first run does not wait for
    # the test suite to compile.
    local targets=()
    if [[ $mode != test ]]; then
        targets=(agentrun)
        ninja -C "$BUILD_DIR" -t targets all 2>/dev/null | grep -q '^agentrun-workbench:' && targets+=(agentrun-workbench)
    fi
    msg "build: cmake --build --preset $PRESET -j$(nproc)${targets[*]:+ --target ${targets[*]}}"
    cmake --build --preset "$PRESET" -j"$(nproc)" ${targets[@]:+--target "${targets[@]}"} ||
        die "build: compiling failed (see the compiler output above); fix it and rerun, the build resumes where \
it stopped"
}

# ---- step 3: engine ---------------------------------------------------------------------------------
DEFAULT_SOCKET=/var/run/docker.sock
engine_version() { timeout 20 docker version --format '{{.Server.Version}}' 2>/dev/null; }
has_systemd() { [[ -d /run/systemd/system ]] && [[ $(ps -p 1 -o comm= 2>/dev/null) == systemd ]]; }

# Start dockerd detached from this script's session and output (it outlives the script and holds no
# pipe of the caller); sets DOCKERD_PID.
start_dockerd() {
    local log=$1
    shift
    msg "engine: no engine answers; starting dockerd${*:+ $*} (log: build/dockerd.log)"
    (
        exec </dev/null >>"$log" 2>&1 # the whole background job lets go of the caller's stdin/stdout/stderr
        as_root setsid -w nohup dockerd "$@"
    ) &
    DOCKERD_PID=$!
}

# runsc needs `--network=none` to start on this kind of engine. dockerd's --add-runtime takes only a
# path: a wrapper in build/ adds it (daemon.json's runtimeArgs would do the same). Not `--oci-seccomp`:
# runsc 20221219 then refuses every new thread (docs/security.md, gVisor).
runsc_wrapper() {
    local wrapper=${1:-$ROOT/build/runsc-network-none}
    as_root mkdir -p "$(dirname "$wrapper")"
    printf '#!/bin/sh\nexec %q --network=none "$@"\n' "$(command -v runsc)" | as_root tee "$wrapper" >/dev/null
    as_root chmod 755 "$wrapper"
    printf '%s' "$wrapper"
}

# A dockerd an earlier test run started keeps the path of that checkout's wrapper: when that build/ is
# gone (the checkout removed, a fresh clone elsewhere), every gVisor run fails with "fork/exec …
# runsc-network-none: no such file or directory". Write the wrapper there again.
restore_runsc_wrapper() {
    local args path
    args=$(ps -o args= -C dockerd 2>/dev/null | head -n 1 || true)
    [[ $args =~ --add-runtime[[:space:]=]runsc=([^[:space:]]+) ]] || return 0
    path=${BASH_REMATCH[1]}
    [[ -x $path ]] && return 0
    command -v runsc >/dev/null 2>&1 || return 0
    if [[ ${path##*/} != runsc-network-none ]]; then
        warn "engine: the running dockerd's runsc runtime $path is missing; gVisor runs will fail until it is restored"
        return 0
    fi
    runsc_wrapper "$path" >/dev/null
    msg "engine: the running dockerd's gVisor wrapper $path was gone (an earlier checkout's build/): written again"
}

# Which engine answers and with which options: a dockerd that test mode started (no bridge network)
# keeps running, and a later normal run uses it, where --network bridge and --index-url have no network.
describe_engine() {
    local host=$1 args bridge runtimes
    args=$(ps -o args= -C dockerd 2>/dev/null | head -n 1 || true)
    runtimes=$(timeout 20 docker info --format '{{range $name, $_ := .Runtimes}}{{$name}} {{end}}' 2>/dev/null || true)
    msg "engine: on $host, ${args:-dockerd (command line not visible)}; runtimes: ${runtimes:-unknown}"
    if timeout 20 docker network inspect bridge >/dev/null 2>&1; then
        bridge="bridge network available: --network open reaches the network; --allow-host and --index-url reach \
their hosts through the egress proxy"
        msg "engine: $bridge"
    else
        bridge="no bridge network (started with --bridge=none, as test mode starts it): --network open is refused, \
--allow-host and --index-url need AGENTRUN_EGRESS_NETWORK set to a network the engine has. For them, restart \
the engine with its defaults (sudo systemctl restart docker)"
        if [[ $mode == test ]]; then msg "engine: $bridge"; else warn "engine: $bridge"; fi
    fi
}

step_engine() {
    local host=${DOCKER_HOST:-unix://$DEFAULT_SOCKET} v
    if command -v docker >/dev/null 2>&1 && v=$(engine_version); then
        msg "engine: Docker $v answers on $host, skipped"
        restore_runsc_wrapper
        describe_engine "$host"
        return 0
    fi
    local err=""
    command -v docker >/dev/null 2>&1 && err=$(timeout 20 docker version 2>&1 >/dev/null || true)
    if [[ ${err,,} == *"permission denied"* ]]; then
        die "engine: the engine runs but you may not use its socket: add yourself to the docker group \
(sudo usermod -aG docker \$USER), log in again (or run 'newgrp docker'), then rerun"
    fi
    if [[ -n ${DOCKER_HOST:-} && $DOCKER_HOST != "unix://$DEFAULT_SOCKET" && $DOCKER_HOST != unix:///run/docker.sock ]]; then
        die "engine: DOCKER_HOST=$DOCKER_HOST does not answer. Start the engine it names, or unset DOCKER_HOST \
so that quickstart uses (or starts) the local engine on $DEFAULT_SOCKET"
    fi
    { command -v dockerd && command -v docker; } >/dev/null 2>&1 ||
        die "engine: dockerd/docker not found: install docker.io (the packages step does), then rerun"

    local log
    mkdir -p "$ROOT/build"
    log=$ROOT/build/dockerd.log

    local pid="" retried=0 args=()
    if pgrep -x dockerd >/dev/null 2>&1; then
        msg "engine: a dockerd process exists but does not answer yet; waiting for it"
    elif [[ $mode != test ]] && has_systemd; then
        msg "engine: starting the docker service (systemctl start docker)"
        as_root systemctl start docker || die "engine: systemctl start docker failed: see 'journalctl -u docker'"
        log="journalctl -u docker"
    else
        [[ $mode == test ]] && args+=(--bridge=none --iptables=false)
        # Test mode registers gVisor with the dockerd it starts, so the security suite runs under runsc too.
        [[ $mode == test ]] && command -v runsc >/dev/null 2>&1 && args+=(--add-runtime "runsc=$(runsc_wrapper)")
        if [[ -n ${QUICKSTART_DOCKERD_ARGS:-} ]]; then
            local extra=()
            read -r -a extra <<<"$QUICKSTART_DOCKERD_ARGS"
            args+=("${extra[@]}")
        fi
        start_dockerd "$log" "${args[@]}"
        pid=$DOCKERD_PID
    fi

    local waited=0
    while ((waited < 60)); do
        if v=$(engine_version); then
            msg "engine: Docker $v answers after ${waited}s"
            describe_engine "$host"
            return 0
        fi
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            # dockerd exited. Without iptables/bridge support (containers, minimal kernels) the default
            # networking fails: retry once without it (run containers never need a bridge; the
            # dependency installer then has no network either).
            if [[ $retried -eq 0 && " ${args[*]} " != *" --bridge=none "* ]]; then
                retried=1
                warn "engine: dockerd exited at once (see build/dockerd.log); retrying with --bridge=none --iptables=false"
                args+=(--bridge=none --iptables=false)
                start_dockerd "$log" "${args[@]}"
                pid=$DOCKERD_PID
                continue
            fi
            tail -n 20 "$log" >&2 || true
            die "engine: dockerd exited (see build/dockerd.log above). Common causes: no cgroup support, another \
dockerd holding /var/lib/docker, no overlay support in the kernel"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    if [[ -f $log ]]; then
        tail -n 20 "$log" >&2 || true
    fi
    if [[ -S $DEFAULT_SOCKET && ! -w $DEFAULT_SOCKET ]]; then
        die "engine: $DEFAULT_SOCKET exists but you may not use it: add yourself to the docker group \
(sudo usermod -aG docker \$USER), log in again, then rerun"
    fi
    die "engine: Docker did not answer within 60s. Look at ${log#"$ROOT/"}; common causes: no cgroup support, \
another dockerd holding /var/lib/docker, missing kernel overlay support"
}

# ---- step 4: sandbox image --------------------------------------------------------------------------
# Files that make up the image: the Dockerfile and everything under resources/agent/, sorted.
image_inputs() {
    printf '%s\n' packaging/sandbox/Dockerfile
    if [[ -d $AGENT_DIR ]]; then
        (cd "$ROOT" && find resources/agent -type f ! -name '*.pyc' ! -path '*/__pycache__/*' | LC_ALL=C sort)
    fi
}
image_hash() {
    local f
    while IFS= read -r f; do
        printf '%s\n' "$f"
        sha256sum <"$ROOT/$f" | cut -d' ' -f1
    done < <(image_inputs) | sha256sum | cut -d' ' -f1
}

# Sets BASE_REF: QUICKSTART_BASE, else the default slim Python image when present (or, outside test mode,
# pullable), else the offline debootstrap base (built by build-base.sh when missing).
choose_base() {
    BASE_REF=""
    if [[ -n ${QUICKSTART_BASE:-} ]]; then
        image_exists "$QUICKSTART_BASE" || dockercli pull "$QUICKSTART_BASE" ||
            die "image: QUICKSTART_BASE=$QUICKSTART_BASE is neither present nor pullable"
        BASE_REF=$QUICKSTART_BASE
        return
    fi
    if image_exists "$DEFAULT_BASE"; then
        msg "image: base $DEFAULT_BASE is present locally, using it"
        BASE_REF=$DEFAULT_BASE
        return
    fi
    if [[ $mode != test && -z ${QUICKSTART_NO_PULL:-} ]]; then
        msg "image: trying to pull $DEFAULT_BASE once (an offline machine falls back to the debootstrap base)"
        if timeout 300 docker pull -q "$DEFAULT_BASE"; then
            BASE_REF=$DEFAULT_BASE
            return
        fi
        msg "image: pull failed, falling back to the offline base $OFFLINE_BASE"
    else
        msg "image: $DEFAULT_BASE is not present$([[ $mode == test ]] && echo ' (test mode never pulls)'): using the offline base $OFFLINE_BASE"
    fi
    "$SANDBOX_DIR/build-base.sh" --image "$OFFLINE_BASE" ||
        die "image: building the offline base failed (see above); rerun to retry (a cached tarball is reused)"
    BASE_REF=$OFFLINE_BASE
}

PLACEHOLDER_AGENT='# Placeholder written by quickstart.sh: resources/agent/agent.py did not exist at build time.
import sys
code = sys.stdin.read()
exec(compile(code, "<code>", "exec"), {"__name__": "__main__"})
'

# Builds one sandbox image: build_sandbox_image TAG [VARIANT]. Without a variant the base is chosen by
# choose_base; a variant (datascience) is built on its own offline base (build-base.sh --variant).
build_sandbox_image() {
    local image=$1 variant=${2:-}
    local hash have=""
    hash=$(image_hash)
    if image_exists "$image"; then
        have=$(docker image inspect -f "{{index .Config.Labels \"$HASH_LABEL\"}}" "$image" 2>/dev/null || true)
    fi
    if [[ $have == "$hash" && -z ${QUICKSTART_FORCE_IMAGE:-} ]]; then
        msg "image: $image is up to date (hash ${hash:0:12}), skipped"
        return 0
    fi
    if [[ $have == "$hash" ]]; then
        msg "image: QUICKSTART_FORCE_IMAGE is set: rebuilding $image"
    elif [[ -n $have ]]; then
        msg "image: $image is out of date (hash ${have:0:12}, sources ${hash:0:12}): rebuilding"
    fi

    local base
    if [[ -n $variant ]]; then
        base=agentrun-base:bookworm-$variant
        "$SANDBOX_DIR/build-base.sh" --variant "$variant" ||
            die "image: building the offline base $base failed (see above); rerun to retry (a cached tarball is reused)"
    else
        choose_base
        base=$BASE_REF
    fi

    # Python version of the base, for a label (the file /opt/agentrun/python.json is the source of truth).
    local pyver
    pyver=$(docker run --rm --network none --entrypoint python3 "$base" -c \
        'import platform; print(platform.python_version())' 2>/dev/null) || pyver=unknown

    # A small build context: the Dockerfile and resources/agent/, laid out as in the repository.
    local ctx
    ctx=$(mktemp -d "${TMPDIR:-/tmp}/agentrun-sandbox-ctx.XXXXXX")
    # shellcheck disable=SC2064 # expand now: ctx is local
    trap "rm -rf '$ctx'; on_exit" EXIT
    mkdir -p "$ctx/resources/agent"
    cp "$SANDBOX_DIR/Dockerfile" "$ctx/Dockerfile"
    if [[ -d $AGENT_DIR ]] && [[ -n $(ls -A "$AGENT_DIR") ]]; then
        cp -R "$AGENT_DIR/." "$ctx/resources/agent/"
        find "$ctx/resources/agent" \( -name '__pycache__' -o -name '*.pyc' \) -prune -exec rm -rf {} +
    fi
    if [[ ! -f $ctx/resources/agent/agent.py ]]; then
        warn "image: resources/agent/agent.py does not exist: the image gets a placeholder agent"
        printf '%s' "$PLACEHOLDER_AGENT" >"$ctx/resources/agent/agent.py"
    fi

    msg "image: docker build $image on $base (python $pyver, hash ${hash:0:12})"
    local t0
    t0=$(now_s)
    mkdir -p "$ROOT/build"
    local log=$ROOT/build/sandbox-image${variant:+-$variant}.log rc=0
    dockercli build --network none --pull=false --rm --force-rm \
        --build-arg "BASE=$base" \
        --label "$HASH_LABEL=$hash" \
        --label "org.agentrun.base-image=$base" \
        --label "org.agentrun.python.version=$pyver" \
        -t "$image" "$ctx" >"$log" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        tail -n 30 "$log" >&2 || true
        die "image: docker build failed (exit $rc; full output in ${log#"$ROOT"/}). Rerun; \
QUICKSTART_FORCE_IMAGE=1 forces a rebuild, QUICKSTART_BASE=REF picks another base"
    fi
    rm -rf "$ctx"
    trap on_exit EXIT
    # Images of earlier builds that lost their tag: remove them (only dangling sandbox images).
    docker image prune -f --filter label=org.agentrun.sandbox=1 >/dev/null || true
    msg "image: $image built in $(($(now_s) - t0))s"
}

step_image() {
    engine_answers || die "image: no Docker engine answers: run the engine step first"
    build_sandbox_image "$SANDBOX_IMAGE"
    # The tests of figures (engine.figures) need the data-science image; QUICKSTART_DATASCIENCE=0 skips
    # it (those tests then skip, saying why).
    if [[ $mode == test && ${QUICKSTART_DATASCIENCE:-1} != 0 ]]; then
        build_sandbox_image "$DATASCIENCE_IMAGE" datascience
    fi
    # The egress proxy of allowlisted runs (--allow-host): Debian's squid in an image of its own,
    # debootstrapped like the offline base (no registry). Its configuration comes with each proxy.
    if image_exists "$PROXY_IMAGE"; then
        msg "image: $PROXY_IMAGE is present, skipped"
    else
        "$SANDBOX_DIR/build-base.sh" --variant proxy --image "$PROXY_IMAGE" ||
            die "image: building the egress proxy image $PROXY_IMAGE failed (see above); rerun to retry"
    fi
}

# ---- step 5: open the workbench / run the tests -----------------------------------------------------
# The libFuzzer targets (preset fuzz, clang + ASan/UBSan), each run briefly on the committed corpus.
# QUICKSTART_FUZZ_SECONDS sets the time per target (default 15; 0 skips the fuzzers).
run_fuzzers() {
    local seconds=${QUICKSTART_FUZZ_SECONDS:-15}
    if [[ $seconds == 0 ]]; then
        msg "fuzz: QUICKSTART_FUZZ_SECONDS=0, skipped"
        return 0
    fi
    command -v clang++ >/dev/null 2>&1 || die "fuzz: clang++ not found: run the packages step"
    local dir=$ROOT/build/fuzz
    if [[ ! -f $dir/build.ninja ]]; then
        cmake --preset fuzz -DAGENTRUN_FUZZ_SECONDS="$seconds" >/dev/null || die "fuzz: configuring the fuzz preset failed"
    else
        cmake "$dir" -DAGENTRUN_FUZZ_SECONDS="$seconds" >/dev/null
    fi
    cmake --build --preset fuzz -j"$(nproc)" >"$ROOT/build/fuzz-build.log" 2>&1 ||
        { tail -n 30 "$ROOT/build/fuzz-build.log" >&2; die "fuzz: building the fuzzers failed (build/fuzz-build.log)"; }
    msg "fuzz: each target for ${seconds}s: ctest --preset fuzz"
    ctest --preset fuzz -j"$(nproc)" --no-tests=error
}

# The package list proven from nothing: packaging/fresh-root-check.sh installs exactly the list into an
# empty Debian bookworm root (cached per list, outside the source tree) and configures and compiles
# there. Needs root (through sudo when not root). QUICKSTART_FRESH_ROOT=0 skips it;
# QUICKSTART_FRESH_ROOT_CACHE=DIR moves its cache.
fresh_root_skipped() { [[ ${QUICKSTART_FRESH_ROOT:-1} == 0 || -n ${QUICKSTART_CTEST_ARGS:-} ]]; }
fresh_root_cache() { printf '%s' "${QUICKSTART_FRESH_ROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentrun/fresh-root}"; }

# Test mode starts the check in the background right after the packages step: building its root
# (debootstrap, apt: mostly waiting on the network and dpkg, 400 s or more when nothing is cached) then
# overlaps the build instead of adding to the end. Only as root or with password-less sudo: a
# background job cannot answer a password prompt. Its result is read after ctest.
FRESH_ROOT_PID=""
FRESH_ROOT_T0=0
start_fresh_root_check() {
    [[ $mode == test ]] && want run && ! fresh_root_skipped || return 0
    if [[ $(id -u) -ne 0 ]] && ! sudo -n true 2>/dev/null; then
        return 0 # run_fresh_root_check runs it in the foreground, where sudo may ask
    fi
    mkdir -p "$ROOT/build"
    msg "fresh-root: packaging/fresh-root-check.sh started in the background (log: build/fresh-root.log); \
its result follows ctest"
    FRESH_ROOT_T0=$(now_s)
    (
        exec </dev/null >"$ROOT/build/fresh-root.log" 2>&1
        as_root env QUICKSTART_FRESH_ROOT_CACHE="$(fresh_root_cache)" "$ROOT/packaging/fresh-root-check.sh"
    ) &
    FRESH_ROOT_PID=$!
}
# On an early exit: the check is stopped (its own traps unmount and remove its overlay).
stop_fresh_root_check() {
    if [[ -n $FRESH_ROOT_PID ]] && kill -0 "$FRESH_ROOT_PID" 2>/dev/null; then
        pkill -TERM -P "$FRESH_ROOT_PID" 2>/dev/null || true
        kill -TERM "$FRESH_ROOT_PID" 2>/dev/null || true
        wait "$FRESH_ROOT_PID" 2>/dev/null || true
    fi
    FRESH_ROOT_PID=""
}

run_fresh_root_check() {
    if fresh_root_skipped; then
        msg "fresh-root: skipped (QUICKSTART_FRESH_ROOT=0 or QUICKSTART_CTEST_ARGS set)"
        return 0
    fi
    local t0 rc=0
    if [[ -n $FRESH_ROOT_PID ]]; then
        t0=$FRESH_ROOT_T0
        msg "fresh-root: waiting for the check started after the packages step"
        wait "$FRESH_ROOT_PID" || rc=$?
        FRESH_ROOT_PID=""
        cat "$ROOT/build/fresh-root.log"
    else
        if [[ $(id -u) -ne 0 ]] && ! command -v sudo >/dev/null 2>&1; then
            warn "fresh-root: needs root (debootstrap, chroot, mounts) and sudo is not installed: skipped"
            return 0
        fi
        t0=$(now_s)
        msg "fresh-root: packaging/fresh-root-check.sh (the package list, from an empty Debian root)"
        # The caller's cache directory, also through sudo (whose HOME is root's).
        as_root env QUICKSTART_FRESH_ROOT_CACHE="$(fresh_root_cache)" "$ROOT/packaging/fresh-root-check.sh" || rc=$?
    fi
    if [[ $rc -ne 0 ]]; then
        printf '%s: fresh-root: FAILED after %ss: the package list is not enough on a fresh machine (see above); \
rerun it alone with packaging/fresh-root-check.sh\n' "$MSG_PREFIX" "$(($(now_s) - t0))" >&2
        return "$rc"
    fi
    msg "fresh-root: the package list passed from nothing in $(($(now_s) - t0))s (wall clock since it started)"
}

# The security suite a second time under gVisor (ctest label gvisor), when the engine has runsc.
run_gvisor_suite() {
    if [[ -n ${QUICKSTART_CTEST_ARGS:-} ]]; then
        msg "gvisor: QUICKSTART_CTEST_ARGS is set, the gVisor suite is skipped"
        return 0
    fi
    local runtimes
    runtimes=$(timeout 20 docker info --format '{{json .Runtimes}}' 2>/dev/null || true)
    if [[ $runtimes != *'"runsc"'* ]]; then
        warn "gvisor: runsc is not registered with this engine (quickstart registers it only with a dockerd it \
starts itself): the security suite ran under runc only"
        return 0
    fi
    msg "gvisor: AGENTRUN_TEST_REQUIRE_RUNTIME=1 ctest --test-dir build/$PRESET -L gvisor --output-on-failure"
    local t0 rc=0
    t0=$(now_s)
    AGENTRUN_TEST_REQUIRE_RUNTIME=1 ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" \
        --no-tests=error -L gvisor || rc=$?
    msg "gvisor: the security suite under runsc took $(($(now_s) - t0))s"
    return "$rc"
}

# The unit and engine suites under AddressSanitizer + UBSan (preset asan, build/asan, no GUI): core, the
# CLI and the unit_* and engine_* test executables only. The engine suite talks to the running engine and
# uses the sandbox image (the engine and image steps before this one provide both). QUICKSTART_ASAN=0
# skips it.
run_asan_suites() {
    if [[ ${QUICKSTART_ASAN:-1} == 0 || -n ${QUICKSTART_CTEST_ARGS:-} || $PRESET == asan ]]; then
        msg "asan: skipped (QUICKSTART_ASAN=0, QUICKSTART_CTEST_ARGS set, or the main preset is asan)"
        return 0
    fi
    local dir=$ROOT/build/asan t0 t1 targets
    t0=$(now_s)
    if [[ ! -f $dir/build.ninja ]]; then
        cmake --preset asan -B "$dir" -DAGENTRUN_GUI=OFF >"$ROOT/build/asan-configure.log" 2>&1 ||
            { tail -n 30 "$ROOT/build/asan-configure.log" >&2; die "asan: configuring the asan preset failed"; }
    fi
    # The executables of the unit and engine tests (ctest's <suite>.<name> is the target <suite>_<name>)
    # and what they run (the CLI), nothing else. -LE fuzz: the fuzz replays carry the unit label but need
    # the fuzz targets (the fuzz preset runs them under ASan already).
    targets=$(ctest --test-dir "$dir" -N -L '^(unit|engine)$' -LE fuzz |
        sed -n 's/^ *Test *#[0-9]*: \(unit\|engine\)\.\([A-Za-z0-9_]*\)$/\1_\2/p' | sort -u)
    [[ $targets == *unit_* && $targets == *engine_* ]] || die "asan: no unit or no engine tests in build/asan"
    # shellcheck disable=SC2086
    cmake --build "$dir" -j"$(nproc)" --target agentrun $targets >"$ROOT/build/asan-build.log" 2>&1 ||
        { tail -n 30 "$ROOT/build/asan-build.log" >&2; die "asan: building failed (build/asan-build.log)"; }
    msg "asan: core, the CLI and $(wc -w <<<"$targets") test executables built in $(($(now_s) - t0))s"
    local rc=0 sanitizers=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1)
    msg "asan: ctest --test-dir build/asan -L unit -LE fuzz"
    t1=$(now_s)
    env "${sanitizers[@]}" ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" --no-tests=error -L unit -LE fuzz ||
        rc=$?
    msg "asan: the unit suite took $(($(now_s) - t1))s"
    # The engine suite: the running engine and the sandbox image, as in the main ctest run.
    msg "asan: ctest --test-dir build/asan -L engine"
    t1=$(now_s)
    env "${sanitizers[@]}" ctest --test-dir "$dir" --output-on-failure -j"$(nproc)" --no-tests=error -L engine || rc=$?
    msg "asan: the engine suite took $(($(now_s) - t1))s; build, unit and engine suites $(($(now_s) - t0))s"
    return "$rc"
}

step_run() {
    if [[ $mode == test ]]; then
        command -v ctest >/dev/null 2>&1 || die "tests: ctest not found: run the packages step"
        [[ -f $BUILD_DIR/CTestTestfile.cmake ]] || die "tests: build/$PRESET has no tests: run the build step"
        local extra=()
        [[ -n ${QUICKSTART_CTEST_ARGS:-} ]] && read -r -a extra <<<"$QUICKSTART_CTEST_ARGS"
        msg "tests: ctest --test-dir build/$PRESET --output-on-failure -j$(nproc) -LE gvisor${extra[*]:+ ${extra[*]}}"
        local rc=0
        ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" --no-tests=error -LE gvisor "${extra[@]}" || rc=$?
        run_fresh_root_check || rc=$?
        run_gvisor_suite || rc=$?
        run_asan_suites || rc=$?
        run_fuzzers || rc=$?
        step_done
        if [[ $rc -ne 0 ]]; then
            printf '%s: tests FAILED (ctest exit %s); rerun only the failed ones: ctest --test-dir build/%s --rerun-failed --output-on-failure\n' \
                "$MSG_PREFIX" "$rc" "$PRESET" >&2
        fi
        msg "done in $(timing_line)"
        exit "$rc"
    fi
    local gui=$BUILD_DIR/app/workbench/agentrun-workbench
    local cli=$BUILD_DIR/app/cli/agentrun
    if [[ -n ${DISPLAY:-} || -n ${WAYLAND_DISPLAY:-} ]]; then
        [[ -x $gui ]] || die "run: $gui was not built (a headless configuration?): run the build step"
        step_done
        msg "done in $(timing_line)"
        msg "opening the workbench: ${gui#"$ROOT/"}"
        exec "$gui"
    fi
    [[ -x $cli ]] || die "run: $cli was not built: run the build step"
    msg "no display: running the CLI demo instead; to open the workbench run ${gui#"$ROOT/"} on a desktop"
    local demo=resources/examples/hello.py
    [[ -f $ROOT/$demo ]] || die "run: $demo is missing from the repository"
    step_done
    msg "done in $(timing_line)"
    msg "\$ ${cli#"$ROOT/"} run $demo"
    exec "$cli" run "$ROOT/$demo"
}

# ---- main -------------------------------------------------------------------------------------------
msg "set-up of AgentRun Workbench in $ROOT ($([[ $mode == test ]] && echo 'test mode' || echo 'normal mode'))"
run_step packages
start_fresh_root_check
run_step build
run_step engine
run_step image
run_step run
msg "done in $(timing_line)"
