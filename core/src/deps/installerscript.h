#pragma once

// Internal to deps/: the installer container's paths and its small wrapper around pip.

#include "agentrun/deps/installer.h"

#include <string>
#include <vector>

namespace agentrun::deps {

/// "name" / "name==1.0" texts, normalised, sorted, unique: the set's canonical form.
std::vector<std::string> sortedRequirementTexts(const std::vector<Requirement>& requirements);
/// The source as it enters the cache key.
std::string sourceIdentity(const InstallSource& source);
/// "wheelhouse" or "index <host>" without credentials or path: what a cache listing may show.
std::string sourceLabel(const InstallSource& source);

/// Inside the installer container: the cache volume (mounted read-write) and the wheelhouse (read-only).
/// /var/tmp is mode 1777 in the image, which the fresh volume inherits (see installerSpec()).
inline constexpr const char* InstallerTarget = "/var/tmp";
inline constexpr const char* WheelhousePath = "/wheelhouse";
/// Written last, after pip succeeded: a volume without it is incomplete and never reused.
inline constexpr const char* MarkerName = ".agentrun-complete";
/// Prefix of the wrapper's final stdout line, followed by the marker JSON.
inline constexpr const char* InstalledPrefix = "agentrun: installed ";

/// argv[1] = target, argv[2:] = pip's arguments; env AGENTRUN_MARKER = the marker JSON.
/// pip's temporary files live in the volume (same file system: pip moves instead of copying, and the
/// small tmpfs is not a limit); they are gone before the marker is written.
inline constexpr const char* InstallerScript = R"PY(
import json, os, shutil, subprocess, sys
target = sys.argv[1]
tmp = os.path.join(target, ".agentrun-tmp")
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
code = subprocess.call([sys.executable, "-I", "-m", "pip"] + sys.argv[2:], env=dict(os.environ, TMPDIR=tmp))
shutil.rmtree(tmp, ignore_errors=True)
if code != 0:
    sys.exit(code)
import importlib.metadata as md
marker = json.loads(os.environ["AGENTRUN_MARKER"])
marker["installed"] = sorted({"%s==%s" % (d.metadata["Name"], d.version) for d in md.distributions(path=[target])})
part = os.path.join(target, ".agentrun-complete.part")
with open(part, "w") as f:
    json.dump(marker, f)
    f.flush()
    os.fsync(f.fileno())
os.rename(part, os.path.join(target, ".agentrun-complete"))
sys.stdout.write("agentrun: installed " + json.dumps(marker) + "\n")
)PY";

} // namespace agentrun::deps
