#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace agentrun::engine {

/// A field of an engine answer, read without trusting its type: an absent or mistyped field reads as
/// empty (or 0) instead of throwing — answers come from a process we do not control, and some of them
/// are read inside libcurl callbacks, where an exception must never unwind.
inline std::string textField(const nlohmann::json& object, const char* key)
{
    if (!object.is_object()) {
        return {};
    }
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline std::int64_t integerField(const nlohmann::json& object, const char* key)
{
    if (!object.is_object()) {
        return 0;
    }
    const auto it = object.find(key);
    return it != object.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

} // namespace agentrun::engine
