#include "helper_wheel.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <sys/stat.h>

namespace testing {

namespace {

// ---- a wheel is a zip: a minimal writer (stored entries, CRC-32) ----

std::uint32_t crc32(std::string_view data)
{
    static const auto table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t i = 0; i < 256; ++i) {
            std::uint32_t c = i;
            for (int k = 0; k < 8; ++k) {
                c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            t[i] = c;
        }
        return t;
    }();
    std::uint32_t crc = 0xFFFFFFFFu;
    for (unsigned char byte : data) {
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8);
    }
    return crc ^ 0xFFFFFFFFu;
}

void put16(std::string& out, std::uint32_t v)
{
    out += static_cast<char>(v & 0xFF);
    out += static_cast<char>((v >> 8) & 0xFF);
}

void put32(std::string& out, std::uint32_t v)
{
    put16(out, v & 0xFFFF);
    put16(out, v >> 16);
}

std::string zip(const std::vector<std::pair<std::string, std::string>>& files)
{
    std::string out;
    std::string central;
    for (const auto& [name, data] : files) {
        const auto offset = static_cast<std::uint32_t>(out.size());
        const auto crc = crc32(data);
        const auto size = static_cast<std::uint32_t>(data.size());
        const auto nameSize = static_cast<std::uint32_t>(name.size());
        put32(out, 0x04034b50);
        put16(out, 20), put16(out, 0), put16(out, 0), put16(out, 0), put16(out, 0x21);
        put32(out, crc), put32(out, size), put32(out, size);
        put16(out, nameSize), put16(out, 0);
        out += name + data;
        put32(central, 0x02014b50);
        put16(central, 20), put16(central, 20), put16(central, 0), put16(central, 0), put16(central, 0),
            put16(central, 0x21);
        put32(central, crc), put32(central, size), put32(central, size);
        put16(central, nameSize), put16(central, 0), put16(central, 0), put16(central, 0), put16(central, 0);
        put32(central, 0100644u << 16), put32(central, offset);
        central += name;
    }
    const auto centralOffset = static_cast<std::uint32_t>(out.size());
    out += central;
    put32(out, 0x06054b50);
    put16(out, 0), put16(out, 0);
    put16(out, static_cast<std::uint32_t>(files.size())),
        put16(out, static_cast<std::uint32_t>(files.size()));
    put32(out, static_cast<std::uint32_t>(central.size())), put32(out, centralOffset);
    put16(out, 0);
    return out;
}

} // namespace

void writeFile(const std::string& path, const std::string& data)
{
    std::ofstream(path, std::ios::binary) << data;
    ::chmod(path.c_str(), 0644);
}

void makeWheel(const std::string& dir, const std::string& dist, const std::string& module,
               const std::string& version, const std::vector<std::string>& dependencies)
{
    std::string fileDist = dist;
    std::ranges::replace(fileDist, '-', '_');
    const std::string info = fileDist + "-" + version + ".dist-info/";
    std::string metadata = "Metadata-Version: 2.1\nName: " + dist + "\nVersion: " + version + "\n";
    for (const auto& r : dependencies) {
        metadata += "Requires-Dist: " + r + "\n";
    }
    std::vector<std::pair<std::string, std::string>> files = {
        {module + "/__init__.py", "VALUE = '" + dist + " " + version + "'\n"},
        {info + "METADATA", metadata},
        {info + "WHEEL",
         "Wheel-Version: 1.0\nGenerator: tst_installer\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
    };
    std::string record;
    for (const auto& file : files) {
        record += file.first + ",,\n";
    }
    record += info + "RECORD,,\n";
    files.emplace_back(info + "RECORD", record);
    writeFile(dir + "/" + fileDist + "-" + version + "-py3-none-any.whl", zip(files));
}

} // namespace testing
