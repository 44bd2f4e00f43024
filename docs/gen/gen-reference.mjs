#!/usr/bin/env node
// Generates docs/reference/ from the program itself, so the reference cannot drift from it:
//   cli.md        `agentrun --help` and `agentrun COMMAND --help` for every command the top-level help lists
//   rest.md       rendered from the OpenAPI document `agentrun serve` answers on GET /openapi.json
//   openapi.json  that document, for tools
//
//   node docs/gen/gen-reference.mjs [--agentrun PATH] [--out DIR]   write the files (default docs/reference)
//   node docs/gen/gen-reference.mjs [--agentrun PATH] --check        regenerate into a temporary directory and
//                                                                    fail (exit 1) when docs/reference differs
//
// PATH defaults to $AGENTRUN_CLI, else build/ci/app/cli/agentrun. The server is started on a free loopback
// port with history off and DOCKER_HOST pointing at a socket that does not exist: it needs no engine, starts
// no container and writes nothing outside a temporary directory.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const committedDir = path.join(root, "docs", "reference");
const scriptName = "docs/gen/gen-reference.mjs";

/// Ends the run with exit status 2 (the generator could not do its job); thrown so `finally` clean-ups run.
class Failure extends Error {}

function fail(message) {
    throw new Failure(message);
}

function parseArgs(argv) {
    const options = { agentrun: process.env.AGENTRUN_CLI || path.join(root, "build/ci/app/cli/agentrun"),
                      out: committedDir, check: false };
    for (let i = 0; i < argv.length; ++i) {
        const arg = argv[i];
        if (arg === "--check") {
            options.check = true;
        } else if ((arg === "--agentrun" || arg === "--out") && i + 1 < argv.length) {
            options[arg.slice(2)] = path.resolve(argv[++i]);
        } else if (arg === "--help" || arg === "-h") {
            process.stdout.write(`usage: node ${scriptName} [--agentrun PATH] [--out DIR | --check]\n`);
            process.exit(0);
        } else {
            fail(`unknown or incomplete argument "${arg}" (see --help)`);
        }
    }
    if (!fs.existsSync(options.agentrun)) {
        fail(`no agentrun binary at ${options.agentrun}: build the agentrun target (e.g. ninja -C build/ci agentrun) or pass --agentrun PATH`);
    }
    return options;
}

// ---------------------------------------------------------------- CLI

/// The environment of every child: no engine, no user settings, a fixed locale.
function isolatedEnv(scratch) {
    const env = { ...process.env, LC_ALL: "C.UTF-8", XDG_CONFIG_HOME: path.join(scratch, "config"),
                  XDG_DATA_HOME: path.join(scratch, "data"),
                  DOCKER_HOST: `unix://${path.join(scratch, "no-engine.sock")}` };
    delete env.AGENTRUN_IMAGE;
    return env;
}

function helpOf(agentrun, args, env) {
    const result = spawnSync(agentrun, args, { env, encoding: "utf8", timeout: 20000 });
    if (result.error || result.status !== 0 || !result.stdout.trim()) {
        fail(`\`agentrun ${args.join(" ")}\` did not print its help (exit ${result.status}): ` +
             `${result.error ? result.error.message : result.stderr.trim()}`);
    }
    return result.stdout.replace(/\s+$/, "") + "\n";
}

/// The names listed under "Subcommands:" in a command's help.
function subcommandsOf(text) {
    const lines = text.split("\n");
    const start = lines.findIndex((line) => /^Subcommands:\s*$/.test(line));
    const names = [];
    for (let i = start + 1; start >= 0 && i < lines.length && lines[i].trim() !== ""; ++i) {
        const match = /^\s{2}([a-z][a-z-]*)\s{2,}/.exec(lines[i]);
        if (match) {
            names.push(match[1]);
        }
    }
    return names;
}

