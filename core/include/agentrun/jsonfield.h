#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace agentrun::json {

/// Fields of JSON that comes from outside (an engine answer, the agent's report, a stored record), read
/// without trusting their type: an absent or mistyped field reads as the fallback instead of throwing.
/// nlohmann's `value()` throws type_error when the field is there with another type; some answers are
/// read inside libcurl callbacks, where an exception must never unwind.

/// The field's JSON, or nullptr when `object` is not an object or has no such field.
inline const nlohmann::json* field(const nlohmann::json& object, std::string_view key)
{
    if (!object.is_object()) {
        return nullptr;
    }
    const auto it = object.find(std::string(key));
    return it != object.end() ? &*it : nullptr;
}

inline std::string textField(const nlohmann::json& object, std::string_view key,
                             std::string_view fallback = {})
{
    const nlohmann::json* value = field(object, key);
    return value && value->is_string() ? value->get<std::string>() : std::string(fallback);
}

/// Whole numbers only: 1.5 or "1" read as the fallback.
inline std::int64_t integerField(const nlohmann::json& object, std::string_view key,
                                 std::int64_t fallback = 0)
{
    const nlohmann::json* value = field(object, key);
    return value && value->is_number_integer() ? value->get<std::int64_t>() : fallback;
}

/// Any JSON number.
inline double numberField(const nlohmann::json& object, std::string_view key, double fallback = 0)
{
    const nlohmann::json* value = field(object, key);
    return value && value->is_number() ? value->get<double>() : fallback;
}

inline bool boolField(const nlohmann::json& object, std::string_view key, bool fallback = false)
{
    const nlohmann::json* value = field(object, key);
    return value && value->is_boolean() ? value->get<bool>() : fallback;
}

/// The field when it is an object, else an empty object (so lookups can be chained).
inline const nlohmann::json& objectField(const nlohmann::json& object, std::string_view key)
{
    static const nlohmann::json empty = nlohmann::json::object();
    const nlohmann::json* value = field(object, key);
    return value && value->is_object() ? *value : empty;
}

/// The field when it is an array, else an empty array.
inline const nlohmann::json& arrayField(const nlohmann::json& object, std::string_view key)
{
    static const nlohmann::json empty = nlohmann::json::array();
    const nlohmann::json* value = field(object, key);
    return value && value->is_array() ? *value : empty;
}

} // namespace agentrun::json
