#include "agentrun/safety/reportjson.h"

namespace agentrun::safety {

nlohmann::json toJson(const Finding& finding)
{
    return {{"rule", finding.rule},        {"severity", std::string(toString(finding.severity))},
            {"line", finding.line},        {"column", finding.column},
            {"end_line", finding.endLine}, {"end_column", finding.endColumn},
            {"message", finding.message},  {"hint", finding.hint}};
}

nlohmann::json toJson(const Report& report)
{
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& finding : report.findings)
        findings.push_back(toJson(finding));
    return {{"allowed", report.allowed},
            {"findings", std::move(findings)},
            {"imports", report.imports},
            {"packages", report.packages}};
}

} // namespace agentrun::safety
