// Write-then-rename output files: a reader never sees a half-written file under the final name.
#pragma once

#include "core/expected.hpp"

#include <string>

namespace cnnscope {

// Owns a temporary path next to the final one. commit() renames it into place; destruction
// without commit() deletes the temporary. Checks up front that the target directory is writable.
class AtomicFile {
public:
    static Expected<AtomicFile> create(const std::string& finalPath);
    AtomicFile(AtomicFile&& o) noexcept;
    AtomicFile& operator=(AtomicFile&& o) noexcept;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();

    const std::string& tempPath() const { return m_temp; }
    const std::string& finalPath() const { return m_final; }
    Status commit();
    void discard();

private:
    AtomicFile(std::string finalPath, std::string tempPath) : m_final(std::move(finalPath)), m_temp(std::move(tempPath)) {}
    std::string m_final;
    std::string m_temp;
};

// Writes text (JSON, reports) atomically.
Status writeTextAtomic(const std::string& path, const std::string& text);

// Writes an image (PNG/JPEG by extension) atomically.
Status writeImageAtomic(const std::string& path, const cv::Mat& image);

// Makes sure a directory exists (creating parents); a clear error if it cannot.
Status ensureDirectory(const std::string& dir);

}  // namespace cnnscope
