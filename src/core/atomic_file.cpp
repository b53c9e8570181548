// Write-then-rename output files.
#include "core/atomic_file.hpp"

#include <opencv2/imgcodecs.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace cnnscope {

Expected<AtomicFile> AtomicFile::create(const std::string& finalPath) {
    if (finalPath.empty()) return Error{"empty output path"};
    fs::path p(finalPath);
    fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        return Error{"cannot write '" + finalPath + "': directory '" + dir.string() + "' does not exist (create it first)"};
    if (fs::is_directory(p, ec))
        return Error{"cannot write '" + finalPath + "': it is a directory; give a file name"};
    if (::access(dir.c_str(), W_OK) != 0)
        return Error{"cannot write '" + finalPath + "': directory '" + dir.string() + "' is not writable (" +
                     std::strerror(errno) + ")"};
    // Keep the extension last so encoders that pick the format by extension still work.
    std::string temp = (dir / ("." + p.stem().string() + ".partial-" + std::to_string(::getpid()) +
                               p.extension().string())).string();
    return AtomicFile(finalPath, temp);
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept : m_final(std::move(o.m_final)), m_temp(std::move(o.m_temp)) {
    o.m_temp.clear();
}

AtomicFile& AtomicFile::operator=(AtomicFile&& o) noexcept {
    if (this != &o) {
        discard();
        m_final = std::move(o.m_final);
        m_temp = std::move(o.m_temp);
        o.m_temp.clear();
    }
    return *this;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
    if (!m_temp.empty()) {
        std::remove(m_temp.c_str());
        m_temp.clear();
    }
}

Status AtomicFile::commit() {
    if (m_temp.empty()) return Error{"internal: commit() on a discarded file"};
    if (std::rename(m_temp.c_str(), m_final.c_str()) != 0) {
        std::string why = std::strerror(errno);
        discard();
        return Error{"cannot move finished file into place at '" + m_final + "': " + why};
    }
    m_temp.clear();
    return {};
}

Status writeTextAtomic(const std::string& path, const std::string& text) {
    auto file = AtomicFile::create(path);
    if (!file) return Error{file.error()};
    {
        std::ofstream out(file->tempPath(), std::ios::binary);
        out << text;
        if (!out.flush()) return Error{"cannot write '" + path + "' (disk full?); nothing was kept"};
    }
    return file->commit();
}

Status writeImageAtomic(const std::string& path, const cv::Mat& image) {
    auto file = AtomicFile::create(path);
    if (!file) return Error{file.error()};
    bool written = false;
    std::string why;
    try {
        written = cv::imwrite(file->tempPath(), image);
    } catch (const cv::Exception& e) {
        why = e.err;
    }
    if (!written) {
        file->discard();
        return Error{"cannot write image '" + path + "'" + (why.empty() ? " (disk full or unsupported extension?)" : ": " + why)};
    }
    return file->commit();
}

Status ensureDirectory(const std::string& dir) {
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
        if (::access(dir.c_str(), W_OK) != 0) return Error{"output directory '" + dir + "' is not writable"};
        return {};
    }
    if (fs::exists(dir, ec)) return Error{"output path '" + dir + "' exists and is not a directory"};
    if (!fs::create_directories(dir, ec)) return Error{"cannot create output directory '" + dir + "': " + ec.message()};
    return {};
}

}  // namespace cnnscope
