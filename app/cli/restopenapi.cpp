#include "resthttp.h"
#include "restroutes.h"

namespace agentrun::cli {

namespace {

using nlohmann::json;

json ref(const std::string& name)
{
    return {{"$ref", "#/components/schemas/" + name}};
}

json jsonBody(const json& schema)
{
    return {{"content", {{"application/json", {{"schema", schema}}}}}};
}

json response(const std::string& description, const json& schema)
{
    return {{"description", description}, {"content", {{"application/json", {{"schema", schema}}}}}};
}

/// The error responses every endpoint can give, plus its own.
json responses(json own, std::initializer_list<int> errors)
{
    static const std::map<int, std::string> texts = {
        {400, "Malformed JSON, or arrays and objects nested more than 64 levels deep"},
        {401, "Missing or wrong bearer token"},
        {403, "Origin header neither the server's own nor allowed with --allow-origin, or (without a token) "
              "a Host that is not loopback"},
        {404, "No such run, or no open session with that id (run.not_found, session.not_found)"},
        {409, "The session is running another run: one at a time (session.busy)"},
        {408, "The request head did not arrive within --header-timeout"},
        {413, "Request body larger than --max-body"},
        {415, "Body not sent with Content-Type: application/json"},
        {422, "Invalid field, or a setting this server does not allow (above a ceiling, network, whitelist, "
              "policy, runtime), whether the request or its profile set it; error.code names the field "
              "(e.g. limits.memory)"},
        {429, "Too many concurrent runs (server.busy), this client's budget of blocked runs is spent "
              "(server.blocked_budget; see Retry-After), or as many sessions are open as allowed "
              "(session.limit)"},
        {503, "Engine unavailable, history unavailable or server shutting down"},
    };
    for (const int status : errors) {
        own[std::to_string(status)] = response(texts.at(status), ref("Error"));
    }
    // What the middleware and the connection gate answer on every endpoint, before any handler.
    for (const int status : {401, 403, 408}) {
        own[std::to_string(status)] = response(texts.at(status), ref("Error"));
    }
    return own;
}

json schemas()
{
    const json string = {{"type", "string"}};
    const json number = {{"type", "number"}};
    const json integer = {{"type", "integer"}};
    const json boolean = {{"type", "boolean"}};
    const json sizeValue = {
        {"oneOf", {{{"type", "integer"}, {"minimum", 0}}, {{"type", "string"}, {"example", "256m"}}}}};
    json finding = {{"type", "object"},
                    {"properties",
                     {{"rule", string},
                      {"severity", {{"type", "string"}, {"enum", {"block", "warn", "info"}}}},
                      {"line", integer},
                      {"column", integer},
                      {"end_line", integer},
                      {"end_column", integer},
                      {"message", string},
                      {"hint", string}}}};
    json durations = {
        {"type", "object"},
        {"properties", {{"check", number}, {"install", number}, {"run", number}, {"total", number}}}};
    json statusEnum = {{"type", "string"},
                       {"enum",
                        {"ok", "exception", "blocked", "dependency_rejected", "install_failed", "timeout",
                         "out_of_memory", "killed", "output_limit", "cancelled", "engine_error"}}};
    json runResult = {
        {"type", "object"},
        {"properties",
         {{"status", statusEnum},
          {"exit_code", integer},
          {"stdout", string},
          {"stderr", string},
          {"output", string},
          {"message", string},
          {"error_code", string},
          {"findings", {{"type", "array"}, {"items", ref("Finding")}}},
          {"packages", {{"type", "array"}, {"items", string}}},
          {"duration_ms", durations},
          {"peak_memory_bytes", integer},
          {"cpu_seconds", number},
          {"truncated", {{"type", "object"}, {"properties", {{"stdout", boolean}, {"stderr", boolean}}}}},
          {"image", string},
          {"run_id", string},
          {"figures",
           {{"type", "array"},
            {"description", "images the run produced (matplotlib figures, PNGs saved under /tmp/outputs/), "
                            "inline: data is the base64 of the PNG"},
            {"items",
             {{"type", "object"},
              {"properties",
               {{"mime", string},
                {"width", integer},
                {"height", integer},
                {"bytes", integer},
                {"stdout_offset", integer},
                {"data", string}}}}}}},
          {"figure_notes",
           {{"type", "array"}, {"items", string}, {"description", "figures dropped, and why"}}},
          {"files",
           {{"type", "object"},
            {"description",
             "present when the request asked for files (collect): what came out of the working directory. "
             "Links, devices, FIFOs and names that climb out are refused and listed in rejected; a cap "
             "(16 MiB in all by default, 16 MiB a file, 10,000 entries) aborts the copy and keeps nothing"},
            {"properties",
             {{"copied", {{"type", "array"}, {"items", string}, {"description", "sanitised relative paths"}}},
              {"contents",
               {{"type", "array"},
                {"description", "every copied file with its bytes: data is their base64"},
                {"items",
                 {{"type", "object"},
                  {"properties", {{"path", string}, {"size", integer}, {"data", string}}}}}}},
              {"rejected",
               {{"type", "array"},
                {"items", {{"type", "object"}, {"properties", {{"path", string}, {"reason", string}}}}}}},
              {"renamed",
               {{"type", "array"},
                {"description", "names that sanitised the same: the later ones took a suffix (name~2.ext)"},
                {"items", {{"type", "object"}, {"properties", {{"path", string}, {"written_as", string}}}}}}},
              {"in_memory", boolean},
              {"error",
               {{"type", "string"},
                {"description", "why some or all files were not copied (missing, a link on the way, a cap); "
                                "empty when all were"}}}}}}},
          {"session",
           {{"type", "object"},
            {"description", "a run in a session: its number in the session's sandbox, whether the sandbox "
                            "was replaced after it (state lost), and the variables view"},
            {"properties",
             {{"id", string},
              {"cell", integer},
              {"restarted", boolean},
              {"variables",
               {{"type", "array"},
                {"items",
                 {{"type", "object"},
                  {"properties",
                   {{"name", string}, {"type", string}, {"repr", string}, {"size", string}}}}}}}}}}}}}};
    json storedRun = runResult;
    storedRun["properties"]["created_at"] = {{"type", "string"}, {"format", "date-time"}};
    storedRun["properties"]["source"] = string;
    storedRun["properties"]["code"] = string;
    storedRun["properties"]["policy"] = string;
    storedRun["properties"]["limits"] = {{"type", "object"}};
    storedRun["properties"]["history_capped"] = {
        {"type", "object"},
        {"description", "stdout/stderr/output are stored up to 256 KiB each; true when cut"}};
    storedRun["properties"].erase("files"); // the bytes of collected files are never stored
    storedRun["properties"]["figures"] = {
        {"type", "array"},
        {"description", "every figure's shape; its image (data, base64) when it fitted the history's cap "
                        "per run (4 MiB by default, AGENTRUN_HISTORY_FIGURE_BYTES), else a note"},
        {"items",
         {{"type", "object"},
          {"properties",
           {{"index", integer},
            {"mime", string},
            {"width", integer},
            {"height", integer},
            {"bytes", integer},
            {"stdout_offset", integer},
            {"stored", boolean},
            {"data", string},
            {"note", string}}}}}};
    storedRun["properties"]["collected_files"] = {
        {"type", "array"},
        {"description", "the files the run collected: names and sizes"},
        {"items", {{"type", "object"}, {"properties", {{"path", string}, {"size", integer}}}}}};
    json limits = {{"type", "object"},
                   {"additionalProperties", false},
                   {"properties",
                    {{"timeout", {{"type", "number"}, {"description", "seconds, 0.1..3600"}}},
                     {"memory", sizeValue},
                     {"memory_swap", sizeValue},
                     {"cpus", {{"type", "number"}, {"description", "0.05..64"}}},
                     {"pids", {{"type", "integer"}, {"description", "8..32768"}}},
                     {"output_limit", sizeValue},
                     {"tmpfs", sizeValue},
                     {"network", {{"type", "string"}, {"enum", {"none", "bridge"}}}},
                     {"runtime", {{"type", "string"}, {"enum", {"runc", "runsc"}}}}}}};
    return {
        {"Error",
         {{"type", "object"},
          {"required", {"error"}},
          {"properties",
           {{"error",
             {{"type", "object"},
              {"required", {"code", "message"}},
              {"properties", {{"code", string}, {"message", string}}}}}}}}},
        {"Finding", finding},
        {"Session",
         {{"type", "object"},
          {"properties",
           {{"id", string},
            {"limits", ref("Limits")},
            {"image", string},
            {"created_at", {{"type", "string"}, {"format", "date-time"}}},
            {"last_used_at", {{"type", "string"}, {"format", "date-time"}}},
            {"runs", integer},
            {"restarts", integer},
            {"busy", boolean},
            {"idle_timeout", {{"type", "number"}, {"description", "seconds without a run before it closes"}}},
            {"max_lifetime",
             {{"type", "number"}, {"description", "seconds after its opening when it closes"}}}}}}},
        {"SessionRequest",
         {{"type", "object"},
          {"additionalProperties", false},
          {"properties",
           {{"limits", ref("Limits")},
            {"profile", {{"type", "string"}, {"description", "a profile saved on the server"}}}}}}},
        {"Limits", limits},
        {"RunResult", runResult},
        {"StoredRun", storedRun},
        {"RunSummary",
         {{"type", "object"},
          {"properties",
           {{"run_id", string},
            {"created_at", string},
            {"source", string},
            {"status", statusEnum},
            {"exit_code", integer},
            {"message", string},
            {"policy", string},
            {"code_preview", string},
            {"duration_ms", number},
            {"peak_memory_bytes", integer}}}}},
        {"CheckReport",
         {{"type", "object"},
          {"properties",
           {{"allowed", boolean},
            {"findings", {{"type", "array"}, {"items", ref("Finding")}}},
            {"imports", {{"type", "array"}, {"items", string}}},
            {"packages", {{"type", "array"}, {"items", string}}}}}}},
        {"RunRequest",
         {{"type", "object"},
          {"required", {"code"}},
          {"additionalProperties", false},
          {"properties",
           {{"code", string},
            {"stdin", string},
            {"limits", ref("Limits")},
            {"policy", {{"type", "string"}, {"enum", {"standard", "strict", "agentrun-compat"}}}},
            {"dependencies",
             {{"type", "array"},
              {"items", string},
              {"description", "whitelist for this run, within --allow"}}},
            {"files",
             {{"type", "array"},
              {"maxItems", 64},
              {"description", "files placed in the working directory (/tmp) before the code runs: at most "
                              "64, 32 MiB together; give text or base64"},
              {"items",
               {{"type", "object"},
                {"required", {"name"}},
                {"additionalProperties", false},
                {"properties", {{"name", string}, {"text", string}, {"base64", string}}}}}}},
            {"collect",
             {{"type", "array"},
              {"maxItems", 64},
              {"items", {{"type", "string"}, {"maxLength", 255}}},
              {"description",
               "files or folders of the working directory to return in the answer (files.contents, "
               "base64) after the run: relative paths, no '..', no leading '/' or '-'. 16 MiB in all"}}},
            {"profile",
             {{"type", "string"},
              {"description",
               "a profile saved on the server: its settings come first, the request's own fields "
               "override them, and the server's rules apply to the result"}}},
            {"stream",
             {{"type", "boolean"}, {"description", "answer {run_id} at once; follow the events"}}}}}}},
    };
}

} // namespace

json openApiDocument()
{
    const json idParam = {
        {"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}};
    json paths;
    paths["/v1/run/"]["post"] = {
        {"summary", "Run code (AgentRun-compatible)"},
        {"description",
         "Runs the code with the agentrun-compat policy. The answer is the combined output, or "
         "AgentRun's one-line messages: the unsafe-code verdict, \"Dependency: X is not in the "
         "whitelist.\", \"Execution timed out.\"."},
        {"requestBody",
         jsonBody(
             {{"type", "object"}, {"required", {"code"}}, {"properties", {{"code", {{"type", "string"}}}}}})},
        {"responses",
         responses({{"200", response("The output", {{"type", "object"},
                                                    {"properties", {{"output", {{"type", "string"}}}}}})}},
                   {400, 413, 415, 422, 429, 503})}};
    paths["/v1/health/"]["get"] = {
        {"summary", "Liveness (AgentRun-compatible)"},
        {"responses",
         responses({{"200", response("Up", {{"type", "object"},
                                            {"properties", {{"status", {{"type", "string"}}}}}})}},
                   {})}};
    paths["/v2/runs"]["post"] = {
        {"summary", "Run code; the full result, or a run id to follow with stream: true"},
        {"requestBody", jsonBody(ref("RunRequest"))},
        {"responses",
         responses({{"200", response("The run --json object, or {run_id, events, result} when streaming",
                                     {{"oneOf",
                                       {ref("RunResult"),
                                        {{"type", "object"},
                                         {"properties",
                                          {{"run_id", {{"type", "string"}}},
                                           {"events", {{"type", "string"}}},
                                           {"result", {{"type", "string"}}}}}}}}})}},
                   {400, 413, 415, 422, 429, 503})}};
    paths["/v2/runs"]["get"] = {
        {"summary", "Run history, newest first"},
        {"parameters",
         {{{"name", "status"}, {"in", "query"}, {"schema", {{"type", "string"}}}},
          {{"name", "limit"},
           {"in", "query"},
           {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}}}},
          {{"name", "offset"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 0}}}}}},
        {"responses",
         responses({{"200", response("Runs", {{"type", "object"},
                                              {"properties",
                                               {{"runs", {{"type", "array"}, {"items", ref("RunSummary")}}},
                                                {"limit", {{"type", "integer"}}},
                                                {"offset", {{"type", "integer"}}}}}})}},
                   {422, 503})}};
    paths["/v2/runs/{id}"]["get"] = {
        {"summary", "One run: stored result with code, policy and limits ({status: running} while it runs)"},
        {"parameters", {idParam}},
        {"responses", responses({{"200", response("The run", ref("StoredRun"))}}, {404, 503})}};
    paths["/v2/runs/{id}/events"]["get"] = {
        {"summary", "Server-Sent Events of a streamed run, from its start"},
        {"description",
         "Events: stage {stage}, finding (a Finding), install {line}, stdout {data}, stderr {data}, "
         "resources {elapsed_seconds, memory_bytes, memory_limit_bytes, cpu_percent, pids}, "
         "figure {mime, width, height, bytes, stdout_offset, data}, finished (the RunResult). Each has an "
         "id; send Last-Event-ID to resume."},
        {"parameters", {idParam}},
        {"responses",
         responses({{"200",
                     {{"description", "text/event-stream"},
                      {"content", {{"text/event-stream", {{"schema", {{"type", "string"}}}}}}}}}},
                   {404})}};
    const json sessionRun = {{"oneOf",
                              {ref("RunResult"),
                               {{"type", "object"},
                                {"properties",
                                 {{"run_id", {{"type", "string"}}},
                                  {"events", {{"type", "string"}}},
                                  {"result", {{"type", "string"}}}}}}}}};
    paths["/v2/sessions"]["post"] = {
        {"summary", "Open a session: one sandbox whose Python state survives from one run to the next"},
        {"requestBody", jsonBody(ref("SessionRequest"))},
        {"responses",
         responses({{"201", response("The session (Location: /v2/sessions/ID)", ref("Session"))}},
                   {400, 413, 415, 422, 429, 503})}};
    paths["/v2/sessions"]["get"] = {
        {"summary", "The open sessions"},
        {"responses",
         responses({{"200", response("Sessions",
                                     {{"type", "object"},
                                      {"properties",
                                       {{"sessions", {{"type", "array"}, {"items", ref("Session")}}}}}})}},
                   {})}};
    paths["/v2/sessions/{id}"]["get"] = {
        {"summary", "One session"},
        {"parameters", {idParam}},
        {"responses", responses({{"200", response("The session", ref("Session"))}}, {404})}};
    paths["/v2/sessions/{id}"]["delete"] = {
        {"summary", "Close the session and remove its sandbox (a run in it is stopped)"},
        {"parameters", {idParam}},
        {"responses", responses({{"204", {{"description", "Closed"}}}}, {404})}};
    paths["/v2/sessions/{id}/runs"]["post"] = {
        {"summary", "Run code in the session: the body of POST /v2/runs; only limits.timeout and "
                    "limits.output_limit may be given (the rest are the session's)"},
        {"parameters", {idParam}},
        {"requestBody", jsonBody(ref("RunRequest"))},
        {"responses",
         responses({{"200", response("The run --json object with its session, or {run_id, events, result} "
                                     "when streaming",
                                     sessionRun)}},
                   {400, 404, 409, 413, 415, 422, 429, 503})}};
    paths["/v2/sessions/{id}/restart"]["post"] = {
        {"summary", "A fresh sandbox for the session: its state is gone"},
        {"parameters", {idParam}},
        {"responses", responses({{"200", response("The session", ref("Session"))}}, {404, 409, 503})}};
    paths["/v2/check"]["post"] = {
        {"summary", "Static safety check only"},
        {"requestBody",
         jsonBody({{"type", "object"},
                   {"required", {"code"}},
                   {"properties", {{"code", {{"type", "string"}}}, {"policy", {{"type", "string"}}}}}})},
        {"responses", responses({{"200", response("The check --json object", ref("CheckReport"))}},
                                {400, 413, 415, 422})}};
    paths["/v2/health"]["get"] = {
        {"summary", "Engine reachable and sandbox image present?"},
        {"responses", responses({{"200", response("Ready", {{"type", "object"}})}}, {503})}};
    paths["/openapi.json"]["get"] = {{"summary", "This document"},
                                     {"responses", {{"200", {{"description", "OpenAPI 3 document"}}}}}};
    return {{"openapi", "3.0.3"},
            {"info",
             {{"title", "AgentRun Workbench REST API"},
              {"version", AGENTRUN_VERSION_STRING},
              {"description",
               "Runs untrusted Python in hardened containers. /v1 is a drop-in for AgentRun's API."}}},
            {"paths", paths},
            {"components",
             {{"schemas", schemas()},
              {"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}}}},
            {"security", json::array({{{"bearer", json::array()}}, json::object()})}};
}

void addOpenApiRoute(httplib::Server& server)
{
    server.Get("/openapi.json", [](const httplib::Request&, httplib::Response& res) {
        static const std::string document = openApiDocument().dump(2);
        res.set_content(document, "application/json");
    });
}

} // namespace agentrun::cli
