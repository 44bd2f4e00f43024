#!/usr/bin/env bash
# Generate the man pages from the programs' own --help, so that they never drift from the code:
# agentrun(1), one page per command (agentrun-run(1), agentrun-check(1), …) and, when the GUI is
# built, agentrun-workbench(1). Written gzipped (gzip -9n, as Debian wants them) into OUTDIR.
#
#   packaging/man/make-manpages.sh OUTDIR VERSION AGENTRUN [AGENTRUN_WORKBENCH]
#
# Run by the build (cmake/Packaging.cmake, target agentrun_manpages). Needs help2man (Debian package
# help2man). The .h2m files next to this script add the sections --help has no room for.
set -euo pipefail

if [[ $# -lt 3 || $# -gt 4 ]]; then
    echo "usage: $0 OUTDIR VERSION AGENTRUN [AGENTRUN_WORKBENCH]" >&2
    exit 2
fi
out=$1 version=$2 cli=$3 gui=${4:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
command -v help2man >/dev/null 2>&1 || {
    echo "make-manpages: help2man is not installed (apt-get install help2man)" >&2
    exit 1
}
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/agentrun-man.XXXXXX")
trap 'rm -rf "$work"' EXIT

# One help2man call; $1 page name, $2 program to run with --help, $3 NAME line, $4.. extra options.
page() {
    local name=$1 program=$2 description=$3
    shift 3
    local includes=()
    [[ -f $here/$name.h2m ]] && includes+=(--include "$here/$name.h2m")
    [[ -f $here/common.h2m ]] && includes+=(--include "$here/common.h2m")
    help2man --no-info --locale C.UTF-8 --section 1 --manual "AgentRun Workbench" --source "AgentRun Workbench $version" \
        --version-string "$version" --name "$description" "${includes[@]}" "$@" \
        --output "$work/$name.1" "$program"
    # gzip -n: no name or time stamp in the archive (help2man dates the page by SOURCE_DATE_EPOCH when set).
    gzip -9n <"$work/$name.1" >"$out/$name.1.gz.tmp"
    mv -f "$out/$name.1.gz.tmp" "$out/$name.1.gz"
}

# agentrun --help lists the commands one line each under "Subcommands:": a blank line before each keeps
# help2man from running them into one paragraph.
main=$work/agentrun
cat >"$main" <<WRAPPER
#!/bin/sh
"$cli" "\$@" | awk '/^Subcommands:/ { list = 1 } list && /^  [a-z]/ { print "" } { print }'
WRAPPER
chmod +x "$main"
page agentrun "$main" "run LLM-generated Python safely in a hardened container"

# The commands: help2man names a page after the program it runs, so each gets a tiny wrapper named
# agentrun-COMMAND that runs `agentrun COMMAND --help`.
declare -A what=(
    [run]="run a Python file in a fresh hardened sandbox"
    [check]="static safety check of Python code"
    [serve]="REST server, a drop-in for AgentRun's /v1/run/ plus /v2"
    [mcp]="MCP server over stdio for agents (tools run_python and check_python)"
    [tool-schema]="print the run tool's JSON schema for function calling (OpenAI, Anthropic)"
    [image]="build or inspect the sandbox image"
    [profile]="list, show, export, import and delete limit profiles"
    [deps]="list, prune or bake the dependency cache (volumes and baked images)"
    [doctor]="check the container engine, its runtimes and the sandbox image"
    [history]="list and show the recorded runs"
)
for command in run check serve mcp tool-schema image profile deps doctor history; do
    wrapper=$work/agentrun-$command
    printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$cli" "$command" >"$wrapper"
    chmod +x "$wrapper"
    page "agentrun-$command" "$wrapper" "${what[$command]}"
done

if [[ -n $gui ]]; then
    # QApplication needs a platform before it can print --help; offscreen needs no display.
    QT_QPA_PLATFORM=offscreen page agentrun-workbench "$gui" "desktop workbench to run LLM-generated Python safely"
fi
