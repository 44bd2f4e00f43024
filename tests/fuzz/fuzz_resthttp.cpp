// The REST server's request handling on arbitrary bytes, in-process and without a socket: a client's
// side of one connection goes through httplib's request parser, the server's middleware (origin, host,
// token, content type), the JSON body parser with its depth limit, and the v1/v2 validation, exactly as
// `agentrun serve` runs them. Runs never start (the server is "stopping"), the engine is unreachable and
// the history is off, so every input is handled in microseconds and nothing outside the process is
// touched. Oracles: no crash or sanitizer report (a deep body overflowed the stack once), what the
// server writes is HTTP/1.1 responses, and the server still answers its health check afterwards. (That
// no body is echoed is checked by tests/e2e/tst_restattack: here the fuzzer would learn to send a body
// that equals an answer.)
//
// Byte 0 picks the server (bit 0: with a token, bit 1: with an allowed origin); the rest is the
// connection's bytes (one or more pipelined requests).
#include "restgate.h"
#include "restserver.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace {

using agentrun::cli::RestServer;
using agentrun::cli::ServeConfig;

RestServer& server(unsigned variant)
{
    static RestServer* servers[4] = {};
    if (servers[variant] == nullptr) {
        // An engine address nothing listens on: /v2/health fails at once instead of asking a real engine.
        ::setenv("DOCKER_HOST", "unix:///nonexistent/agentrun-fuzz.sock", 1);
        ServeConfig config;
        config.recordHistory = false;
        if ((variant & 1u) != 0) {
            config.token = "fuzz-token-0123456789abcdef";
        }
        if ((variant & 2u) != 0) {
            config.allowOrigins = {"http://localhost:3000"};
        }
        servers[variant] = new RestServer(std::move(config)); // kept for the process: built once
        servers[variant]->context().stopping = true;          // validation only: no run starts
        servers[variant]->http().set_logger([](const httplib::Request&, const httplib::Response&) {});
    }
    return *servers[variant];
}

bool isResponse(std::string_view out)
{
    return out.empty() || out.starts_with("HTTP/1.1 ");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) {
        return 0;
    }
    const unsigned variant = data[0] & 3u;
    const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
    RestServer& rest = server(variant);

    const std::string out = rest.http().serveBytes(input);
    if (!isResponse(out)) {
        std::abort();
    }
    // The server survived whatever came before: its health check still answers.
    const std::string health = rest.http().serveBytes(
        (variant & 1u) != 0 ? "GET /v1/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                              "fuzz-token-0123456789abcdef\r\n\r\n"
                            : "GET /v1/health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    if (!health.starts_with("HTTP/1.1 200")) {
        std::abort();
    }
    (void)agentrun::cli::requestHeadEnd(input);
    return 0;
}
