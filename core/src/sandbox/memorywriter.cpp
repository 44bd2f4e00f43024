#include "agentrun/sandbox/memorywriter.h"
#include "agentrun/errorcodes.h"

namespace agentrun::sandbox {

namespace {

std::string join(const std::string& parent, const std::string& name)
{
    return parent.empty() ? name : parent + "/" + name;
}

} // namespace

engine::TarReader::Sink MemoryWriter::sink()
{
    return {[this](const engine::TarEntry& entry) { return begin(entry); },
            [this](std::string_view data) { return write(data); }, [this]() { return end(); }};
}

std::string MemoryWriter::freeName(const std::string& parent, const std::string& leaf) const
{
    // The HostWriter's suffix ("name~2.ext", a stem cut on a character so that the name stays 255 bytes).
    const auto dot = leaf.rfind('.');
    const bool hasExtension = dot != std::string::npos && dot > 0;
    const std::string stem = hasExtension ? leaf.substr(0, dot) : leaf;
    const std::string extension = hasExtension ? leaf.substr(dot) : "";
    for (int n = 2; n <= 1000; ++n) {
        const std::string suffix = "~" + std::to_string(n) + extension;
        std::size_t keep = std::min(stem.size(), 255 - std::min<std::size_t>(255, suffix.size()));
        while (keep > 0 && keep < stem.size() && (static_cast<unsigned char>(stem[keep]) & 0xC0) == 0x80) {
            --keep;
        }
        const std::string candidate = join(parent, stem.substr(0, keep) + suffix);
        if (!taken(candidate)) {
            return candidate;
        }
    }
    return {};
}

std::string MemoryWriter::folder(const std::string& sanitised)
{
    if (sanitised.empty()) {
        return {};
    }
    if (const auto renamed = m_dirNames.find(sanitised); renamed != m_dirNames.end()) {
        return renamed->second;
    }
    const auto slash = sanitised.rfind('/');
    const std::string parent = folder(slash == std::string::npos ? "" : sanitised.substr(0, slash));
    const std::string leaf = slash == std::string::npos ? sanitised : sanitised.substr(slash + 1);
    std::string written = join(parent, leaf);
    if (m_files.contains(written)) {
        // A file holds the name: the folder takes another, as on a disk.
        written = freeName(parent, leaf);
        m_report.renamed.push_back({sanitised, written});
    }
    m_dirNames[sanitised] = written;
    m_dirs.insert(written);
    return written;
}

Result<void> MemoryWriter::begin(const engine::TarEntry& entry)
{
    if (entry.kind == engine::TarEntry::Kind::Directory) {
        m_report.directories.push_back(folder(entry.path));
        return {};
    }
    const auto slash = entry.path.rfind('/');
    const std::string parent = folder(slash == std::string::npos ? "" : entry.path.substr(0, slash));
    const std::string leaf = slash == std::string::npos ? entry.path : entry.path.substr(slash + 1);
    std::string written = join(parent, leaf);
    if (taken(written)) {
        written = freeName(parent, leaf);
        if (written.empty()) {
            return fail(errc::ArchiveTooManyEntries, "The copy was aborted: no free name for " + entry.path +
                                                         " (over 1000 files share it).");
        }
        m_report.renamed.push_back({entry.archivePath, written});
    }
    m_files.insert(written);
    model::CollectedFile file;
    file.path = written;
    // Execute bits only when asked, as on the host.
    file.mode = (entry.mode | 0600) & (m_options.keepExecutable ? 0755 : 0644);
    file.data.reserve(entry.size); // the reader checked the size against the caps before this call
    m_contents.push_back(std::move(file));
    m_open = true;
    return {};
}

Result<void> MemoryWriter::write(std::string_view data)
{
    if (m_open) {
        m_contents.back().data.append(data);
        m_report.bytes += data.size();
    }
    return {};
}

Result<void> MemoryWriter::end()
{
    if (m_open) {
        m_report.files.push_back(m_contents.back().path);
        m_report.sizes.push_back(m_contents.back().data.size());
        m_open = false;
    }
    return {};
}

std::size_t MemoryWriter::rollback()
{
    const std::size_t dropped = m_contents.size();
    m_contents.clear();
    m_contents.shrink_to_fit();
    m_files.clear();
    m_dirs.clear();
    m_dirNames.clear();
    m_report = {};
    m_open = false;
    return dropped;
}

} // namespace agentrun::sandbox
