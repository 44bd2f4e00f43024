#include "inputfiles.h"

#include "agentrun/errorcodes.h"
#include "agentrun/userfile.h"

#include <QFileInfo>

namespace agentrun::ui {

QString sandboxName(const InputFileEntry& entry)
{
    return entry.name.isEmpty() ? QFileInfo(entry.path).fileName() : entry.name;
}

agentrun::Result<std::vector<agentrun::model::InputFile>> readInputFiles(const QList<InputFileEntry>& entries)
{
    using agentrun::model::MaxInputFileBytes;
    using agentrun::model::MaxInputFiles;
    // The count first: reading 65 files to refuse them would be wasted work.
    if (std::size_t(entries.size()) > MaxInputFiles)
        return agentrun::fail(
            agentrun::errc::FilesCount,
            QStringLiteral("%1 input files are listed; a run takes at most %2: remove some or "
                           "pack them into an archive.")
                .arg(entries.size())
                .arg(MaxInputFiles)
                .toStdString());
    std::vector<agentrun::model::InputFile> files;
    std::size_t total = 0;
    for (const auto& entry : entries) {
        const QString name = sandboxName(entry);
        const std::string shown =
            QStringLiteral("input file %1 (as /tmp/%2)").arg(entry.path, name).toStdString();
        // What is left of the cap for all files together: a file larger than that is refused unread.
        const std::size_t left = MaxInputFileBytes - total;
        auto data = agentrun::readUserFile(entry.path.toStdString(), left, "");
        if (!data) {
            const QFileInfo info(entry.path);
            if (info.isFile() && std::uint64_t(info.size()) > left)
                return agentrun::fail(agentrun::errc::FilesSize,
                                      shown + ": " + std::to_string(info.size()) + " bytes, " +
                                          (total
                                               ? std::to_string(total) + " bytes already given by the files "
                                                                         "above it, "
                                               : std::string()) +
                                          "over the cap of 32 MiB for all of a run's files together: remove "
                                          "it or give a smaller one.");
            return agentrun::fail(agentrun::errc::FileRead, shown + ": " + data.error().message);
        }
        total += data->size();
        files.push_back({name.toStdString(), std::move(*data)});
    }
    if (auto valid = agentrun::model::validateInputFiles(files); !valid)
        return agentrun::fail(valid.error().code, "input files: " + valid.error().message);
    return files;
}

} // namespace agentrun::ui
