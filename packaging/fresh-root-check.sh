#!/usr/bin/env bash
# Proves the package list from nothing: in an empty Debian bookworm root (debootstrap minbase, chroot)
# holding exactly the packages that quickstart's packages step installs (packaging/lib/packages.sh,
# with --no-install-recommends), the project configures with its presets and compiles one translation
# unit of each library and program. A machine that already has everything (CI, a developer's box)
# cannot see a missing package; this check can (issue 15: Qt6OpenGL).
#
#   packaging/fresh-root-check.sh [--rebuild]
#
#   --rebuild   build the cached root again even when one for this package list exists
#
# Environment:
#   QUICKSTART_FRESH_ROOT_CACHE=DIR   where the cached root, apt's downloads and the root's compiler
#                                     cache live (default ${XDG_CACHE_HOME:-$HOME/.cache}/agentrun/fresh-root)
#
# The root is built once per package list (its name carries the hash of the list) and reused read-only:
# every run works in a throw-away overlay on top of it, removed at the end. The source goes in with
# `git archive` (committed files plus uncommitted changes to tracked files, as a fresh clone would
# have them). Network: Debian's archive (debootstrap's default mirror, apt) and the npm registry
# (the tree-sitter grammar, fetched by CMake with npm pack), nothing else. Needs root (debootstrap,
# chroot, mounts).
set -euo pipefail

MSG_PREFIX=fresh-root
# shellcheck source=SCRIPTDIR/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=SCRIPTDIR/lib/packages.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/packages.sh"

SUITE=bookworm
# Bump when the way the root is built changes: the hash changes, so the next run builds a new root.
RECIPE=2

rebuild=0
while [[ $# -gt 0 ]]; do
    case $1 in
        --rebuild) rebuild=1 ;;
        -h | --help)
            sed -n '2,/^[^#]/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
    shift
done

[[ $(id -u) -eq 0 ]] || die "needs root (debootstrap, chroot, mounts): rerun as root or through sudo"
command -v debootstrap >/dev/null 2>&1 ||
    die "debootstrap is not installed: apt-get install debootstrap (quickstart's packages step does it)"

src=$(agentrun_repo_root)
cache=${QUICKSTART_FRESH_ROOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentrun/fresh-root}
mkdir -p "$cache/apt-archives/partial" "$cache/ccache"
cache=$(cd "$cache" && pwd -P)

mapfile -t packages < <(agentrun_wanted_packages)
hash=$({
    printf 'recipe %s suite %s\n' "$RECIPE" "$SUITE"
    printf '%s\n' "${packages[@]}" | LC_ALL=C sort -u
} | sha256sum | cut -c1-16)
rootfs=$cache/root-$hash

