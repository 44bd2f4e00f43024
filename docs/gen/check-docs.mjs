#!/usr/bin/env node
// Checks that the hand-written docs are true to the program and to themselves:
//   options  every option `agentrun COMMAND --help` prints (for every command the top-level help lists)
//            is named in the hand-written docs (docs/*.md or README.md: docs/cli.md is the reference, a
//            command's own page such as rest.md or history.md counts too) and in docs/reference/cli.md
//   links    every relative link in docs/*.md, docs/reference/*.md and README.md points at a file or folder
//            that exists (anchors and web addresses are not followed)
//
//   node docs/gen/check-docs.mjs [--agentrun PATH] [--root DIR]   exit 0 when true, 1 with a list otherwise
//   node docs/gen/check-docs.mjs [--agentrun PATH] --self-test     plants a broken link and an undocumented
//                                                                  option in a copy of the docs and exits 0
//                                                                  only when both are reported
//
// PATH defaults to $AGENTRUN_CLI, else build/ci/app/cli/agentrun. The help needs no engine.

import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const sourceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function parseArgs(argv) {
    const options = { agentrun: process.env.AGENTRUN_CLI || path.join(sourceRoot, "build/ci/app/cli/agentrun"),
                      root: sourceRoot, selfTest: false };
    for (let i = 0; i < argv.length; ++i) {
        if (argv[i] === "--self-test") {
            options.selfTest = true;
        } else if ((argv[i] === "--agentrun" || argv[i] === "--root") && i + 1 < argv.length) {
            options[argv[i].slice(2)] = path.resolve(argv[++i]);
        } else {
            process.stderr.write(`check-docs: unknown or incomplete argument "${argv[i]}"\n`);
            process.exit(2);
        }
    }
    return options;
}

function help(agentrun, args) {
    const env = { ...process.env, LC_ALL: "C.UTF-8", DOCKER_HOST: "unix:///nonexistent/docker.sock" };
    const result = spawnSync(agentrun, args, { env, encoding: "utf8", timeout: 20000 });
    if (result.error || result.status !== 0) {
        process.stderr.write(`check-docs: \`agentrun ${args.join(" ")}\` failed: ` +
                             `${result.error ? result.error.message : result.stderr}\n`);
        process.exit(2);
    }
    return result.stdout;
}

/// The commands the top-level help lists under "Subcommands:", and each one's options.
function optionsByCommand(agentrun) {
    const lines = help(agentrun, ["--help"]).split("\n");
    const start = lines.findIndex((line) => /^Subcommands:\s*$/.test(line));
    const commands = [];
    for (let i = start + 1; start >= 0 && i < lines.length && lines[i].trim() !== ""; ++i) {
        const match = /^\s{2}([a-z][a-z-]*)\s{2,}/.exec(lines[i]);
        if (match && match[1] !== "help") {
            commands.push(match[1]);
        }
    }
    const result = new Map();
    for (const command of commands) {
        const options = new Set();
        for (const match of help(agentrun, [command, "--help"]).matchAll(/(?<![\w-])(--[a-z][a-z0-9-]*)/g)) {
            if (match[1] !== "--help") {
                options.add(match[1]);
            }
        }
        result.set(command, [...options].sort());
    }
    return result;
}

function markdownFiles(root) {
    const files = [path.join(root, "README.md")];
    for (const dir of ["docs", path.join("docs", "reference")]) {
        for (const name of fs.readdirSync(path.join(root, dir)).sort()) {
            if (name.endsWith(".md")) {
                files.push(path.join(root, dir, name));
            }
        }
    }
    return files.filter((file) => fs.existsSync(file));
}

function check(agentrun, root) {
    const problems = [];
    const files = markdownFiles(root);
    const reference = path.join(root, "docs", "reference");
    const handWritten = files.filter((file) => path.dirname(file) !== reference)
                             .map((file) => fs.readFileSync(file, "utf8")).join("\n");
    const generated = fs.readFileSync(path.join(reference, "cli.md"), "utf8");
    const named = (text, option) => new RegExp(`(?<![\\w-])${option}(?![\\w-])`).test(text);
    for (const [command, options] of optionsByCommand(agentrun)) {
        for (const option of options) {
            if (!named(handWritten, option)) {
                problems.push(`agentrun ${command} ${option}: in --help but in no hand-written doc ` +
                              "(docs/*.md, README.md): describe it in docs/cli.md");
            }
            if (!named(generated, option)) {
                problems.push(`agentrun ${command} ${option}: not in docs/reference/cli.md: regenerate it ` +
                              "(ninja -C build/ci docs-reference)");
            }
        }
    }
    for (const file of files) {
        // Code (blocks and spans) is not a link.
        const text = fs.readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "").replace(/``[^\n]*?``|`[^`\n]*`/g, "");
        for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
            const target = match[1];
            if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("#")) {
                continue; // a web address, mail, or an anchor in the same file
            }
            const relative = decodeURIComponent(target.split("#")[0]);
            if (!fs.existsSync(path.resolve(path.dirname(file), relative))) {
                problems.push(`${path.relative(root, file)}: link to ${target}: no such file`);
            }
        }
    }
    return problems;
}

function copyDocs(root, to) {
    fs.mkdirSync(path.join(to, "docs", "reference"), { recursive: true });
    fs.cpSync(path.join(root, "docs"), path.join(to, "docs"), { recursive: true });
    fs.copyFileSync(path.join(root, "README.md"), path.join(to, "README.md"));
    // Links may point anywhere in the tree: the other top-level entries are linked in, not copied.
    for (const name of fs.readdirSync(root)) {
        if (!fs.existsSync(path.join(to, name))) {
            fs.symlinkSync(path.join(root, name), path.join(to, name));
        }
    }
}

const options = parseArgs(process.argv.slice(2));
if (!options.selfTest) {
    const problems = check(options.agentrun, options.root);
    for (const problem of problems) {
        process.stdout.write(`check-docs: ${problem}\n`);
    }
    process.stdout.write(problems.length ? `check-docs: ${problems.length} problem(s)\n` : "check-docs: docs are true\n");
    process.exit(problems.length ? 1 : 0);
}

// Self-test: the real docs pass, and a copy with a planted break fails for exactly the planted reasons.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "check-docs-"));
try {
    copyDocs(options.root, scratch);
    const cli = path.join(scratch, "docs", "cli.md");
    const readme = path.join(scratch, "README.md");
    fs.writeFileSync(readme, fs.readFileSync(readme, "utf8") + "\nSee [the missing page](docs/no-such-page.md).\n");
    // Every mention of --no-history leaves the hand-written docs.
    for (const file of markdownFiles(scratch).filter((f) => !f.includes(`${path.sep}reference${path.sep}`))) {
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replaceAll("--no-history", "--no-hist0ry"));
    }
    const problems = check(options.agentrun, scratch);
    const link = problems.some((p) => p === "README.md: link to docs/no-such-page.md: no such file");
    const option = problems.some((p) => p.startsWith("agentrun run --no-history: in --help but in no hand-written doc"));
    process.stdout.write(`check-docs self-test: planted link ${link ? "found" : "MISSED"}, planted option ` +
                         `${option ? "found" : "MISSED"} (${problems.length} problem(s) in the copy)\n`);
    process.exit(link && option && fs.existsSync(cli) ? 0 : 1);
} finally {
    fs.rmSync(scratch, { recursive: true, force: true });
}
