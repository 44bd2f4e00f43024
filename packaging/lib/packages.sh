# shellcheck shell=bash
# The Debian packages the set-up needs: the one place the list lives. Sourced, never run, by
# packaging/quickstart.sh (its packages step installs what is missing) and packaging/fresh-root-check.sh
# (which installs exactly this list into an empty Debian root to prove that it is complete).
#
# Both README commands need all of it: normal mode builds and runs the programs (compilers, CMake,
# Ninja, Qt 6, the libraries, npm for the tree-sitter grammar, docker.io for the engine, debootstrap for
# the offline sandbox base); test mode also uses clang + its sanitizer/libFuzzer runtimes (presets fuzz),
# runsc (the security suite under gVisor), help2man, lintian, desktop-file-utils and appstream (the .deb
# test), xvfb and xauth (screenshots on a machine without a display, docs/gui.md).
# qt6-charts-dev's CMake config needs Qt6OpenGL, which Debian's qt6-charts-dev does not depend on:
# libqt6opengl6-dev is listed for that (issue 15; the fresh-root check fails without it).
# python3-venv, python3-setuptools and python3-wheel: the Python client's tests (tests/python) install
# clients/python into a venv with pip, offline (--no-index --no-build-isolation): setuptools is its build
# backend and, at Debian's version 66, needs wheel to build one.
# openssl: the allowlist tests (tests/security/tst_allowlist.cpp) make the fake internet's self-signed
# certificate with it.

AGENTRUN_PACKAGES=(
    build-essential cmake ninja-build ccache pkg-config git nodejs npm
    qt6-base-dev qt6-charts-dev libqt6opengl6-dev qt6-svg-dev libqscintilla2-qt6-dev
    libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libcli11-dev libtree-sitter-dev libsqlite3-dev libcpp-httplib-dev libgl-dev
    docker.io debootstrap xvfb xauth clang libclang-rt-14-dev help2man lintian desktop-file-utils appstream
    runsc python3 python3-venv python3-setuptools python3-wheel openssl
)

# The packages this machine needs, one per line: the list above, plus apparmor when AppArmor is enabled
# in the kernel (docker.io only recommends it, but dockerd then needs apparmor_parser to load its
# default container profile).
agentrun_wanted_packages() {
    printf '%s\n' "${AGENTRUN_PACKAGES[@]}"
    if [[ $(cat /sys/module/apparmor/parameters/enabled 2>/dev/null) == Y ]]; then
        printf '%s\n' apparmor
    fi
}
