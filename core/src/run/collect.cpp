#include "agentrun/run/collect.h"

#include "agentrun/engine/demuxer.h"
#include "agentrun/errorcodes.h"
#include "agentrun/sandbox/copyout.h"
#include "agentrun/sandbox/memorywriter.h"

#include <chrono>
#include <algorithm>
#include <optional>
#include <type_traits>

namespace agentrun::run {

namespace {
constexpr std::size_t MaxStderr = 32768; // the link refusals (up to 64 paths of 255 bytes) and tar's errors
constexpr std::string_view LinkMark = "agentrun-link:";

// Run in the container (sh -c SCRIPT sh PATH...): a path with a symbolic link among its folders is
// refused (named on stderr after LinkMark) instead of handed to tar, which would follow it; the path's
// last component, when it is a link, goes to tar and arrives as a link entry that the reader refuses.
// The paths are arguments, never part of the script.
constexpr const char* CollectScript = R"sh(cd /tmp || exit 1
linked() {
    rest=$1 prefix=
    while :; do
        case $rest in */*) part=${rest%%/*} rest=${rest#*/} ;; *) return 1 ;; esac
        prefix=$prefix$part
        [ -L "$prefix" ] && return 0
        prefix=$prefix/
    done
}
n=$#
while [ "$n" -gt 0 ]; do
    p=$1
    shift
    if linked "$p"; then printf 'agentrun-link:%s
' "$p" >&2; else set -- "$@" "$p"; fi
    n=$((n - 1))
done
if [ $# -eq 0 ]; then exec tar --format=gnu -cf - -T /dev/null; fi
exec tar --format=gnu -cf - -- "$@"
)sh";

/// The copy itself, into a HostWriter (a host folder) or a MemoryWriter: the same script, reader, caps
/// and messages for both.
template <typename Writer>
model::CollectedFiles collectInto(sandbox::SandboxEngine& engine, const std::string& containerId,
                                  const model::CollectRequest& request, Writer* writer,
                                  const model::TarLimits& limits)
{
    using namespace std::chrono_literals;
    model::CollectedFiles collected;
    collected.requested = true;
    std::vector<std::string> command = {"sh", "-c", CollectScript, "sh"};
    command.insert(command.end(), request.paths.begin(), request.paths.end());
    auto exec = engine.exec(containerId, command, "65534:65534");
    if (!exec) {
        collected.error = "The files could not be copied out: " + exec.error().message;
        return collected;
    }
    engine::AttachStream& stream = exec->stream;

    engine::TarReader reader(limits, writer->sink());
    std::string tarErrors;
    std::optional<Error> readError;
    engine::FrameDemuxer demuxer([&](engine::FrameDemuxer::Channel channel, std::string_view bytes) {
        if (channel == engine::FrameDemuxer::Channel::Stderr) {
            tarErrors.append(bytes.substr(0, MaxStderr - std::min(MaxStderr, tarErrors.size())));
        } else if (!readError) {
            if (auto ok = reader.feed(bytes); !ok) {
                readError = ok.error();
            }
        }
    });
    demuxer.feed(stream.takeLeftover());
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    bool eof = false;
    while (!eof && !readError && std::chrono::steady_clock::now() < deadline) {
        auto chunk = stream.read(100ms, eof);
        if (!chunk) {
            readError = chunk.error();
            break;
        }
        if (!demuxer.feed(*chunk)) {
            readError =
                Error{errc::EngineProtocol, "The engine sent a malformed stream while copying files out."};
        }
    }
    if (!readError && !eof) {
        readError =
            Error{errc::CollectTimeout, "Copying the files out took longer than 120 s and was stopped."};
    }
    stream = engine::AttachStream(); // closes the connection: tar stops
    collected.rejected = reader.rejections();
    if (!readError) {
        if (auto finished = reader.finish(); !finished) {
            readError = finished.error();
        }
    }
    if (readError) {
        // All or nothing: a copy cut short (a cap, a broken archive, a host error) removes what it wrote.
        const std::size_t written = writer->report().files.size();
        const std::size_t removed = writer->rollback();
        collected.copied = writer->report().files; // what could not be removed, if anything
        collected.sizes = writer->report().sizes;
        collected.error = readError->message;
        if (written > 0 && request.inMemory()) {
            collected.error += " Nothing was kept: the " + std::to_string(removed) +
                               " file(s) read before the stop were dropped.";
        } else if (written > 0) {
            collected.error += collected.copied.empty()
                                   ? " Nothing was kept: the " + std::to_string(removed) +
                                         " file(s) copied before the stop were removed."
                                   : " " + std::to_string(collected.copied.size()) +
                                         " file(s) copied before the stop could not be removed: they are "
                                         "listed as copied.";
        }
        return collected;
    }
    collected.copied = writer->report().files;
    collected.sizes = writer->report().sizes;
    collected.renamed = writer->report().renamed;
    if constexpr (std::is_same_v<Writer, sandbox::MemoryWriter>) {
        collected.contents = writer->takeContents();
    }
    // tar goes on past a missing path (exit 2) and says which on stderr.
    std::string missing;
    std::string linked;
    std::size_t start = 0;
    while (start < tarErrors.size()) {
        auto end = tarErrors.find('\n', start);
        if (end == std::string::npos) {
            end = tarErrors.size();
        }
        const std::string line = tarErrors.substr(start, end - start);
        if (line.starts_with(LinkMark)) {
            const auto name = engine::TarReader::sanitizeComponent(line.substr(LinkMark.size()));
            collected.rejected.push_back(
                {name,
                 "a folder on its way is a symbolic link; links are never followed, so it was not copied"});
            linked += (linked.empty() ? "" : ", ") + name;
            start = end + 1;
            continue;
        }
        const auto at = line.find(": Cannot stat");
        if (at != std::string::npos) {
            auto name = line.substr(0, at);
            if (name.starts_with("tar: ")) {
                name = name.substr(5);
            }
            missing += (missing.empty() ? "" : ", ") + engine::TarReader::sanitizeComponent(name);
        }
        start = end + 1;
    }
    if (!missing.empty() || !linked.empty()) {
        if (!missing.empty()) {
            collected.error = "Not found in the working directory, so not copied: " + missing + ".";
        }
        if (!linked.empty()) {
            collected.error += (collected.error.empty() ? "" : " ") +
                               std::string("A folder on the way is a symbolic link (never followed), so not "
                                           "copied: ") +
                               linked + ".";
        }
    } else if (auto exitCode = engine.execExitCode(exec->id); exitCode && *exitCode && **exitCode != 0) {
        collected.error = "Copying the files out failed: tar said " +
                          engine::TarReader::sanitizeComponent(tarErrors.substr(0, 200));
    }
    return collected;
}

} // namespace

model::CollectedFiles collectFiles(sandbox::SandboxEngine& engine, const std::string& containerId,
                                   const model::CollectRequest& request)
{
    if (request.inMemory()) {
        model::TarLimits limits = request.limits;
        limits.maxTotalBytes = std::min(limits.maxTotalBytes, request.memoryTotalBytes);
        sandbox::MemoryWriter writer({request.keepExecutable});
        auto collected = collectInto(engine, containerId, request, &writer, limits);
        collected.inMemory = true;
        return collected;
    }
    auto writer = sandbox::HostWriter::open(request.destination, {request.keepExecutable});
    if (!writer) {
        model::CollectedFiles collected;
        collected.requested = true;
        collected.error = writer.error().message;
        return collected;
    }
    return collectInto(engine, containerId, request, &*writer, request.limits);
}

} // namespace agentrun::run
