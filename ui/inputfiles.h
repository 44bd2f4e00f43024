#pragma once

// The files an editor tab gives to its runs (issue 17): host paths with the names they get in the
// sandbox's working directory, read from disk at each run so that edits on disk are seen. No widgets here:
// InputFilesPanel shows and edits the lists, MainWindow puts what readInputFiles returns into RunSpec::files.

#include "agentrun/error.h"
#include "agentrun/model/files.h"

#include <QList>
#include <QString>

#include <vector>

namespace agentrun::ui {

struct InputFileEntry
{
    QString path; ///< on the host
    QString name; ///< in the sandbox, relative to /tmp; empty: the file's own name

    bool operator==(const InputFileEntry&) const = default;
};

/// The name the file gets in the sandbox: `name`, or the last part of `path`.
QString sandboxName(const InputFileEntry& entry);

/// Reads every file and checks the set with model::validateInputFiles. The first problem is the error,
/// naming the file (host path and sandbox name) and, for a cap, the cap: a missing or unreadable file, a
/// folder, more than 64 files, more than 32 MiB together, a bad name. Codes: file.read, files.count,
/// files.size, files.name.
agentrun::Result<std::vector<agentrun::model::InputFile>>
readInputFiles(const QList<InputFileEntry>& entries);

} // namespace agentrun::ui
