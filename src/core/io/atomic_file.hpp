// Write-then-rename output files: a reader never sees a half-written file under the final name.
#pragma once

#include "core/base/expected.hpp"

#include <string>

namespace cnnscope {

// Owns a temporary file created exclusively (O_EXCL, never through a link) next to the final
// one, named .cnnscope-partial-PID-XXXXXX.EXT (short, whatever the final name's length). commit()
// renames it into place; destruction without commit() deletes it. create() first checks the
// target with checkOutputTarget (only a regular file is ever replaced) and removes stale
// temporaries of our own left in that directory by processes that no longer run.
class AtomicFile {
public:
    static Expected<AtomicFile> create(const std::string& finalPath, const std::string& option = "output");
    AtomicFile(AtomicFile&& o) noexcept;
    AtomicFile& operator=(AtomicFile&& o) noexcept;
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;
    ~AtomicFile();

    const std::string& tempPath() const { return m_temp; }
    const std::string& finalPath() const { return m_final; }
    // The open descriptor of the temporary file; takeFd() hands it over (the caller closes it).
    int fd() const { return m_fd; }
    int takeFd();
    Status commit();
    void discard();

private:
    AtomicFile(std::string finalPath, std::string tempPath, int fd);
    std::string m_final;
    std::string m_temp;
    int m_fd = -1;
};

// A new temporary folder next to `finalPath` (mkdtemp), for outputs that are folders.
Expected<std::string> createTempDir(const std::string& finalPath);
// Makes a finished temporary file or folder readable like a normal new one (mode 0666/0777 & ~umask).
void applyUmaskMode(const std::string& path, bool directory);

// Writes text (JSON, reports) atomically.
Status writeTextAtomic(const std::string& path, const std::string& text, const std::string& option = "output");

// Writes an image (PNG/JPEG by extension) atomically.
Status writeImageAtomic(const std::string& path, const cv::Mat& image, const std::string& option = "output");

// Makes sure a directory exists (creating parents); a clear error if it cannot.
Status ensureDirectory(const std::string& dir);

}  // namespace cnnscope
