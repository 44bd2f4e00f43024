#!/usr/bin/env bash
# ctest packaging.deb: build the .deb with CPack, check it, install it into a clean Debian bookworm
# root file system (debootstrap minbase, chroot) and run the programs there.
#
#   tests/packaging/test-deb.sh BUILD_DIR
#
# 1. cpack in BUILD_DIR → BUILD_DIR/package/agentrun-workbench_<version>_<arch>.deb
# 2. the package's fields and files; desktop-file-validate, appstreamcli and lintian when installed
#    (lintian errors fail the test, its warnings are printed)
# 3. the root file system: the cached tarball of packaging/sandbox/build-base.sh (.cache/sandbox/,
#    git-ignored; debootstrap runs once, about a minute), unpacked into a scratch directory
# 4. chroot: apt-get install ./agentrun-workbench_*.deb (dependencies from Debian's archive; a
#    policy-rc.d keeps package scripts from starting services, so no engine runs in there)
# 5. chroot: agentrun --help, --version, check on the installed examples, doctor (no engine: exit 3,
#    "Docker is not running" and how to start it), image status (finds the installed image sources),
#    agentrun-workbench --version (offscreen), man pages
# 6. with the host's engine (its socket bound into the chroot, read-only calls only): the installed
#    image sources hash to what the build tree's agentrun computes, so `agentrun image build` from the
#    package builds the same image as quickstart.sh
#
# Needs root (debootstrap, chroot, mounts) and debootstrap: otherwise it skips (exit 77). Downloads the
# dependencies from Debian's archive; apt's downloads are kept in .cache/packaging/apt-archives.
set -euo pipefail

MSG_PREFIX=test-deb
# shellcheck source=SCRIPTDIR/../../packaging/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../packaging/lib/common.sh"

