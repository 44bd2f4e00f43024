#!/usr/bin/env bash
# Build the offline base image of the sandbox, agentrun-base:bookworm, without pulling any image:
# debootstrap a Debian bookworm minbase root file system with python3, python3-pip and python3-venv
# from Debian's archive (debootstrap's default mirror), cache it as a tarball under .cache/sandbox/
# (git-ignored) and import it into the Docker engine.
#
#   packaging/sandbox/build-base.sh [--force] [--tarball-only] [--image NAME] [--variant NAME]
#
#   --force         debootstrap again even when the tarball or the image exists
#   --tarball-only  make the cached tarball, do not import it (no engine needed)
#   --image NAME    image reference to import as (default agentrun-base:bookworm, or
#                   agentrun-base:bookworm-VARIANT for a variant)
#   --variant NAME  default (the above) or datascience: adds Debian's python3-numpy, python3-pandas,
#                   python3-matplotlib and python3-scipy (own tarball agentrun-base-bookworm-datascience.tar);
#                   or proxy: no Python, Debian's squid instead, imported as agentrun-proxy:bookworm (the
#                   egress proxy of allowlisted runs, sandbox/egressproxy.h)
#
# Steps already done are skipped: an existing image means nothing to do; an existing tarball is only
# imported. Needs root (or sudo) for debootstrap, and a Docker engine that answers for the import.
set -euo pipefail

MSG_PREFIX=build-base
# shellcheck source=SCRIPTDIR/../lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

SUITE=bookworm
INCLUDE=python3,python3-pip,python3-venv
PURGE=""
PURGE_WHAT=""
image=""
variant=default
force=0
tarball_only=0

while [[ $# -gt 0 ]]; do
    case $1 in
        --force) force=1 ;;
        --tarball-only) tarball_only=1 ;;
        --image)
            [[ $# -ge 2 ]] || die "--image needs a value"
            image=$2
            shift
            ;;
        --variant)
            [[ $# -ge 2 ]] || die "--variant needs a value (default, datascience or proxy)"
            variant=$2
            shift
            ;;
        -h | --help)
            sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
    shift
done

# A variant is the minbase plus Debian's own packages, in its own tarball and image (never a package index).
case $variant in
    default) tag=$SUITE ;;
    datascience)
        tag=$SUITE-datascience
        INCLUDE=$INCLUDE,python3-numpy,python3-pandas,python3-matplotlib,python3-scipy
        # bookworm's python3-scipy depends on python3-pythran (an ahead-of-time compiler), which brings
        # gcc, g++, the Boost and BLAS headers and python3-dev: half a gigabyte nothing at run time uses
        # (scipy imports none of it). They are purged after debootstrap (dpkg --force-depends: the
        # package database then lists scipy's dependency as missing; nothing in a sandbox runs apt). The
        # sandbox has no compiler, as with the default base. docs/performance.md has the sizes.
        PURGE="python3-pythran python3-beniget python3-gast python3-ply g++ g++-12 gcc gcc-12 cpp cpp-12
               libboost1.74-dev libboost-dev libxsimd-dev libopenblas-dev libopenblas-pthread-dev
               python3-all-dev python3-all libpython3-all-dev python3-dev python3.11-dev libpython3-dev
               libpython3.11-dev libstdc++-12-dev libgcc-12-dev libc6-dev linux-libc-dev libexpat1-dev
               zlib1g-dev libcrypt-dev libnsl-dev libtirpc-dev binutils binutils-common
               binutils-x86-64-linux-gnu libbinutils libctf0 libctf-nobfd0 libgprofng0 libasan8 libtsan2
               liblsan0 libubsan1 libitm1 libcc1-0 libisl23 libmpc3 libmpfr6"
        PURGE_WHAT="the build-only packages (compilers, headers) scipy's python3-pythran brought"
        ;;
    proxy)
        tag=$SUITE-proxy
        INCLUDE=squid
        # bookworm's squid depends on libdbi-perl (only its log_db_daemon/ext_sql helpers use it) and on
        # logrotate; together they bring perl, about 50 MB. The proxy runs squid alone (no helpers, no
        # rotation), so they are purged like the datascience build-only packages: 177 MB -> 128 MB.
        PURGE="libdbi-perl perl libperl5.36 perl-modules-5.36 logrotate"
        PURGE_WHAT="perl and logrotate (squid's helper and rotation dependencies; the proxy uses neither)"
        ;;
    *) die "--variant: unknown variant '$variant' (known: default, datascience, proxy)" ;;
esac
if [[ -z $image ]]; then
    image=agentrun-base:$tag
    [[ $variant == proxy ]] && image=agentrun-proxy:$SUITE
fi

root=$(agentrun_repo_root)
cache=$root/.cache/sandbox
tarball=$cache/agentrun-base-$tag.tar
rootfs=$cache/rootfs-$tag.tmp

if [[ $tarball_only -eq 0 && $force -eq 0 ]] && engine_answers && image_exists "$image"; then
    msg "$image already exists in the engine, skipped (--force rebuilds it)"
    exit 0
fi

make_tarball() {
    command -v debootstrap >/dev/null 2>&1 ||
        die "debootstrap is not installed: apt-get install debootstrap (quickstart's packages step does it)"
    mkdir -p "$cache"
    if [[ -e $rootfs ]]; then
        msg "removing a partial root file system left by an earlier run: $rootfs"
        as_root rm -rf --one-file-system "$rootfs"
    fi
    msg "debootstrap --variant=minbase --include=$INCLUDE $SUITE (downloads from Debian's archive; about a minute)"
    local t0 rc=0
    t0=$(now_s)
    as_root debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$rootfs" >"$cache/debootstrap-$tag.out" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        [[ -f $rootfs/debootstrap/debootstrap.log ]] && as_root cp "$rootfs/debootstrap/debootstrap.log" "$cache/debootstrap-$tag.log"
        tail -n 20 "$cache/debootstrap-$tag.out" >&2 || true
        die "debootstrap failed (exit $rc). Its output is in $cache/debootstrap-$tag.out (and debootstrap.log). \
Check that Debian's archive is reachable (apt-get update works), then rerun; the partial tree is removed on the next run."
    fi
    msg "debootstrap finished in $(($(now_s) - t0))s"

    if [[ -n $PURGE ]]; then
        # shellcheck disable=SC2016 # $1, $2 are expanded by the inner bash
        as_root bash -c '
            set -euo pipefail
            installed=()
            for p in $2; do
                chroot "$1" dpkg-query -W -f="\${Status}" "$p" 2>/dev/null | grep -q "install ok installed" && installed+=("$p")
            done
            [[ ${#installed[@]} -eq 0 ]] || chroot "$1" dpkg --purge --force-depends "${installed[@]}" >/dev/null
        ' _ "$rootfs" "$PURGE" || die "purging $PURGE_WHAT from $rootfs failed"
        msg "purged $PURGE_WHAT"
    fi

    # Slim the tree: package caches and lists, documentation (keeping copyright files), and the host's
    # resolv.conf/hostname that debootstrap copied in (the engine mounts its own over empty files).
    # shellcheck disable=SC2016 # $1 is expanded by the inner bash
    as_root bash -c '
        set -euo pipefail
        cd "$1"
        rm -rf debootstrap var/cache/apt/archives/*.deb var/cache/apt/*.bin var/lib/apt/lists/* \
               usr/share/man/* usr/share/info/* var/log/*.log var/log/apt/*
        find usr/share/doc -mindepth 1 -type f ! -name copyright -delete 2>/dev/null || true
        find usr/share/doc -mindepth 1 -type d -empty -delete 2>/dev/null || true
        : > etc/resolv.conf
        : > etc/hostname
    ' _ "$rootfs"

    msg "packing $tarball"
    as_root tar --numeric-owner --one-file-system -C "$rootfs" -cf "$tarball.tmp" .
    as_root mv -f "$tarball.tmp" "$tarball"
    as_root rm -rf --one-file-system "$rootfs"
    msg "cached $(du -h "$tarball" | cut -f1) root file system: $tarball"
}

if [[ $force -eq 1 || ! -s $tarball ]]; then
    make_tarball
else
    msg "cached root file system $tarball exists, debootstrap skipped (--force redoes it)"
fi

[[ $tarball_only -eq 1 ]] && exit 0

engine_answers || die "no Docker engine answers (docker version fails): start one (./packaging/quickstart.sh does), then rerun"

msg "importing $tarball as $image"
cmd='["python3"]'
[[ $variant == proxy ]] && cmd='["squid", "-N", "-f", "/etc/squid/squid.conf"]'
dockercli import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL org.agentrun.base=debootstrap-$SUITE-minbase" \
    --change "LABEL org.agentrun.base.variant=$variant" \
    --change "CMD $cmd" \
    --message "agentrun offline base: debootstrap --variant=minbase --include=$INCLUDE $SUITE" \
    - "$image" <"$tarball" >/dev/null ||
    die "docker import failed; the tarball stays cached in $cache, rerun to retry the import"
msg "$image imported"
