#pragma once

// The catalogue of the error codes AgentRun emits: Error::code, RunResult::errorCode, the "code" of the
// REST error object and of `--json` output. Codes are stable — scripts and clients compare them — so each
// exists once, here, as a named constant the sources use (tests/unit/tst_errorcodes.cpp fails on a code
// written as a string literal anywhere else in core/, app/ or ui/), with its meaning, what to do about it
// and its kind. docs/reference/errors.md is generated from this table (tests/docs/errorsreference.cpp)
// and the test docs.errors fails when it differs.
//
// A code's Kind is what status decisions read (run status, HTTP status, exit status): kindOf(code), not
// a comparison with the code's text, so a new code of a known kind is handled the same way everywhere.
//
// Adding a code: one X(...) line in its area (Name, "area.name", Kind, meaning, what to do), then
// `ninja -C build/ci docs-reference` to regenerate the reference.

#include <array>
#include <span>
#include <string_view>

namespace agentrun::errc {

/// What kind of failure a code is; status decisions are made on it.
enum class Kind
{
    Invalid,     ///< the input (request, flag, profile, file) is wrong: fix it and try again
    Setup,       ///< a setting the operation needs is missing or unusable (a package source): set it
    Rejected,    ///< valid, but refused by a rule (safety policy, whitelist, server ceiling, token)
    NotFound,    ///< what was named does not exist, or names more than one thing
    Busy,        ///< in use or at capacity: try again later
    Cancelled,   ///< stopped on request
    Limit,       ///< stopped at one of its limits (time, memory, output, processes, size)
    Outcome,     ///< how the program in the sandbox ended (exception, crash, kill): its own doing
    Unavailable, ///< the Docker engine (or another store AgentRun needs) cannot be used right now
    Failed,      ///< an operation failed (build, install, read, write): the message says why
    Internal,    ///< AgentRun itself ran out of a resource or hit a bug
};

// clang-format off
// X(Name, "code", Kind, "what it means", "what to do") — one line per code, grouped by area.

#define AGENTRUN_ERRORS_ENGINE(X) \
    X(EngineAddress, "engine.address", Unavailable, "DOCKER_HOST (or the engine setting) is not an address AgentRun can use.", "Give unix:///path/to/docker.sock or tcp://host:port, or unset DOCKER_HOST for the default socket.") \
    X(EngineUnreachable, "engine.unreachable", Unavailable, "Nothing answers at the Docker engine's address.", "Start the Docker engine (systemctl start docker) or point DOCKER_HOST at a running one.") \
    X(EnginePermission, "engine.permission", Unavailable, "The engine's socket exists but this user may not open it.", "Add the user to the docker group (and log in again), or use a socket the user may open.") \
    X(EngineTimeout, "engine.timeout", Unavailable, "The engine did not answer within the request's time.", "Check the engine's load and health (docker info); try again.") \
    X(EngineConnectionLost, "engine.connection_lost", Unavailable, "The connection to the engine broke mid-request.", "Check that the engine is still running (it may have restarted); try again.") \
    X(EngineTransport, "engine.transport", Unavailable, "Talking to the engine failed below HTTP (libcurl reports the cause).", "Read the message; check the address and the engine.") \
    X(EngineProtocol, "engine.protocol", Unavailable, "The engine sent an answer or stream AgentRun cannot read.", "Check that DOCKER_HOST points at a Docker engine (not a proxy or another service); update the engine.") \
    X(EngineError, "engine.error", Unavailable, "The engine refused a request with an error of its own.", "Read the engine's message in the error; docker info and the engine's log say more.") \
    X(EngineTooOld, "engine.too_old", Unavailable, "The engine speaks an older API than AgentRun needs.", "Update Docker to a version with the API version the message names.") \
    X(EngineInternal, "engine.internal", Internal, "AgentRun could not set up a request (libcurl handle: out of memory?).", "Free memory and try again; report it if it persists.") \
    X(EngineStream, "engine.stream", Unavailable, "The attach stream to the sandbox closed, or the sandbox stopped reading its input.", "The run cannot take more input; look at its output for why it stopped reading.") \
    X(EngineLostDuringRun, "engine.lost_during_run", Unavailable, "The engine went away (restart, stop) during a run, so its outcome is unknown.", "Start the engine again and rerun; the leftover container is removed once the engine is back.") \
    X(RuntimeMissing, "runtime.missing", Unavailable, "The run asks for the gVisor runtime (runsc) but the engine has none registered; nothing ran.", "Install runsc and register it in /etc/docker/daemon.json, or choose the runc runtime.")

#define AGENTRUN_ERRORS_CONTAINER(X) \
    X(NetworkProxy, "network.proxy", Unavailable, "The egress proxy of an allowlisted run could not be started (its image is missing, or the engine refused its network or container).", "Build the proxy image (./packaging/quickstart.sh image, or packaging/sandbox/build-base.sh --variant proxy) and read the engine's message in the error.") \
    X(NetworkEgress, "network.egress", Unavailable, "An allowlisted run needs the engine network its proxy reaches out through (bridge, or AGENTRUN_EGRESS_NETWORK), and the engine does not have it.", "Start the engine with its bridge network, or set AGENTRUN_EGRESS_NETWORK to a network the engine has.") \
    X(EngineNoBridge, "engine.no_bridge", Unavailable, "The run asks for network (--network bridge or an index URL) but the engine has no bridge network.", "Start the engine with its default bridge network (not --bridge=none), or use a wheelhouse instead of an index.") \
    X(ContainerGone, "container.gone", NotFound, "The container no longer exists (removed from outside).", "Rerun; check that nothing else removes AgentRun's containers.") \
    X(ContainerConflict, "container.conflict", Busy, "The engine refused an operation that conflicts with the container's state or name.", "Try again once the other operation is over.") \
    X(ContainerState, "container.state", Failed, "The engine refused an operation on the container in its current state.", "Read the engine's message in the error.") \
    X(ImageMissing, "image.missing", NotFound, "The sandbox (or named) image is not in the engine.", "Build it: agentrun image build (or Run > Build Sandbox Image in the workbench).") \
    X(ImageSources, "image.sources", NotFound, "The sandbox image's sources (packaging/sandbox/Dockerfile, resources/agent/) were not found or not readable.", "Set AGENTRUN_DATA_DIR to the directory holding packaging/ and resources/ (an installed package finds them itself).") \
    X(ImageBaseMissing, "image.base_missing", NotFound, "The base image the sandbox image is built on is not in the engine.", "Pull or load the base image the message names, then build again.") \
    X(ImageImportFailed, "image.import_failed", Failed, "Importing a root filesystem as an image failed.", "Read the engine's message; check disk space.") \
    X(ImageBuildFailed, "image.build_failed", Failed, "An image build step failed.", "Read the failed step's output in the message; check disk space and the base image.") \
    X(ImageCancelled, "image.cancelled", Cancelled, "The image build was cancelled.", "Start the build again when wanted.")

#define AGENTRUN_ERRORS_ARCHIVE(X) \
    X(ArchivePath, "archive.path", Invalid, "A path to archive is absolute, empty or climbs out with \"..\".", "Give relative paths inside the sandbox.") \
    X(ArchiveMalformed, "archive.malformed", Failed, "The tar archive from the container is malformed.", "Nothing was copied; rerun, and report it if it persists.") \
    X(ArchiveTooManyEntries, "archive.too_many_entries", Limit, "The files to copy out hold more entries than the cap.", "Collect fewer files (a narrower path or pattern).") \
    X(ArchiveFileTooLarge, "archive.file_too_large", Limit, "One file to copy out is larger than the per-file cap.", "Collect smaller files, or write less into them.") \
    X(ArchiveTooLarge, "archive.too_large", Limit, "The files to copy out exceed the total cap.", "Collect fewer or smaller files.") \
    X(ArchiveTruncated, "archive.truncated", Failed, "The archive from the container ended early.", "Rerun; check the engine's health.") \
    X(ArchiveMissing, "archive.missing", NotFound, "The path to copy does not exist in the container.", "Check the path the program writes to.") \
    X(ArchiveReadOnly, "archive.read_only", Failed, "The engine cannot write into that path of the container.", "Choose a writable path (e.g. under /tmp).") \
    X(ArchiveCancelled, "archive.cancelled", Cancelled, "The copy out of the container was cancelled.", "Nothing to do.") \
    X(CollectTimeout, "collect.timeout", Limit, "Copying files out took longer than 120 s and was stopped.", "Collect fewer or smaller files.") \
    X(CopyoutHost, "copyout.host", Failed, "A collected file could not be written on the host.", "Check the destination folder's permissions and free space.") \
    X(CopyoutDestination, "copyout.destination", Invalid, "The destination for collected files is not a usable folder.", "Give an existing, writable folder (or one that can be created).") \
    X(CopyoutRunning, "copyout.running", Invalid, "Files are copied only out of a stopped (or paused) container.", "Copy after the run has ended.")

#define AGENTRUN_ERRORS_RUN(X) \
    X(RunTimeout, "run.timeout", Limit, "The run exceeded its timeout and the sandbox was stopped.", "Raise the timeout (--timeout, limits.timeout) if the code needs longer.") \
    X(RunCancelled, "run.cancelled", Cancelled, "The run was cancelled and the sandbox stopped.", "Nothing to do.") \
    X(RunNetworkLimit, "run.network_limit", Limit, "The program moved more bytes over its allowlisted network than its cap and the sandbox was stopped.", "Raise the network byte cap (--network-bytes, limits.network_bytes) if that much traffic is expected.") \
    X(RunOutputLimit, "run.output_limit", Limit, "The program wrote more than the output limit to stdout or stderr; the output before the cut is kept.", "Raise the output limit, or write less.") \
    X(RunOutOfMemory, "run.out_of_memory", Limit, "The program needed more than the memory limit (files in /tmp count too) and was killed.", "Raise the memory limit if that is expected.") \
    X(RunPidsLimit, "run.pids_limit", Limit, "The program failed after reaching the process limit: it could not start more processes or threads.", "Raise the process limit (--pids), or start fewer.") \
    X(RunKilled, "run.killed", Outcome, "The program was killed by a signal, or the sandbox stopped before it finished.", "Read the message for the signal.") \
    X(RunCrashed, "run.crashed", Outcome, "The program crashed (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT).", "Look for native code (extensions, ctypes) that misbehaves.") \
    X(RunException, "run.exception", Outcome, "The program raised an exception; the traceback is on stderr.", "Fix the code.") \
    X(RunExitStatus, "run.exit_status", Outcome, "The program exited with a non-zero status.", "See its output.") \
    X(RunNotFound, "run.not_found", NotFound, "No run with that id on this server (running or in its history).", "Check the run id.") \
    X(SessionNotFound, "session.not_found", NotFound, "No open session with that id (never opened, closed, or ended by its idle time or lifetime).", "Open a new session (POST /v2/sessions, agentrun session) and use its id.") \
    X(SessionBusy, "session.busy", Busy, "The session is running another run: a session runs one at a time, never interleaved.", "Wait for its run to end (or cancel it), then send the next one.") \
    X(SessionLimit, "session.limit", Busy, "As many sessions are open as the server allows (--max-sessions).", "Close a session you no longer need (DELETE /v2/sessions/ID), or wait for an idle one to expire.") \
    X(SessionPackages, "session.packages", Rejected, "The code needs packages that are not in the session's image; a session does not install packages.", "Run it as a fresh run (it installs them), or bake them into an image (agentrun deps bake) and open the session on it.") \
    X(SafetySyntaxError, "safety.syntax_error", Rejected, "The code has a syntax error, so the check blocked it; nothing was run. The message quotes Python's own SyntaxError.", "Fix the syntax at the line and caret shown.") \
    X(SafetyBlocked, "safety.blocked", Rejected, "The safety check blocked the code; nothing was run.", "Change the code, or use a policy that allows it.") \
    X(PolicyOverride, "policy.override", Rejected, "Skipping the safety check was asked but the policy does not allow it.", "Use a policy with allow_override, or run the check.")

#define AGENTRUN_ERRORS_LIMITS(X) \
    X(LimitsTimeout, "limits.timeout", Invalid, "The timeout is out of range (or above a server's ceiling).", "Give a timeout within the range the message names.") \
    X(LimitsMemory, "limits.memory", Invalid, "The memory limit is out of range (or above a server's ceiling).", "Give a size within the range the message names, e.g. 256m.") \
    X(LimitsMemorySwap, "limits.memory_swap", Invalid, "Memory + swap is below the memory limit or above twice it.", "Give a value between the memory limit and twice it.") \
    X(LimitsCpus, "limits.cpus", Invalid, "The CPU share is out of range (or above a server's ceiling).", "Give a number of CPUs within the range the message names.") \
    X(LimitsPids, "limits.pids", Invalid, "The process limit is out of range, not a whole number, or above a server's ceiling.", "Give a whole number within the range the message names.") \
    X(LimitsOutputLimit, "limits.output_limit", Invalid, "The output limit is out of range (or above a server's ceiling).", "Give a size within the range the message names.") \
    X(LimitsTmpfs, "limits.tmpfs", Invalid, "The /tmp size is out of range (or above a server's ceiling).", "Give a size within the range the message names.") \
    X(LimitsNetwork, "limits.network", Invalid, "The network mode is not none, allow or bridge (open), or the server does not give runs that network access.", "Use none, allow with a host list, or bridge where allowed.") \
    X(LimitsAllowHosts, "limits.allow_hosts", Invalid, "An allowlist entry is not a host name with an optional port (name, *.name, name:port), the list is empty for network allow, given without network allow, too long, or outside a server's allowlist.", "Give host names like api.example.com, *.example.org or api.example.com:8443 (no addresses, no schemes).") \
    X(LimitsNetworkBytes, "limits.network_bytes", Invalid, "The network byte cap is out of range (or above a server's ceiling).", "Give a size within the range the message names, e.g. 64m.") \
    X(LimitsRuntime, "limits.runtime", Invalid, "The runtime is not runc or runsc, or not the one this server uses.", "Use runc or runsc (as the server allows).")

#define AGENTRUN_ERRORS_REQUEST(X) \
    X(RequestBody, "request.body", Invalid, "The REST request body is not a JSON object.", "Send an object like {\"code\": \"print(1)\"}.") \
    X(RequestJson, "request.json", Invalid, "The REST request body is not valid JSON.", "Send valid JSON with Content-Type: application/json.") \
    X(RequestJsonDepth, "request.json_depth", Invalid, "The REST request body nests deeper than the server reads.", "Send a flatter body.") \
    X(RequestMalformed, "request.malformed", Invalid, "The HTTP request is malformed.", "Fix the client's request.") \
    X(RequestContentType, "request.content_type", Invalid, "A request with a body is not sent as application/json.", "Send Content-Type: application/json.") \
    X(RequestTooLarge, "request.too_large", Limit, "The request body is larger than the server accepts.", "Send less code or input.") \
    X(RequestHeaderTooLarge, "request.header_too_large", Limit, "The request's headers are larger than the server accepts.", "Send shorter headers.") \
    X(RequestTimeout, "request.timeout", Limit, "The client did not send a whole request in time.", "Send the request at once; check the client's connection.") \
    X(RequestNotFound, "request.not_found", NotFound, "No such REST endpoint.", "See docs/reference/rest.md for the endpoints.") \
    X(RequestFailed, "request.failed", Invalid, "The HTTP layer refused the request.", "Read the message; fix the client's request.") \
    X(RequestHost, "request.host", Rejected, "The Host header names no address this server listens as (DNS-rebinding guard).", "Connect by the address the server was started on.") \
    X(RequestOrigin, "request.origin", Rejected, "A browser page from another origin called the server.", "Call the server from a script or its own origin.") \
    X(RequestCollect, "request.collect", Invalid, "The files to collect are too many or a path is not allowed.", "Name at most the allowed number of relative paths under the sandbox's writable folders.") \
    X(RequestCollectTo, "request.collect_to", Invalid, "The folder for collected files is not a usable, empty folder.", "Give a new or empty folder.") \
    X(RequestInstallTimeout, "request.install_timeout", Invalid, "The install timeout is outside 1 to 3600 seconds.", "Give a number of seconds between 1 and 3600.") \
    X(RequestStdin, "request.stdin", Invalid, "The stdin data is larger than 64 MiB.", "Pass less input.") \
    X(AuthToken, "auth.token", Rejected, "The request has no valid bearer token for this server.", "Send Authorization: Bearer with the server's token.")

#define AGENTRUN_ERRORS_FIELD(X) \
    X(FieldCode, "code", Invalid, "REST: \"code\" is missing or not a string.", "Send the Python source as a string in \"code\".") \
    X(FieldStdin, "stdin", Invalid, "REST: \"stdin\" is not a string.", "Send the program's input as a string.") \
    X(FieldProfile, "profile", Invalid, "REST: \"profile\" is not the name of a profile saved on the server.", "Name a saved profile (agentrun profile list on the server).") \
    X(FieldPolicy, "policy", Invalid, "REST: the policy is unknown or not allowed on this server.", "Name one of the policies the message lists.") \
    X(FieldDependencies, "dependencies", Invalid, "REST: the packages are not a list of names, or not on this server's whitelist.", "Send a list of package names the server allows.") \
    X(FieldStream, "stream", Invalid, "REST: \"stream\" is not true or false.", "Send a boolean.") \
    X(FieldLimits, "limits", Invalid, "REST or profile: \"limits\" is not an object.", "Send an object like {\"timeout\": 5, \"memory\": \"256m\"}.") \
    X(FieldSkipCheck, "skip_check", Rejected, "REST: this server does not let a run skip the safety check.", "Do not ask to skip the check.")

#define AGENTRUN_ERRORS_SERVER(X) \
    X(ServerBusy, "server.busy", Busy, "The server runs as many runs as it allows at once.", "Retry after the time in Retry-After.") \
    X(ServerConnections, "server.connections", Busy, "The server holds as many connections as it allows.", "Retry shortly; close idle connections.") \
    X(ServerBlockedBudget, "server.blocked_budget", Busy, "This client sent too many blocked runs recently.", "Wait for the time in Retry-After; send code the policy allows.") \
    X(ServerStopping, "server.stopping", Unavailable, "The server is shutting down: no new runs, running ones are cancelled.", "Retry against the restarted server.") \
    X(ServerInternal, "server.internal", Internal, "The server failed while answering (a bug).", "Report it with the server's log.") \
    X(ServeBind, "serve.bind", Failed, "The server could not listen on the host and port.", "Choose a free port, or stop what listens there.")

#define AGENTRUN_ERRORS_HISTORY(X) \
    X(HistoryOpen, "history.open", Unavailable, "The run history database could not be opened.", "Check the path's permissions and free space (AGENTRUN_HISTORY, --history).") \
    X(HistoryRead, "history.read", Failed, "Reading the run history failed.", "Check the database file; the message has SQLite's reason.") \
    X(HistoryWrite, "history.write", Failed, "Writing the run history failed (disk full, read-only?).", "Free space or fix permissions; the run itself is unaffected.") \
    X(HistorySql, "history.sql", Failed, "A history query failed.", "The message has SQLite's reason; report it if the file is healthy.") \
    X(HistoryLimits, "history.limits", Failed, "A stored run's limits are missing or mistyped.", "The record cannot be rerun with its limits; set them by hand.") \
    X(HistoryMaxBytes, "history.max_bytes", Invalid, "AGENTRUN_HISTORY_MAX_BYTES is not a size of at least the minimum.", "Give a size like 512m, or unset it.") \
    X(HistoryFigureBytes, "history.figure_bytes", Invalid, "AGENTRUN_HISTORY_FIGURE_BYTES is not a size.", "Give a size like 4m (0 keeps no images, only their sizes), or unset it.") \
    X(HistoryNotFound, "history.not_found", NotFound, "No run with that id (or id prefix) in the history.", "Check the id: agentrun history list.") \
    X(HistoryAmbiguous, "history.ambiguous", NotFound, "The id prefix names more than one run.", "Give more characters of the id.") \
    X(HistoryUnavailable, "history.unavailable", Unavailable, "The server's history cannot be read.", "Check the server's history file; the message says why.") \
    X(HistoryNoSelection, "history.no_selection", Invalid, "Workbench: no run is selected in the History panel.", "Select a run first.") \
    X(HistoryInputCapped, "history.input_capped", Failed, "Workbench: the history kept only the start of this run's input.", "Give the input again by hand.") \
    X(HistoryInputBinary, "history.input_binary", Failed, "Workbench: the run's input is not UTF-8 text, which the Input panel takes.", "Give the input as a file instead.")

#define AGENTRUN_ERRORS_PROFILE(X) \
    X(ProfileJson, "profile.json", Invalid, "The profile is not valid JSON or not a JSON object.", "Fix the JSON (a missing comma, quote or brace).") \
    X(ProfileRead, "profile.read", Failed, "The profile file could not be read.", "Check the path and its permissions.") \
    X(ProfileName, "profile.name", Invalid, "Not a profile name: 1 to 64 letters, digits, '-', '_' or '.'.", "Choose such a name.") \
    X(ProfileUnknown, "profile.unknown", NotFound, "There is no saved profile of that name.", "agentrun profile list shows the saved ones.") \
    X(ProfileReserved, "profile.reserved", Invalid, "The name is reserved for a built-in profile.", "Choose another name.") \
    X(ProfileWrite, "profile.write", Failed, "The profile file could not be written or deleted.", "Check the profile folder's permissions and free space.") \
    X(ProfileDependencies, "profile.dependencies", Invalid, "Workbench: the Dependencies panel holds an invalid entry.", "Fix the entry the panel marks.") \
    X(ProfilePolicyFile, "profile.policy_file", Failed, "Workbench: the edited policy could not be saved beside the profile.", "Check the profile folder's permissions and free space.") \
    X(PolicyUnknown, "policy.unknown", NotFound, "No policy preset or file of that name.", "Use standard, strict, agentrun-compat or a policy file's path.") \
    X(PolicyJson, "policy.json", Invalid, "The policy file is not valid JSON or not an object.", "Fix the policy file.") \
    X(PolicyExtends, "policy.extends", Invalid, "The policy's \"extends\" is not a preset name.", "Extend standard, strict or agentrun-compat.") \
    X(PolicyFile, "policy.file", Failed, "The policy file could not be read.", "Check the path and its permissions.")

#define AGENTRUN_ERRORS_DEPS(X) \
    X(DepsSpec, "deps.spec", Invalid, "A dependency spec or whitelist entry is not NAME or NAME==VERSION, or names a package twice.", "Use plain names, optionally pinned with ==.") \
    X(DepsCachedNotWhitelisted, "deps.cached_not_whitelisted", Rejected, "A cached dependency is not on the whitelist.", "Add it to the allowed packages, or drop it from the cached ones.") \
    X(DepsNotWhitelisted, "deps.not_whitelisted", Rejected, "The code imports a package that is not on the whitelist.", "Allow the package (--allow, the Dependencies panel), or drop the import.") \
    X(DepsNoSource, "deps.no_source", Setup, "The code needs a package but no package source is set.", "Give a local wheelhouse (--wheelhouse DIR) or an index URL (--index-url URL).") \
    X(DepsSource, "deps.source", Setup, "The package source is unusable (no wheelhouse folder, a comma in its path, a bad index URL).", "Give an existing wheelhouse folder or an http(s) index URL.") \
    X(DepsTimeout, "deps.timeout", Setup, "The install timeout is below 1 second.", "Give at least 1 second.") \
    X(DepsCancelled, "deps.cancelled", Cancelled, "The dependency install or bake was cancelled.", "Nothing to do.") \
    X(DepsInstallTimeout, "deps.install_timeout", Limit, "The dependency install took longer than its timeout.", "Raise the install timeout, or use a closer package source.") \
    X(DepsInstallFailed, "deps.install_failed", Failed, "pip could not install the packages (its output is in the message).", "Check that the source has wheels for the sandbox's Python and platform.") \
    X(DepsNotCache, "deps.not_cache", NotFound, "There is no dependency cache volume of that name.", "agentrun deps list shows the cache volumes.") \
    X(DepsNotBaked, "deps.not_baked", Rejected, "The image is not a baked dependency image, so it is not removed.", "Name an image agentrun deps list shows.") \
    X(DepsBusy, "deps.busy", Busy, "The cache volume or baked image is in use by a container.", "Retry when the runs using it have ended.") \
    X(DepsVolume, "deps.volume", Failed, "A dependency volume is malformed (no site-packages, an unreadable archive).", "Remove it (agentrun deps prune) so it is installed again.") \
    X(DepsImage, "deps.image", Failed, "The sandbox image's Python facts could not be read.", "Rebuild the sandbox image: agentrun image build.")

#define AGENTRUN_ERRORS_FILES(X) \
    X(FileRead, "file.read", Failed, "A file could not be read.", "Check the path and its permissions.") \
    X(FileWrite, "file.write", Failed, "A file could not be written.", "Check the folder's permissions and free space.") \
    X(FileTooLarge, "file.too_large", Invalid, "Workbench: the file is larger than an editor tab takes (20 MiB).", "Open a smaller file.") \
    X(FileEncoding, "file.encoding", Invalid, "Workbench: the file is not UTF-8 text.", "Convert it to UTF-8.") \
    X(FilesCount, "files.count", Invalid, "More files were given to a run than it takes (64).", "Give fewer files, or pack them into one archive.") \
    X(FilesSize, "files.size", Invalid, "The files given to a run hold more than 32 MiB together.", "Give less data, or let the code produce it.") \
    X(FilesName, "files.name", Invalid, "A file given to a run has a name that is not a plain relative path (absolute, .., empty parts, control characters, twice).", "Name it like data.csv or inputs/a.json.") \
    X(FilesContent, "files.content", Invalid, "A file given in a request has no content, or content that is not a string (text) or valid base64.", "Give each file as {\"name\", \"text\"} or {\"name\", \"base64\"}.") \
    X(StdinFile, "stdin.file", Failed, "Workbench: the input file could not be read.", "Check the path and its permissions.") \
    X(StdinTooLarge, "stdin.too_large", Invalid, "Workbench: the input file is larger than 64 MiB.", "Give a smaller input.")

// Codes built at run time from a field's name: the family's prefix is the constant; the field follows.
#define AGENTRUN_ERRORS_FAMILIES(X) \
    X(LimitsFamily, "limits.", Invalid, "limits.<field>: a REST request's limits field (its name as sent, aliases such as timeout_seconds reduced to the field) is mistyped or out of range.", "Fix the field the code names.") \
    X(ProfileFamily, "profile.", Invalid, "profile.<field>: a profile field is unknown, mistyped or out of range (profile.limits.memory, profile.dependencies.allow, profile.name, …).", "Fix the field the code names in the profile.") \
    X(PolicyFamily, "policy.", Invalid, "policy.<field>: a policy file field is unknown or mistyped (policy.version, policy.rules.<rule>, policy.blocked_calls, …).", "Fix the field the code names in the policy file.") \
    X(OptionFamily, "--", Invalid, "--<option>: a command-line option's value is unusable (a size that does not parse, a ceiling out of range).", "Fix the option the code names (see agentrun COMMAND --help).")

// clang-format on

#define AGENTRUN_ERRORS_DECLARE(name, code, kind, meaning, action) inline constexpr const char* name = code;
AGENTRUN_ERRORS_ENGINE(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_CONTAINER(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_ARCHIVE(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_RUN(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_LIMITS(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_REQUEST(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_FIELD(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_SERVER(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_HISTORY(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_PROFILE(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_DEPS(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_FILES(AGENTRUN_ERRORS_DECLARE)
AGENTRUN_ERRORS_FAMILIES(AGENTRUN_ERRORS_DECLARE)
#undef AGENTRUN_ERRORS_DECLARE

/// One code of the catalogue. `family` entries are prefixes: the code is the prefix and a field name.
struct Entry
{
    std::string_view code;
    Kind kind;
    std::string_view meaning;
    std::string_view action;
    bool family = false;
};

struct Area
{
    std::string_view title;
    std::string_view about;
    std::span<const Entry> entries;
};

namespace detail {
#define AGENTRUN_ERRORS_ENTRY(name, code, kind, meaning, action) Entry{code, Kind::kind, meaning, action},
#define AGENTRUN_ERRORS_FAMILY(name, code, kind, meaning, action)                                            \
    Entry{code, Kind::kind, meaning, action, true},
inline constexpr Entry engine[] = {AGENTRUN_ERRORS_ENGINE(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry container[] = {AGENTRUN_ERRORS_CONTAINER(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry archive[] = {AGENTRUN_ERRORS_ARCHIVE(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry run[] = {AGENTRUN_ERRORS_RUN(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry limits[] = {AGENTRUN_ERRORS_LIMITS(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry request[] = {AGENTRUN_ERRORS_REQUEST(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry field[] = {AGENTRUN_ERRORS_FIELD(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry server[] = {AGENTRUN_ERRORS_SERVER(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry history[] = {AGENTRUN_ERRORS_HISTORY(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry profile[] = {AGENTRUN_ERRORS_PROFILE(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry deps[] = {AGENTRUN_ERRORS_DEPS(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry files[] = {AGENTRUN_ERRORS_FILES(AGENTRUN_ERRORS_ENTRY)};
inline constexpr Entry families[] = {AGENTRUN_ERRORS_FAMILIES(AGENTRUN_ERRORS_FAMILY)};
#undef AGENTRUN_ERRORS_ENTRY
#undef AGENTRUN_ERRORS_FAMILY
} // namespace detail

/// The catalogue by area, in the order docs/reference/errors.md lists it.
inline constexpr std::array<Area, 13> areas = {{
    {"Engine", "Talking to the Docker engine.", detail::engine},
    {"Containers and images", "What the engine holds: containers and images.", detail::container},
    {"Collected files", "Copying files out of a finished run.", detail::archive},
    {"Run outcomes", "How a run ended when it did not end well (RunResult.errorCode).", detail::run},
    {"Limits", "A run's resource limits (CLI flags, profiles, REST, the workbench's Limits panel).",
     detail::limits},
    {"Requests", "The REST server's HTTP layer and the run request itself.", detail::request},
    {"REST request fields", "A field of a REST run request (the code is the field's name).", detail::field},
    {"Server", "The REST server (agentrun serve).", detail::server},
    {"History", "The run history (agentrun history, GET /v2/runs, the History panel).", detail::history},
    {"Profiles and policies", "Saved profiles and safety policies.", detail::profile},
    {"Dependencies", "Whitelisted packages: resolving, installing, caching, baking.", detail::deps},
    {"Files and input", "Files the CLI and the workbench read and write.", detail::files},
    {"Families", "Codes built from a field's or an option's name: the prefix, then the name.",
     detail::families},
}};

/// The catalogue's entry for `code`: the exact code, else the family whose prefix it starts with
/// (the longest); nullptr for a code that is not in the catalogue.
constexpr const Entry* find(std::string_view code)
{
    for (const Area& area : areas) {
        for (const Entry& entry : area.entries) {
            if (!entry.family && entry.code == code) {
                return &entry;
            }
        }
    }
    const Entry* best = nullptr;
    for (const Entry& entry : detail::families) {
        if (code.starts_with(entry.code) && code.size() > entry.code.size() &&
            (!best || entry.code.size() > best->code.size())) {
            best = &entry;
        }
    }
    return best;
}

/// The kind of `code`; Failed for a code the catalogue does not know (and for none at all).
constexpr Kind kindOf(std::string_view code)
{
    const Entry* entry = find(code);
    return entry ? entry->kind : Kind::Failed;
}

/// "invalid", "not_found", …: the kind as docs/reference/errors.md names it.
constexpr std::string_view toString(Kind kind)
{
    switch (kind) {
    case Kind::Invalid:
        return "invalid";
    case Kind::Setup:
        return "setup";
    case Kind::Rejected:
        return "rejected";
    case Kind::NotFound:
        return "not_found";
    case Kind::Busy:
        return "busy";
    case Kind::Cancelled:
        return "cancelled";
    case Kind::Limit:
        return "limit";
    case Kind::Outcome:
        return "outcome";
    case Kind::Unavailable:
        return "unavailable";
    case Kind::Failed:
        return "failed";
    case Kind::Internal:
        return "internal";
    }
    return "failed";
}

} // namespace agentrun::errc