# ---- mounts and clean-up on every exit path -----------------------------------------------------------
mounts=()
scratch=()
# Unmount everything this script mounted, innermost first.
unmount_all() {
    local i m
    for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
        m=${mounts[i]}
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    mounts=()
}
# Then remove the scratch directories; never one that still has something mounted below it.
cleanup() {
    local d
    unmount_all
    for d in "${scratch[@]}"; do
        [[ -e $d ]] || continue
        if grep -qF " $d/" /proc/self/mountinfo || grep -qF " $d " /proc/self/mountinfo; then
            warn "something is still mounted under $d: left in place (unmount it, then remove it)"
            continue
        fi
        rm -rf --one-file-system "$d"
    done
    scratch=()
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A run killed without its clean-up (the machine restarted, SIGKILL) leaves its mounts behind, and rm
# cannot remove a directory with something mounted below it. Unmount everything under DIR, innermost
# first (lazily: nothing of ours still uses them). Only for directories no live run owns.
unmount_leftovers() { # unmount_leftovers DIR
    local dir=$1 m
    # /proc/self/mountinfo's fifth field is the mount point (spaces escaped as \040; ours have none).
    while IFS= read -r m; do
        [[ -n $m ]] || continue
        warn "unmounting $m, left mounted by an earlier run that did not finish"
        umount -l "$m" 2>/dev/null || true
    done < <(awk -v d="$dir" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
}

# Remove a directory left by an earlier run, its leftover mounts first.
remove_leftover() { # remove_leftover DIR
    unmount_leftovers "$1"
    rm -rf --one-file-system "$1"
}

mount_into() { # mount_into TARGET MOUNT-ARGS...
    local target=$1
    shift
    mount "$@" "$target" && mounts+=("$target")
}

# The basic file systems of a chroot and the host's name resolution.
prepare_chroot() {
    local dir=$1
    mount_into "$dir/proc" -t proc proc
    mount_into "$dir/dev" --bind /dev
    cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
}

# The network as the host sees it: certificate authorities added locally (Debian's place for them,
# /usr/local/share/ca-certificates: a company's or a TLS-inspecting proxy's CA), so that npm reaches
# the registry from the root as it does from the host. Done in each run's overlay, never baked into the
# cached root.
host_trust() {
    local dir=$1 crts=()
    shopt -s nullglob
    crts=(/usr/local/share/ca-certificates/*.crt /usr/local/share/ca-certificates/*/*.crt)
    shopt -u nullglob
    [[ ${#crts[@]} -gt 0 ]] || return 0
    cp -a /usr/local/share/ca-certificates/. "$dir/usr/local/share/ca-certificates/"
    in_chroot "$dir" update-ca-certificates >/dev/null 2>&1 ||
        warn "update-ca-certificates failed in the root: npm may not reach the registry"
    msg "network: the host's ${#crts[@]} local CA certificate(s) are trusted in the root too"
}

# in_chroot DIR COMMAND...: a clean environment (nothing of the caller's but a proxy, if any).
in_chroot() {
    local dir=$1
    shift
    local env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
        DEBIAN_FRONTEND=noninteractive CCACHE_DIR=/var/cache/agentrun-ccache)
    local v
    for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
        [[ -n ${!v:-} ]] && env+=("$v=${!v}")
    done
    env -i "${env[@]}" chroot "$dir" "$@"
}

# The package that ships a file on this machine (for hints), or nothing (never a failure: set -e).
host_package_of() {
    { dpkg -S "$1" 2>/dev/null || true; } | head -n 1 | cut -d: -f1
}

T0=$(now_s)
elapsed() { printf '%ss' "$(($(now_s) - $1))"; }

# ---- 1. the root: debootstrap minbase + exactly the package list ------------------------------------
build_root() {
    local tmp=$rootfs.tmp log=$cache/build-root.log t0
    t0=$(now_s)
    scratch+=("$tmp")
    # Under the exclusive lock: no other run is building this root, so anything in $tmp is a dead run's.
    [[ -e $tmp ]] && { msg "removing a partial root left by an earlier run"; remove_leftover "$tmp"; }
    msg "building the root $hash: debootstrap --variant=minbase $SUITE (Debian's archive; log: $log)"
    if ! debootstrap --variant=minbase --cache-dir="$cache/apt-archives" "$SUITE" "$tmp" >"$log" 2>&1; then
        tail -n 20 "$log" >&2
        die "debootstrap failed (full log: $log; see also $tmp/debootstrap/debootstrap.log): is Debian's \
archive reachable from this machine? Rerun when it is"
    fi
    msg "debootstrap done in $(elapsed "$t0"); installing the ${#packages[@]} packages with --no-install-recommends"
    # A throw-away root: dpkg need not fsync every file, and documentation, manuals and translations are
    # never read in it (no package is changed by this, only which of their files land on disk).
    cat >"$tmp/etc/dpkg/dpkg.cfg.d/agentrun-fresh-root" <<'EOF_DPKG'
force-unsafe-io
path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
EOF_DPKG
    prepare_chroot "$tmp"
    mount_into "$tmp/var/cache/apt/archives" --bind "$cache/apt-archives"
    # Package scripts must not start services (docker.io would start a daemon) inside the chroot.
    printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
    chmod 755 "$tmp/usr/sbin/policy-rc.d"
    local t1 rc=0
    t1=$(now_s)
    {
        in_chroot "$tmp" apt-get update -q &&
            in_chroot "$tmp" apt-get install -y -q --no-install-recommends "${packages[@]}"
    } >>"$log" 2>&1 || rc=$?
    if [[ $rc -ne 0 ]]; then
        tail -n 25 "$log" >&2
        local bad
        bad=$(sed -n 's/^E: Unable to locate package \(.*\)$/\1/p; s/^E: Package '\''\([^'\'']*\)'\'' has no installation candidate$/\1/p' \
            "$log" | sort -u | tr '\n' ' ')
        [[ -n $bad ]] && die "Debian $SUITE has no package named: ${bad% }. Fix the name in \
packaging/lib/packages.sh (apt-cache search finds the right one), then rerun"
        die "apt-get install of the package list failed in the fresh root (exit $rc; full log: $log). Read the \
apt error above: a conflict or an archive that cannot be reached"
    fi
    local count
    # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
    count=$(in_chroot "$tmp" dpkg-query -W -f='${db:Status-Abbrev}\n' | grep -c '^ii')
    unmount_all
    scratch=() # the root is complete: it is no longer scratch
    mv "$tmp" "$rootfs"
    printf 'built %s\n%s\n' "$(date -u +%FT%TZ)" "${packages[*]}" >"$rootfs.ready"
    msg "root $hash ready in $(elapsed "$t0") (installing $(elapsed "$t1"); $count packages installed)"
    # Roots of older package lists are not needed any more.
    local old
    for old in "$cache"/root-*; do
        [[ $old == "$rootfs" || $old == "$rootfs.ready" || ! -e $old ]] && continue
        grep -qF " $old" /proc/self/mountinfo && continue
        msg "removing the root of an older package list: ${old##*/}"
        rm -rf --one-file-system "$old"
    done
}

# One builder of the root at a time; users of a root hold the lock shared, so it is not removed under them.
exec {lock_fd}>"$cache/lock"
if [[ $rebuild -eq 1 || ! -f $rootfs.ready ]]; then
    flock -x "$lock_fd"
    if [[ $rebuild -eq 1 && -d $rootfs ]]; then
        msg "--rebuild: removing the cached root $hash"
        rm -f "$rootfs.ready"
        rm -rf --one-file-system "$rootfs"
    fi
    [[ -f $rootfs.ready ]] || build_root
    flock -u "$lock_fd"
else
    msg "root $hash for this package list is cached ($(head -n 1 "$rootfs.ready")), reused"
fi
flock -s "$lock_fd"

# ---- 2. a throw-away overlay on the root, with the source ---------------------------------------------
# Overlays of runs that died without cleaning up (their owner's pid is gone) are removed first.
for old in "$cache"/run.*; do
    [[ -d $old ]] || continue
    owner=$(cat "$old/owner" 2>/dev/null || true)
    if [[ -z $owner ]]; then
        # Written right after mktemp: a directory without it is either being set up this moment or
        # older than this check; only the latter is removed.
        [[ -n $(find "$old" -maxdepth 0 -mmin +10) ]] || continue
    elif kill -0 "$owner" 2>/dev/null; then
        continue
    fi
    msg "removing ${old##*/}, the overlay of an earlier run that did not finish"
    remove_leftover "$old"
done
work=$(mktemp -d "$cache/run.XXXXXX")
scratch+=("$work")
echo $$ >"$work/owner"
mkdir -p "$work/upper" "$work/work" "$work/merged"
chroot_dir=$work/merged
if ! mount_into "$chroot_dir" -t overlay overlay -o "lowerdir=$rootfs,upperdir=$work/upper,workdir=$work/work" 2>/dev/null; then
    warn "no overlay file system here: copying the cached root instead (slower)"
    cp -a "$rootfs/." "$chroot_dir/"
fi
prepare_chroot "$chroot_dir"
host_trust "$chroot_dir"
mkdir -p "$chroot_dir/var/cache/agentrun-ccache"
mount_into "$chroot_dir/var/cache/agentrun-ccache" --bind "$cache/ccache"

# As a fresh clone has it: the committed tree, plus uncommitted changes to tracked files (git stash
# create makes a commit of them without touching the working tree or the stash list).
t0=$(now_s)
mkdir -p "$chroot_dir/src"
git_in() { git -c safe.directory="$src" -C "$src" "$@"; }
if git_in rev-parse --git-dir >/dev/null 2>&1; then
    ref=$(git_in stash create 2>/dev/null || true)
    git_in archive --format=tar "${ref:-HEAD}" | tar -x -C "$chroot_dir/src"
    what="HEAD $(git_in rev-parse --short HEAD)"
    [[ -n $ref ]] && what+=" with the uncommitted changes to tracked files"
    msg "source: git archive of $what"
else
    tar -C "$src" --exclude=./build --exclude=./.cache -c . | tar -x -C "$chroot_dir/src"
    msg "source: not a git checkout, copied without build/ and .cache/"
fi

# ---- 3. the tools quickstart and the test suite run ----------------------------------------------------
# tool:package (the package of the list that provides it).
TOOLS=(cc:build-essential c++:build-essential make:build-essential dpkg-shlibdeps:build-essential
    cmake:cmake ctest:cmake cpack:cmake ninja:ninja-build ccache:ccache pkg-config:pkg-config git:git
    node:nodejs npm:npm clang:clang clang++:clang docker:docker.io dockerd:docker.io runsc:runsc
    debootstrap:debootstrap xvfb-run:xvfb Xvfb:xvfb xauth:xauth help2man:help2man lintian:lintian
    desktop-file-validate:desktop-file-utils appstreamcli:appstream dpkg-deb:dpkg ldd:libc-bin python3:python3)
missing_tools=()
for pair in "${TOOLS[@]}"; do
    in_chroot "$chroot_dir" sh -c "command -v '${pair%%:*}'" >/dev/null || missing_tools+=("${pair%%:*} (package ${pair#*:})")
done
if [[ ${#missing_tools[@]} -gt 0 ]]; then
    die "the fresh root lacks tools quickstart or the tests run: ${missing_tools[*]}. Add the package to \
packaging/lib/packages.sh (or fix TOOLS in ${BASH_SOURCE[0]##*/} if the tool moved)"
fi
msg "tools: all ${#TOOLS[@]} present (compilers, CMake, Ninja, npm, docker.io, runsc, the .deb test's tools)"
# The Python client's tests (tests/python/run_tests.py) install it with pip into a venv, offline: the
# venv module and the build backend (setuptools, wheel) must come from the list.
in_chroot "$chroot_dir" sh -c 'rm -rf /tmp/pyclient-venv && python3 -m venv --system-site-packages /tmp/pyclient-venv &&
    PIP_CONFIG_FILE=/dev/null /tmp/pyclient-venv/bin/pip install --quiet --no-index --no-build-isolation \
        --no-cache-dir /src/clients/python && /tmp/pyclient-venv/bin/python -c "import agentrun_workbench.compat"' ||
    die "the fresh root cannot pip-install clients/python offline: add python3-venv, python3-setuptools and \
python3-wheel to packaging/lib/packages.sh"
msg "python: clients/python installs offline into a venv"

# ---- 4. configure with the presets ---------------------------------------------------------------------
# A failed find_package names the CMake package that is missing; the host usually has it, so the hint
# can name the Debian package that ships it.
configure_hint() {
    local log=$1 names n pkg
    # CMake wraps its messages: join the lines first. "Could NOT find X" only counts when it is an
    # error (a REQUIRED find module); Qt's optional look-ups (XKB, …) print it as a status line.
    names=$({
        tr -s '\n ' '  ' <"$log" | grep -oE 'dependency [A-Za-z0-9_]+ could not|configuration file provided by "[A-Za-z0-9_]+"'
        grep -A 3 'CMake Error at .*FindPackageHandleStandardArgs' "$log" | grep -oE 'Could NOT find [A-Za-z0-9_]+'
    } | sed -E 's/^dependency ([A-Za-z0-9_]+) could not$/\1/; s/^configuration file provided by "([A-Za-z0-9_]+)"$/\1/; s/^Could NOT find //' |
        sort -u || true)
    for n in $names; do
        pkg=$(host_package_of "*/cmake/$n/${n}Config.cmake")
        [[ -n $pkg ]] || pkg=$(host_package_of "*/cmake/*/${n,,}-config.cmake")
        if [[ -n $pkg ]]; then
            printf '%s: CMake package %s is missing in the fresh root; this machine has it from the Debian package %s: add %s to packaging/lib/packages.sh\n' \
                "$MSG_PREFIX" "$n" "$pkg" "$pkg" >&2
        else
            printf '%s: CMake package %s is missing in the fresh root: find the Debian package that ships %sConfig.cmake (apt-file search) and add it to packaging/lib/packages.sh\n' \
                "$MSG_PREFIX" "$n" "$n" >&2
        fi
    done
}
# configure PRESET [EXTRA-ARGS...]: into /build/PRESET inside the root.
configure() {
    local preset=$1 t0 log=$work/configure-$1.log
    shift
    t0=$(now_s)
    if ! in_chroot "$chroot_dir" sh -c 'cd /src && exec cmake "$@"' sh --preset "$preset" -B "/build/$preset" "$@" \
        >"$log" 2>&1; then
        tail -n 25 "$log" >&2
        if grep -q 'npm pack tree-sitter-python.*failed' "$log"; then
            die "cmake --preset $preset: npm pack failed in the fresh root. npm is there (the tools check passed), \
so the root cannot reach the npm registry as this machine does: DNS (/etc/resolv.conf), proxy variables \
or a local CA certificate missing from /usr/local/share/ca-certificates"
        fi
        configure_hint "$log"
        die "cmake --preset $preset failed in the fresh root, with exactly the packages of packaging/lib/packages.sh: \
the list misses what the configure step needs (see above). Add the package and rerun ./packaging/quickstart.sh test"
    fi
    msg "configure: cmake --preset $preset${*:+ $*} passed ($(elapsed "$t0"))"
}
configure ci
configure asan -DAGENTRUN_GUI=OFF
configure fuzz

# ---- 5. compile one translation unit of each library and program ----------------------------------------
# a source file (or an object as ninja names it) and why it was chosen: each library and program, and each third-party
# header family the list must provide.
OBJECTS=(
    "core/src/safety/syntaxtree.cpp|agentrun_safety (tree-sitter)"
    "core/src/engine/connecterror.cpp|agentrun_core (libcurl)"
    "core/src/history/sqlite.cpp|agentrun_core (SQLite)"
    "core/src/sandbox/imagebuilder.cpp|agentrun_core (OpenSSL)"
    "ui/resourcepanel.cpp|agentrun_ui (Qt Charts)"
    "ui/codeeditor.cpp|agentrun_ui (QScintilla)"
    "app/cli/resthttp.cpp|the CLI's REST server (cpp-httplib)"
    "app/cli/commandline.cpp|the agentrun CLI (CLI11)"
    "app/workbench/main.cpp|agentrun-workbench (Qt Widgets)"
    "tests/unit/tst_demuxer.cpp|a test (Qt Test)"
    "CMakeFiles/tree_sitter_python.dir/_deps/tree-sitter-python/package/src/scanner.c.o|the grammar npm fetched (C)"
)
# compile BUILD-DIR OBJECT|WHAT...: the objects and exactly what they need, not what ninja would build
# first. Ninja would link every library a Qt target uses before its moc step (CMake makes AUTOMOC
# depend on the linked libraries), i.e. compile all of core for the first Qt object. So the commands
# come from `ninja -t commands OBJECT`: the code generators among them (moc, rcc; lines without -o)
# run once each, in order; the other objects' compiles and the archive and link steps are left out;
# then the objects compile in parallel with their exact commands (through the root's ccache).
compile() {
    local dir=$1 t0 log=$work/compile-${1##*/}.log known entry obj line n=0 objs=() scripts=()
    local -A done_cmd=()
    shift
    t0=$(now_s)
    known=$(in_chroot "$chroot_dir" ninja -C "$dir" -t targets all | cut -d: -f1)
    : >"$log"
    for entry in "$@"; do
        obj=${entry%%|*}
        if [[ $obj != *.o ]]; then
            # A source: its object is DIR/CMakeFiles/TARGET.dir/REST.o for the source DIR/REST, whatever
            # the target (a library moving to another target does not break the check).
            obj=$(sed -nE 's#^((.*/)?)CMakeFiles/[^/]+\.dir/(.*)\.o$#\1\3 &#p' <<<"$known" |
                awk -v s="$obj" '$1 == s && !found { found = $2 } END { print found }')
            [[ -n $obj ]] || die "${entry%%|*} has no object in $dir any more (renamed or moved?): update \
OBJECTS in packaging/${BASH_SOURCE[0]##*/}"
        fi
        grep -qxF "$obj" <<<"$known" || die "$obj is not a target of $dir any more (a source renamed or \
moved?): update OBJECTS in packaging/${BASH_SOURCE[0]##*/}"
        objs+=("$obj")
        while IFS= read -r line; do
            if [[ $line == *" -o $obj -c "* ]]; then
                n=$((n + 1))
                printf 'cd %s && %s\n' "$dir" "$line" >"$chroot_dir/$dir/fresh-root-compile-$n.sh"
                scripts+=("$dir/fresh-root-compile-$n.sh")
            elif [[ $line != *" -o "* && $line != *"/ar "* && -z ${done_cmd[$line]:-} ]]; then
                done_cmd[$line]=1
                in_chroot "$chroot_dir" sh -c "cd '$dir' && $line" >>"$log" 2>&1 || {
                    tail -n 25 "$log" >&2
                    die "a code generator for $obj failed in the fresh root (moc/rcc; full log: $log)"
                }
            fi
        done < <(in_chroot "$chroot_dir" ninja -C "$dir" -t commands "$obj")
    done
    [[ ${#scripts[@]} -eq ${#objs[@]} ]] || die "ninja -t commands did not give one compile command per object in \
$dir: update compile() in packaging/${BASH_SOURCE[0]##*/}"
    if ! printf '%s\n' "${scripts[@]}" | in_chroot "$chroot_dir" xargs -P "$(nproc)" -n 1 sh >>"$log" 2>&1; then
        tail -n 25 "$log" >&2
        local header pkg
        header=$(sed -n 's/.*fatal error: \([^:]*\): No such file or directory.*/\1/p' "$log" | head -n 1)
        if [[ -n $header ]]; then
            pkg=$(host_package_of "*/$header")
            die "compiling in the fresh root failed: header $header is missing${pkg:+ (this machine has it from \
$pkg)}: add its package to packaging/lib/packages.sh"
        fi
        die "compiling in the fresh root failed (see above). If it also fails here, it is a code error; \
otherwise the fresh root lacks a package"
    fi
    for obj in "${objs[@]}"; do
        [[ -s $chroot_dir/$dir/$obj ]] || die "the compile of $obj passed but left no object file (log: $log)"
    done
    local what=""
    for entry in "$@"; do what+="${what:+, }${entry#*|}"; done
    msg "compile: ${#objs[@]} object(s) in preset ${dir#/build/} passed ($(elapsed "$t0")): $what"
}
compile /build/ci "${OBJECTS[@]}"

# The fuzz preset: one fuzz target's object (clang, ASan+UBSan) and a libFuzzer link, which needs the
# fuzzer runtime of libclang-rt-14-dev.
fuzz_obj=$(in_chroot "$chroot_dir" ninja -C /build/fuzz -t targets all | cut -d: -f1 |
    grep -m 1 -E '^tests/fuzz/CMakeFiles/fuzz_[a-z]+\.dir/fuzz_[a-z]+\.cpp\.o$' || true)
[[ -n $fuzz_obj ]] || die "the fuzz preset has no fuzz_*.cpp.o target in the fresh root: update ${BASH_SOURCE[0]##*/}"
compile /build/fuzz "$fuzz_obj|a libFuzzer target, ${fuzz_obj##*/} (clang, ASan+UBSan)"
t0=$(now_s)
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
    >"$chroot_dir/tmp/fuzz_probe.cpp"
in_chroot "$chroot_dir" clang++ -fsanitize=fuzzer,address,undefined /tmp/fuzz_probe.cpp -o /tmp/fuzz_probe \
    >"$work/fuzz-link.log" 2>&1 || {
    cat "$work/fuzz-link.log" >&2
    die "clang++ -fsanitize=fuzzer,address,undefined cannot link in the fresh root: the libFuzzer/ASan runtimes \
(libclang-rt-14-dev for clang 14) are missing from packaging/lib/packages.sh"
}
msg "link: a libFuzzer + ASan + UBSan program links ($(elapsed "$t0"))"

msg "passed in $(elapsed "$T0"): the ${#packages[@]} packages of packaging/lib/packages.sh are enough, from nothing, \
to configure (ci, asan, fuzz) and compile each library and program"
