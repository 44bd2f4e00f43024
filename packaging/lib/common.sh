# shellcheck shell=bash
# Helpers shared by packaging/quickstart.sh and packaging/sandbox/build-base.sh.
# Sourced, never run. The caller sets MSG_PREFIX (e.g. "quickstart") before using msg/warn/die.

MSG_PREFIX=${MSG_PREFIX:-agentrun}

msg() { printf '%s: %s\n' "$MSG_PREFIX" "$*"; }
warn() { printf '%s: warning: %s\n' "$MSG_PREFIX" "$*" >&2; }
die() {
    printf '%s: error: %s\n' "$MSG_PREFIX" "$*" >&2
    exit 1
}

# The repository's top directory, found from this file's own location (never hard-coded).
agentrun_repo_root() {
    (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
}

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "'$*' needs root and sudo is not installed: rerun as root (or install sudo)"
    fi
}

# Seconds since the epoch, as an integer (bash's own clock, no subprocess).
now_s() { printf '%s' "${EPOCHSECONDS:-$(date +%s)}"; }

# The docker CLI with the legacy builder forced: the daemon may be Debian's docker.io 20.10 and the CLI
# may have no buildx plugin; BuildKit is not needed for our small Dockerfile.
dockercli() { DOCKER_BUILDKIT=0 docker "$@"; }

# True when a Docker engine answers on the current DOCKER_HOST (or the default socket).
engine_answers() {
    command -v docker >/dev/null 2>&1 || return 1
    timeout 20 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }
