#pragma once

#include "agentrun/error.h"

#include <string>
#include <string_view>

namespace agentrun::deps {

/// PEP 503 normalisation: lower case, every run of '-', '_' and '.' becomes one '-'.
/// `Requests`, `requests_` and `REQUESTS.` are all `requests` (apart from the trailing separator,
/// which is dropped: a name never ends in one).
std::string normalize(std::string_view name);

/// One thing to install: a distribution and an optional version specifier. Nothing else: no URLs,
/// no options, no extras, no markers.
struct Requirement
{
    std::string name;      ///< PEP 503-normalised distribution name
    std::string specifier; ///< e.g. "==2.2.*" or ">=1.0,<2"; empty = any version

    bool operator==(const Requirement&) const = default;
    auto operator<=>(const Requirement&) const = default;
};

/// Parses a pip spec that is a bare name or a name with version clauses (`==`, `!=`, `<=`, `>=`, `<`,
/// `>`, `~=`; `*` only after `==`/`!=`). Anything else — options (`--index-url`, `-e`, `-r`), URLs,
/// direct references (`pkg @ …`), paths, extras, environment markers — fails with `deps.spec`, naming
/// the spec and saying "use NAME or NAME==VERSION".
Result<Requirement> parseRequirement(std::string_view spec);

/// "name" or "name==1.0": the text pip receives.
std::string toString(const Requirement& requirement);

} // namespace agentrun::deps