SKIP=77
[[ $# -eq 1 ]] || die "usage: $0 BUILD_DIR"
build=$(cd "$1" && pwd -P)
root=$(agentrun_repo_root)

if [[ $(id -u) -ne 0 ]]; then
    msg "SKIPPED: needs root (debootstrap, chroot and mounts); run as root, e.g. in CI"
    exit $SKIP
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    msg "SKIPPED: debootstrap is not installed (apt-get install debootstrap; quickstart's packages step does it)"
    exit $SKIP
fi
for tool in cpack dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done

t_start=$(now_s)
failures=0
fail() {
    printf '%s: FAIL: %s\n' "$MSG_PREFIX" "$*" >&2
    failures=$((failures + 1))
}
# expect_contains NAME TEXT NEEDLE
expect_contains() {
    if [[ $2 == *"$3"* ]]; then
        msg "ok: $1 contains \"$3\""
    else
        fail "$1 does not contain \"$3\"; it was:"
        printf '%s\n' "$2" | sed 's/^/    /' >&2
    fi
}
# expect_status NAME GOT WANTED
expect_status() {
    if [[ $2 -eq $3 ]]; then
        msg "ok: $1 exited with $3"
    else
        fail "$1 exited with $2, expected $3"
    fi
}

# ---- 1. the package ---------------------------------------------------------------------------------
[[ -f $build/CPackConfig.cmake ]] || die "$build has no CPackConfig.cmake: configure it with CMake first"
rm -f "$build"/package/agentrun-workbench_*.deb
msg "cpack in ${build#"$root/"}"
t0=$(now_s)
cpack_log=$build/package/cpack.log
mkdir -p "$build/package"
if ! (cd "$build" && cpack --config CPackConfig.cmake) >"$cpack_log" 2>&1; then
    tail -n 30 "$cpack_log" >&2
    die "cpack failed (full output: $cpack_log)"
fi
debs=("$build"/package/agentrun-workbench_*.deb)
[[ -f ${debs[0]} && ${#debs[@]} -eq 1 ]] || die "cpack made no single agentrun-workbench_*.deb in $build/package"
deb=${debs[0]}
msg "built $(basename "$deb") ($(du -h "$deb" | cut -f1)) in $(($(now_s) - t0))s"

# ---- 2. its fields and files ------------------------------------------------------------------------
fields=$(dpkg-deb -f "$deb")
printf '%s\n' "$fields" | sed 's/^/    /'
depends=$(dpkg-deb -f "$deb" Depends)
expect_contains "Depends" "$depends" "docker.io | docker-ce | docker-engine"
for lib in libcurl4 libsqlite3-0 libssl3 libc6; do
    expect_contains "Depends" "$depends" "$lib"
done
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
want_files=(
    ./usr/bin/agentrun
    ./usr/share/agentrun/packaging/sandbox/Dockerfile
    ./usr/share/agentrun/resources/agent/agent.py
    ./usr/share/agentrun/policies/standard.json
    ./usr/share/agentrun/examples/hello.py
    ./usr/share/man/man1/agentrun.1.gz
    ./usr/share/man/man1/agentrun-run.1.gz
    ./usr/share/man/man1/agentrun-doctor.1.gz
    ./usr/share/doc/agentrun-workbench/copyright
    ./usr/share/doc/agentrun-workbench/changelog.gz
)
gui=0
if [[ $contents == *"./usr/bin/agentrun-workbench"* ]]; then
    gui=1
    for lib in libqt6widgets6 libqt6charts6 libqscintilla2-qt6 qt6-qpa-plugins libqt6svg6; do
        expect_contains "Depends" "$depends" "$lib"
    done
    want_files+=(
        ./usr/share/applications/agentrun-workbench.desktop
        ./usr/share/metainfo/org.agentrun.workbench.metainfo.xml
        ./usr/share/icons/hicolor/scalable/apps/agentrun-workbench.svg
        ./usr/share/man/man1/agentrun-workbench.1.gz
    )
else
    msg "the package has no agentrun-workbench (configured with AGENTRUN_GUI=OFF): GUI checks skipped"
fi
for file in "${want_files[@]}"; do
    if grep -qxF -- "$file" <<<"$contents"; then
        msg "ok: the package holds $file"
    else
        fail "the package lacks $file"
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/agentrun-deb-test.XXXXXX")
rootfs=$work/rootfs
mounts=()
cleanup() {
    local m i
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        m=${mounts[i]}
        umount -l "$m" 2>/dev/null || true
    done
    # Never follow a mount that is still there: --one-file-system.
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

dpkg-deb -x "$deb" "$work/extract"
if command -v desktop-file-validate >/dev/null 2>&1 && [[ $gui -eq 1 ]]; then
    if out=$(desktop-file-validate "$work/extract/usr/share/applications/agentrun-workbench.desktop" 2>&1) &&
        [[ -z $out ]]; then
        msg "ok: desktop-file-validate"
    else
        fail "desktop-file-validate: $out"
    fi
fi
if command -v appstreamcli >/dev/null 2>&1 && [[ $gui -eq 1 ]]; then
    if out=$(appstreamcli validate --no-net --pedantic \
        "$work/extract/usr/share/metainfo/org.agentrun.workbench.metainfo.xml" 2>&1); then
        msg "ok: appstreamcli validate"
    else
        fail "appstreamcli validate: $out"
    fi
fi
if command -v lintian >/dev/null 2>&1; then
    msg "lintian $(basename "$deb")"
    rc=0
    out=$(lintian --fail-on error --tag-display-limit 0 "$deb" 2>&1) || rc=$?
    [[ -n $out ]] && printf '%s\n' "$out" | sed 's/^/    /'
    if [[ $rc -eq 0 ]]; then
        msg "ok: lintian reports no error ($(grep -c '^W:' <<<"$out" || true) warnings)"
    else
        fail "lintian reports errors (exit $rc)"
    fi
else
    msg "lintian is not installed: package lint skipped (apt-get install lintian)"
fi

# ---- 3. a clean Debian root file system --------------------------------------------------------------
tarball=$root/.cache/sandbox/agentrun-base-bookworm.tar
t0=$(now_s)
"$root/packaging/sandbox/build-base.sh" --tarball-only ||
    die "making the bookworm root file system failed (see above)"
mkdir -p "$rootfs"
tar --numeric-owner -xpf "$tarball" -C "$rootfs"
msg "root file system ready in $(($(now_s) - t0))s"

mount -t proc proc "$rootfs/proc" && mounts+=("$rootfs/proc")
mount --bind /dev "$rootfs/dev" && mounts+=("$rootfs/dev")
# Name resolution for apt inside; the tarball's resolv.conf is empty on purpose.
cp -L /etc/resolv.conf "$rootfs/etc/resolv.conf"
# No maintainer script may start a service (docker.io's dockerd above all): no engine runs in there.
printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
chmod 755 "$rootfs/usr/sbin/policy-rc.d"
# apt's downloads survive between runs.
archives=$root/.cache/packaging/apt-archives
mkdir -p "$archives/partial"
mount --bind "$archives" "$rootfs/var/cache/apt/archives" && mounts+=("$rootfs/var/cache/apt/archives")
# The package goes to a staging folder inside the chroot that apt's unprivileged fetcher can read.
stage=/var/tmp/agentrun-deb
mkdir -p "$rootfs$stage"
chmod 755 "$rootfs$stage"
cp "$deb" "$rootfs$stage/"

# in_chroot COMMAND...: a clean environment (no DOCKER_HOST or display of the caller).
in_chroot() {
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp LANG=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive ${CHROOT_ENV:+$CHROOT_ENV} chroot "$rootfs" "$@"
}

# ---- 4. install -------------------------------------------------------------------------------------
t0=$(now_s)
msg "chroot: apt-get update && apt-get install ./$(basename "$deb")"
apt_log=$work/apt.log
if ! { in_chroot apt-get update -q && in_chroot sh -c \
    "cd $stage && apt-get install -y -q --no-install-recommends ./$(basename "$deb")"; } >"$apt_log" 2>&1; then
    tail -n 40 "$apt_log" >&2
    die "installing the package in the chroot failed (see above)"
fi
grep -E '^(Need to get|After this operation)' "$apt_log" | sed 's/^/    /' || true
msg "installed with its dependencies in $(($(now_s) - t0))s"
# shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not a shell variable
in_chroot dpkg-query -W -f='${Status}\n' agentrun-workbench | grep -qx 'install ok installed' ||
    fail "dpkg does not list agentrun-workbench as installed"

# ---- 5. run it --------------------------------------------------------------------------------------
run_in_chroot() { # sets OUT and RC
    RC=0
    OUT=$(in_chroot "$@" 2>&1) || RC=$?
}
run_in_chroot agentrun --help
expect_status "agentrun --help" "$RC" 0
expect_contains "agentrun --help" "$OUT" "Usage:"
expect_contains "agentrun --help" "$OUT" "  doctor "

version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' \
    "$build/CPackConfig.cmake" | head -n 1)
run_in_chroot agentrun --version
expect_status "agentrun --version" "$RC" 0
expect_contains "agentrun --version" "$OUT" "agentrun $version"

# The static check needs no engine: the installed examples, one allowed and one blocked.
run_in_chroot agentrun check /usr/share/agentrun/examples/hello.py
expect_status "agentrun check hello.py" "$RC" 0
run_in_chroot agentrun check /usr/share/agentrun/examples/blocked_snippet.py
expect_status "agentrun check blocked_snippet.py" "$RC" 1

run_in_chroot agentrun doctor
msg "agentrun doctor in the chroot said:"
printf '%s\n' "$OUT" | sed 's/^/    /'
expect_status "agentrun doctor (no engine)" "$RC" 3
expect_contains "agentrun doctor" "$OUT" "engine:   not reachable"
expect_contains "agentrun doctor" "$OUT" "Docker is not running"
expect_contains "agentrun doctor" "$OUT" "systemctl start docker"
expect_contains "agentrun doctor" "$OUT" "not ready"
run_in_chroot agentrun doctor --json
expect_status "agentrun doctor --json (no engine)" "$RC" 3
expect_contains "agentrun doctor --json" "$OUT" '"code": "engine.unreachable"'
expect_contains "agentrun doctor --json" "$OUT" '"ready": false'

# image status finds the installed sources first (exit 2 "Cannot find the sandbox image sources"
# otherwise), then needs the engine (exit 3).
run_in_chroot agentrun image status
expect_status "agentrun image status (no engine)" "$RC" 3
expect_contains "agentrun image status" "$OUT" "Docker is not running"

run_in_chroot sh -c 'test -s /usr/share/man/man1/agentrun.1.gz && zcat /usr/share/man/man1/agentrun-doctor.1.gz'
expect_status "man page agentrun-doctor(1)" "$RC" 0
expect_contains "agentrun-doctor(1)" "$OUT" ".SH NAME"

if [[ $gui -eq 1 ]]; then
    CHROOT_ENV=QT_QPA_PLATFORM=offscreen run_in_chroot agentrun-workbench --version
    expect_status "agentrun-workbench --version (offscreen)" "$RC" 0
    expect_contains "agentrun-workbench --version" "$OUT" "$version"
fi

# ---- 6. the installed image sources against the build tree's, through the host's engine -------------
docker_host=${DOCKER_HOST:-unix:///var/run/docker.sock}
host_socket=${docker_host#unix://}
if [[ $docker_host == unix://* && -S $host_socket ]] && engine_answers; then
    mkdir -p "$rootfs/run/agentrun-test"
    : >"$rootfs/run/agentrun-test/docker.sock"
    mount --bind "$host_socket" "$rootfs/run/agentrun-test/docker.sock" &&
        mounts+=("$rootfs/run/agentrun-test/docker.sock")
    CHROOT_ENV=DOCKER_HOST=unix:///run/agentrun-test/docker.sock run_in_chroot agentrun image status --json
    installed_hash=$(sed -n 's/.*"sources_hash": *"\([0-9a-f]*\)".*/\1/p' <<<"$OUT")
    tree_hash=$("$build/app/cli/agentrun" image status --json 2>/dev/null |
        sed -n 's/.*"sources_hash": *"\([0-9a-f]*\)".*/\1/p' || true)
    if [[ -z $installed_hash ]]; then
        fail "agentrun image status --json in the chroot (host engine) printed no sources_hash: $OUT"
    elif [[ $installed_hash != "$tree_hash" ]]; then
        fail "the installed image sources hash to ${installed_hash:0:12}, the source tree's to ${tree_hash:0:12}"
    else
        msg "ok: the installed image sources hash like the source tree's (${installed_hash:0:12})"
    fi
else
    msg "no local engine answers: the installed image sources are not compared with the tree's"
fi

msg "finished in $(($(now_s) - t_start))s with $failures failure(s)"
[[ $failures -eq 0 ]]