function cliReference(agentrun, env) {
    const top = helpOf(agentrun, ["--help"], env);
    const version = helpOf(agentrun, ["--version"], env).trim();
    // The commands, as CLI11 lists them under "Subcommands:": "  NAME   what it does" (a long
    // description continues on deeper-indented lines). `help` itself is not a page of its own.
    const commands = [];
    const lines = top.split("\n");
    const start = lines.findIndex((line) => /^Subcommands:\s*$/.test(line));
    for (let i = start + 1; start >= 0 && i < lines.length && lines[i].trim() !== ""; ++i) {
        const match = /^\s{2}([a-z][a-z-]*)\s{2,}(.*)$/.exec(lines[i]);
        if (!match || match[1] === "help" || commands.some((c) => c.command === match[1])) {
            continue;
        }
        let what = match[2].trim();
        while (i + 1 < lines.length && /^\s{6,}\S/.test(lines[i + 1])) {
            what += " " + lines[++i].trim();
        }
        commands.push({ command: match[1], usage: `agentrun ${match[1]}`, what });
    }
    if (commands.length === 0) {
        fail("`agentrun --help` lists no command (expected a \"Subcommands:\" section)");
    }
    // A command with subcommands (deps bake, image build, …) gets a section for each of them too: their
    // options are in their own help only.
    const helps = [];
    for (const c of commands) {
        const text = helpOf(agentrun, [c.command, "--help"], env);
        helps.push({ ...c, text });
        for (const sub of subcommandsOf(text)) {
            helps.push({ command: `${c.command} ${sub}`, usage: `agentrun ${c.command} ${sub}`,
                         what: "", text: helpOf(agentrun, [c.command, sub, "--help"], env), sub: true });
        }
    }
    const out = [];
    out.push("# CLI reference: `agentrun`", "");
    out.push(`Generated from \`agentrun --help\` and \`agentrun COMMAND --help\` (${version}) by ` +
             `\`${scriptName}\`; do not edit by hand. The test \`docs.reference\` fails when this file ` +
             "differs from what the program prints. How and why to use each command, with examples: " +
             "[../cli.md](../cli.md); the REST server: [rest.md](rest.md).", "");
    out.push("| command | usage | what it does |", "|---|---|---|");
    for (const { command, usage, what } of helps.filter((h) => !h.sub)) {
        out.push(`| [\`${command}\`](#agentrun-${command}) | \`${cell(usage)}\` | ${cell(what)} |`);
    }
    out.push("", "## `agentrun`", "", "```text", top.trimEnd(), "```");
    for (const { command, text } of helps) {
        out.push("", `## \`agentrun ${command}\``, "", "```text", text.trimEnd(), "```");
    }
    return out.join("\n") + "\n";
}

// ---------------------------------------------------------------- REST

function fetchOpenApi(agentrun, env) {
    return new Promise((resolve, reject) => {
        const server = spawn(agentrun, ["serve", "--listen", "127.0.0.1:0", "--no-history"],
                             { env, stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        let settled = false;
        const finish = (error, value) => {
            if (settled) {
                return;
            }
            settled = true;
            clearTimeout(timer);
            const done = () => (error ? reject(error) : resolve(value));
            if (server.exitCode !== null || server.signalCode !== null) {
                done();
                return;
            }
            const kill = setTimeout(() => server.kill("SIGKILL"), 10000);
            server.once("exit", () => {
                clearTimeout(kill);
                done();
            });
            server.kill("SIGTERM");
        };
        const timer = setTimeout(() => finish(new Error(`agentrun serve did not say where it listens within 20 s:\n${stderr}`)), 20000);
        server.on("error", (error) => finish(error));
        server.on("exit", (code) => finish(new Error(`agentrun serve exited (${code}) before answering:\n${stderr}`)));
        server.stderr.setEncoding("utf8");
        server.stderr.on("data", (chunk) => {
            stderr += chunk;
            const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
            if (!match || server.requested) {
                return;
            }
            server.requested = true;
            http.get(`${match[1]}/openapi.json`, { timeout: 10000 }, (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (part) => (body += part));
                res.on("end", () => {
                    if (res.statusCode !== 200) {
                        finish(new Error(`GET /openapi.json answered ${res.statusCode}: ${body}`));
                        return;
                    }
                    try {
                        finish(null, JSON.parse(body));
                    } catch (error) {
                        finish(new Error(`GET /openapi.json is not JSON: ${error.message}`));
                    }
                });
            }).on("error", (error) => finish(error));
        });
    });
}

const cell = (text) => String(text).replaceAll("|", "\\|").replaceAll("\n", " ");
const anchor = (name) => name.toLowerCase().replace(/[^a-z0-9 -]/g, "").replaceAll(" ", "-");

/// A schema as a short type expression: `string`, `array of [Finding](#finding)`, `{output: string}`.
function typeOf(schema) {
    if (!schema) {
        return "";
    }
    if (schema.$ref) {
        const name = schema.$ref.split("/").pop();
        return `[${name}](#${anchor(name)})`;
    }
    if (schema.oneOf) {
        return schema.oneOf.map(typeOf).join(" or ");
    }
    if (schema.type === "array") {
        return `array of ${typeOf(schema.items)}`;
    }
    if (schema.type === "object" && schema.properties) {
        const fields = Object.entries(schema.properties).map(([key, value]) => `${key}: ${typeOf(value)}`);
        return `{${fields.join(", ")}}`;
    }
    return schema.type || "any";
}

function notesOf(schema) {
    const notes = [];
    if (schema.description) {
        notes.push(schema.description);
    }
    if (schema.enum) {
        notes.push(`one of ${schema.enum.map((v) => `\`${v}\``).join(", ")}`);
    }
    for (const alternative of schema.oneOf || []) {
        if (alternative.example !== undefined) {
            notes.push(`e.g. \`${JSON.stringify(alternative.example)}\``);
        }
        if (alternative.minimum !== undefined) {
            notes.push(`${alternative.type} ≥ ${alternative.minimum}`);
        }
    }
    if (schema.format) {
        notes.push(`format ${schema.format}`);
    }
    if (schema.minimum !== undefined && schema.maximum !== undefined) {
        notes.push(`${schema.minimum}..${schema.maximum}`);
    } else if (schema.minimum !== undefined) {
        notes.push(`≥ ${schema.minimum}`);
    } else if (schema.maximum !== undefined) {
        notes.push(`≤ ${schema.maximum}`);
    }
    return notes.join("; ");
}

/// A table of an object schema's fields, or one line for anything else.
function fieldsTable(schema) {
    if (schema.$ref || schema.type !== "object" || !schema.properties) {
        const notes = notesOf(schema);
        return [`${typeOf(schema)}${notes ? ` (${notes})` : ""}`];
    }
    const required = new Set(schema.required || []);
    const lines = ["| field | type | required | notes |", "|---|---|---|---|"];
    for (const [key, value] of Object.entries(schema.properties)) {
        lines.push(`| \`${key}\` | ${cell(typeOf(value))} | ${required.has(key) ? "yes" : ""} | ${cell(notesOf(value))} |`);
    }
    if (schema.additionalProperties === false) {
        lines.push("", "Unknown fields are refused (422 naming the field).");
    }
    return lines;
}

function restReference(doc) {
    const out = [];
    const info = doc.info || {};
    out.push("# REST API reference", "");
    out.push(`Generated from \`GET /openapi.json\` of \`agentrun serve\` (${info.title} ${info.version}, ` +
             `OpenAPI ${doc.openapi}) by \`${scriptName}\`; do not edit by hand (the document is built in ` +
             "app/cli/restopenapi.cpp). The test `docs.reference` fails when this file differs from what " +
             "the server serves. The document itself: [openapi.json](openapi.json). Behaviour, limits, " +
             "security and examples: [../rest.md](../rest.md); the CLI: [cli.md](cli.md).", "");
    if (info.description) {
        out.push(info.description, "");
    }
    const schemes = (doc.components && doc.components.securitySchemes) || {};
    if (doc.security) {
        const alternatives = doc.security.map((requirement) => {
            const names = Object.keys(requirement);
            if (names.length === 0) {
                return "none";
            }
            return names.map((name) => {
                const scheme = schemes[name] || {};
                return `\`${name}\` (${scheme.type || "?"}${scheme.scheme ? ` ${scheme.scheme}` : ""})`;
            }).join(" and ");
        });
        out.push(`Authentication, any of: ${alternatives.join("; ")}. The server asks for the bearer token ` +
                 "only when it was started with `--token-file`.", "");
    }
    const operations = [];
    for (const [route, methods] of Object.entries(doc.paths || {})) {
        for (const [method, operation] of Object.entries(methods)) {
            operations.push({ route, method: method.toUpperCase(), operation });
        }
    }
    // Grouped as a reader looks for them: AgentRun-compatible /v1 first, then /v2, then the rest.
    const rank = (route) => (route.startsWith("/v1/") ? 0 : route.startsWith("/v2/") ? 1 : 2);
    operations.sort((a, b) => rank(a.route) - rank(b.route) || a.route.localeCompare(b.route) ||
                              a.method.localeCompare(b.method));
    out.push("## Endpoints", "", "| method | path | summary |", "|---|---|---|");
    for (const { route, method, operation } of operations) {
        out.push(`| ${method} | [\`${route}\`](#${anchor(`${method} ${route}`)}) | ${cell(operation.summary || "")} |`);
    }
    for (const { route, method, operation } of operations) {
        out.push("", `### ${method} ${route}`, "");
        if (operation.summary) {
            out.push(/[.?!]$/.test(operation.summary) ? operation.summary : `${operation.summary}.`, "");
        }
        if (operation.description) {
            out.push(operation.description, "");
        }
        if (operation.parameters && operation.parameters.length) {
            out.push("Parameters:", "", "| name | in | type | required | notes |", "|---|---|---|---|---|");
            for (const parameter of operation.parameters) {
                out.push(`| \`${parameter.name}\` | ${parameter.in} | ${cell(typeOf(parameter.schema))} | ` +
                         `${parameter.required ? "yes" : ""} | ${cell(notesOf(parameter.schema || {}))} |`);
            }
            out.push("");
        }
        if (operation.requestBody) {
            for (const [type, media] of Object.entries(operation.requestBody.content || {})) {
                const table = fieldsTable(media.schema || {});
                if (table.length === 1) {
                    out.push(`Request body (\`${type}\`): ${table[0]}.`, "");
                } else {
                    out.push(`Request body (\`${type}\`):`, "", ...table, "");
                }
            }
        }
        out.push("Responses:", "", "| status | meaning | body |", "|---|---|---|");
        const statuses = Object.keys(operation.responses || {}).sort();
        for (const status of statuses) {
            const response = operation.responses[status];
            const bodies = Object.entries(response.content || {}).map(([type, media]) =>
                type === "application/json" ? typeOf(media.schema) : `\`${type}\``);
            out.push(`| ${status} | ${cell(response.description || "")} | ${cell(bodies.join(", "))} |`);
        }
    }
    const schemas = (doc.components && doc.components.schemas) || {};
    out.push("", "## Schemas");
    for (const [name, schema] of Object.entries(schemas)) {
        out.push("", `### ${name}`, "");
        if (schema.description) {
            out.push(schema.description, "");
        }
        out.push(...fieldsTable(schema));
    }
    return out.join("\n") + "\n";
}

// ---------------------------------------------------------------- main

async function generate(agentrun, outDir) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "agentrun-gen-reference-"));
    try {
        const env = isolatedEnv(scratch);
        const cli = cliReference(agentrun, env);
        let doc;
        try {
            doc = await fetchOpenApi(agentrun, env);
        } catch (error) {
            fail(`could not get the OpenAPI document: ${error.message}`);
        }
        fs.mkdirSync(outDir, { recursive: true });
        fs.writeFileSync(path.join(outDir, "cli.md"), cli);
        fs.writeFileSync(path.join(outDir, "rest.md"), restReference(doc));
        fs.writeFileSync(path.join(outDir, "openapi.json"), JSON.stringify(doc, null, 2) + "\n");
        return ["cli.md", "openapi.json", "rest.md"];
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

/// The first line where two texts differ, for the message.
function firstDifference(expected, actual) {
    const a = expected.split("\n");
    const b = actual.split("\n");
    for (let i = 0; i < Math.max(a.length, b.length); ++i) {
        if (a[i] !== b[i]) {
            return `line ${i + 1}: committed ${JSON.stringify(a[i] ?? "<end of file>")}, ` +
                   `generated ${JSON.stringify(b[i] ?? "<end of file>")}`;
        }
    }
    return "";
}

async function main() {
    const options = parseArgs(process.argv.slice(2));
    if (!options.check) {
        const files = await generate(options.agentrun, options.out);
        const where = path.relative(root, options.out);
        const shown = where.startsWith("..") || path.isAbsolute(where) ? options.out : where;
        process.stdout.write(`gen-reference: wrote ${files.map((f) => path.join(shown, f)).join(", ")}\n`);
        return 0;
    }
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), "agentrun-reference-"));
    try {
        const files = await generate(options.agentrun, fresh);
        const problems = [];
        for (const file of files) {
            const committed = path.join(committedDir, file);
            const generated = fs.readFileSync(path.join(fresh, file), "utf8");
            if (!fs.existsSync(committed)) {
                problems.push(`docs/reference/${file} is missing`);
                continue;
            }
            const text = fs.readFileSync(committed, "utf8");
            if (text !== generated) {
                problems.push(`docs/reference/${file} differs at ${firstDifference(text, generated)}`);
            }
        }
        if (problems.length) {
            const binary = path.relative(root, options.agentrun);
            const shown = binary.startsWith("..") ? options.agentrun : binary;
            process.stderr.write(problems.map((p) => `gen-reference: ${p}\n`).join("") +
                `docs/reference is stale: run node ${scriptName} --agentrun ${shown} (from the source ` +
                "directory) and commit the result.\n");
            return 1;
        }
        process.stdout.write(`gen-reference: docs/reference is current (${files.join(", ")})\n`);
        return 0;
    } finally {
        fs.rmSync(fresh, { recursive: true, force: true });
    }
}

try {
    process.exitCode = await main();
} catch (error) {
    process.stderr.write(`gen-reference: ${error instanceof Failure ? error.message : error.stack}\n`);
    process.exitCode = 2;
}
