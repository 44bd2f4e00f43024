#pragma once

#include <string>
#include <string_view>

namespace agentrun::sandbox {

/// The pinned seccomp profile (resources/seccomp/agentrun.json) as it is in the repository, compiled
/// into the binary so that an installed program needs no file to find it.
std::string_view seccompProfileSource();

/// The same profile as compact JSON text: what every run container gets as SecurityOpt
/// `seccomp=<text>` (Docker's default profile semantics plus the denials in docs/security.md).
const std::string& seccompProfile();

/// `"seccomp=" + seccompProfile()`, ready for HostConfig.SecurityOpt.
std::string seccompSecurityOpt();

} // namespace agentrun::sandbox
