// The artifacts of a stored run (history/artifacts.h).
#include "history/artifacts.h"

#include "agentrun/errorcodes.h"
#include "agentrun/model/limits.h"

namespace agentrun::history {

/// The figures' shapes for figures_json, and which images fit the per-run cap (whole images, first first).
nlohmann::json figuresMetadata(const model::RunResult& result, std::int64_t maxImageBytes,
                               std::vector<std::size_t>& storedImages)
{
    nlohmann::json figures = nlohmann::json::array();
    std::int64_t kept = 0;
    for (std::size_t i = 0; i < result.figures.size(); ++i) {
        const auto& figure = result.figures[i];
        const auto size = static_cast<std::int64_t>(figure.bytes.size());
        nlohmann::json item = {{"index", i},
                               {"mime", figure.mime},
                               {"width", figure.width},
                               {"height", figure.height},
                               {"bytes", size},
                               {"stdout_offset", figure.stdoutOffset}};
        const bool fits = kept + size <= maxImageBytes;
        item["stored"] = fits;
        if (fits) {
            kept += size;
            storedImages.push_back(i);
        } else {
            item["note"] = "image not kept: the history keeps at most " + model::formatSize(maxImageBytes) +
                           " of images per run (AGENTRUN_HISTORY_FIGURE_BYTES)";
        }
        figures.push_back(std::move(item));
    }
    return figures;
}

/// The collected files' names and sizes for files_json, while they fit MaxStoredFilesBytes.
nlohmann::json filesMetadata(const model::CollectedFiles& files, bool& cut)
{
    nlohmann::json list = nlohmann::json::array();
    std::size_t size = 2;
    cut = false;
    for (std::size_t i = 0; i < files.copied.size(); ++i) {
        nlohmann::json item = {{"path", files.copied[i]},
                               {"size", i < files.sizes.size() ? files.sizes[i] : 0}};
        size += item.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() + 1;
        if (size > MaxStoredFilesBytes) {
            cut = true;
            break;
        }
        list.push_back(std::move(item));
    }
    return list;
}

Result<void> readImages(Database& db, std::int64_t rowId, RunRecord& record)
{
    bool any = false;
    for (const auto& figure : record.figures) {
        any = any || figure.stored;
    }
    if (!any) {
        return {};
    }
    auto query = db.prepare("SELECT idx, data FROM figures WHERE run = ? ORDER BY idx");
    if (!query) {
        return std::unexpected(query.error());
    }
    query->bind(1, rowId);
    int rc = 0;
    while ((rc = query->step()) == SQLITE_ROW) {
        const auto index = query->integer(0);
        for (auto& figure : record.figures) {
            if (figure.index == index && figure.stored) {
                figure.data = query->text(1);
            }
        }
    }
    if (rc != SQLITE_DONE) {
        return fail(errc::HistoryRead, db.lastError());
    }
    for (auto& figure : record.figures) {
        if (figure.stored && figure.data.empty() && figure.bytes > 0) {
            figure.stored = false; // the row says kept, the image is gone: say so, never an empty image
            figure.note = "image not found in the history file";
        }
    }
    return {};
}

} // namespace agentrun::history
