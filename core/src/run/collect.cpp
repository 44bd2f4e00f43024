#include "agentrun/run/collect.h"

#include "agentrun/engine/demuxer.h"
#include "agentrun/sandbox/copyout.h"

#include <chrono>
#include <optional>

namespace agentrun::run {

namespace {
constexpr std::size_t MaxPaths = 64;
constexpr std::size_t MaxStderr = 4096;
} // namespace

Result<void> validateCollect(const CollectRequest& request)
{
    if (request.paths.size() > MaxPaths) {
        return fail("request.collect", "collect names " + std::to_string(request.paths.size()) +
                                           " paths; at most " + std::to_string(MaxPaths) +
                                           " are accepted (name a folder instead).");
    }
    for (const auto& path : request.paths) {
        const bool dotDot = path == ".." || path.starts_with("../") || path.ends_with("/..") ||
                            path.find("/../") != std::string::npos;
        if (path.empty() || path.size() > 255 || path.front() == '/' || path.front() == '-' || dotDot ||
            path.find('\0') != std::string::npos) {
            return fail("request.collect",
                        "collect path \"" + path.substr(0, 80) +
                            "\" is not accepted: give a path relative to the working directory (1–255 bytes, "
                            "no leading '/' or '-', no `..`).");
        }
    }
    std::error_code error;
    if (!request.paths.empty() &&
        (!std::filesystem::is_directory(std::filesystem::symlink_status(request.destination, error)))) {
        return fail("request.collect_to", "The folder for collected files, " + request.destination.string() +
                                              ", does not exist or is not a directory (links are not "
                                              "accepted): create it first.");
    }
    return {};
}

CollectedFiles collectFiles(engine::Client& client, const std::string& containerId,
                            const CollectRequest& request)
{
    using namespace std::chrono_literals;
    CollectedFiles collected;
    collected.requested = true;
    auto writer = sandbox::HostWriter::open(request.destination);
    if (!writer) {
        collected.error = writer.error().message;
        return collected;
    }
    engine::Client::ExecOptions options;
    options.cmd = {"tar", "-C", "/tmp", "--format=gnu", "-cf", "-", "--"};
    options.cmd.insert(options.cmd.end(), request.paths.begin(), request.paths.end());
    options.user = "65534:65534";
    auto exec = client.createExec(containerId, options);
    if (!exec) {
        collected.error = "The files could not be copied out: " + exec.error().message;
        return collected;
    }
    auto stream = client.startExec(*exec);
    if (!stream) {
        collected.error = "The files could not be copied out: " + stream.error().message;
        return collected;
    }

    engine::TarReader reader(request.limits, writer->sink());
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
    demuxer.feed(stream->takeLeftover());
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    bool eof = false;
    while (!eof && !readError && std::chrono::steady_clock::now() < deadline) {
        auto chunk = stream->read(100ms, eof);
        if (!chunk) {
            readError = chunk.error();
            break;
        }
        if (!demuxer.feed(*chunk)) {
            readError =
                Error{"engine.protocol", "The engine sent a malformed stream while copying files out."};
        }
    }
    if (!readError && !eof) {
        readError = Error{"collect.timeout", "Copying the files out took longer than 120 s and was stopped."};
    }
    stream = Result<engine::AttachStream>(engine::AttachStream()); // closes the connection: tar stops
    collected.copied = writer->report().files;
    collected.rejected = reader.rejections();
    if (readError) {
        collected.error = readError->message;
        return collected;
    }
    if (auto finished = reader.finish(); !finished) {
        collected.error = finished.error().message;
        return collected;
    }
    // tar goes on past a missing path (exit 2) and says which on stderr.
    std::string missing;
    std::size_t start = 0;
    while (start < tarErrors.size()) {
        auto end = tarErrors.find('\n', start);
        if (end == std::string::npos) {
            end = tarErrors.size();
        }
        const std::string line = tarErrors.substr(start, end - start);
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
    if (!missing.empty()) {
        collected.error = "Not found in the working directory, so not copied: " + missing + ".";
    } else if (auto state = client.inspectExec(*exec);
               state && (*state)["ExitCode"].is_number_integer() && (*state)["ExitCode"].get<int>() != 0) {
        collected.error = "Copying the files out failed: tar said " +
                          engine::TarReader::sanitizeComponent(tarErrors.substr(0, 200));
    }
    return collected;
}

} // namespace agentrun::run
