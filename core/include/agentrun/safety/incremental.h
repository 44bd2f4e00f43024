#pragma once

#include "agentrun/safety/finding.h"
#include "agentrun/safety/policy.h"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace agentrun::safety {

/// One change to a text buffer, in bytes, as an editor reports it (QScintilla's SCN_MODIFIED: the
/// position, the length removed, the text inserted).
struct TextEdit
{
    std::size_t position = 0;
    std::size_t removedLength = 0;
    std::string inserted;
};

/// The editor's check: keeps the previous tree-sitter parse of one buffer, so after an edit only the
/// edited region is re-parsed. Every report equals analyze(source(), policy()) of the same text.
/// One buffer per object; not thread-safe, but it may be handed from thread to thread.
class IncrementalAnalyzer
{
public:
    explicit IncrementalAnalyzer(Policy policy = Policy());
    ~IncrementalAnalyzer();
    IncrementalAnalyzer(IncrementalAnalyzer&& other) noexcept;
    IncrementalAnalyzer& operator=(IncrementalAnalyzer&& other) noexcept;
    IncrementalAnalyzer(const IncrementalAnalyzer&) = delete;
    IncrementalAnalyzer& operator=(const IncrementalAnalyzer&) = delete;

    const Policy& policy() const;
    /// The next check uses this policy (the parse is kept: it does not depend on the policy).
    void setPolicy(Policy policy);
    /// The buffer as of the last reset, edit or update.
    const std::string& source() const;

    /// Forgets the previous parse and checks `source` from scratch.
    Report reset(std::string source);
    /// Applies one edit to the buffer (position and length clamped to it) and checks the result.
    Report edit(const TextEdit& edit);
    /// Checks a new version of the buffer, treating the changed middle (between the longest common
    /// prefix and suffix) as one edit. Several keystrokes between checks become one edit.
    Report update(std::string_view source);

    /// The single edit that turns `before` into `after`, keeping their common prefix and suffix.
    static TextEdit difference(std::string_view before, std::string_view after);

private:
    Report check();

    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace agentrun::safety
