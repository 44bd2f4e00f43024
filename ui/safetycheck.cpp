#include "safetycheck.h"

#include "agentrun/safety/analyzer.h"

namespace agentrun::ui::safetycheck {

agentrun::Result<std::shared_ptr<const agentrun::safety::Policy>> loadPolicy(const QString& nameOrPath)
{
    auto policy = agentrun::safety::Policy::load(nameOrPath.toStdString());
    if (!policy)
        return std::unexpected(policy.error());
    return std::make_shared<const agentrun::safety::Policy>(std::move(*policy));
}

agentrun::safety::Report check(const std::string& source, const agentrun::safety::Policy& policy)
{
    return agentrun::safety::analyze(source, policy);
}

QStringList presetNames()
{
    QStringList names;
    for (const auto& name : agentrun::safety::Policy::presetNames())
        names << QString::fromStdString(name);
    return names;
}

} // namespace agentrun::ui::safetycheck
