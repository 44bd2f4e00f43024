#pragma once

#include <expected>
#if !defined(__cpp_lib_expected)
#include "agentrun/detail/expectedshim.h"
#endif
#include <string>
#include <utility>

namespace agentrun {

/// A failure a person can act on. `code` is stable (tests compare it verbatim), `message` is one
/// sentence saying what happened and what to do.
struct Error
{
    std::string code;
    std::string message;
};

template <class T> using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(std::string code, std::string message)
{
    return std::unexpected<Error>(Error{std::move(code), std::move(message)});
}

} // namespace agentrun
