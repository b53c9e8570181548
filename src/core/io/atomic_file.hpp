// Write-then-rename output files: a reader never sees a half-written file under the final name.
#pragma once

#include "core/base/expected.hpp"

#include <string>

namespace cnnscope {

// Owns a temporary file created exclusively (O_EXCL, never through a link) next to the final
// one, named .cnnscope-partial-PID-XXXXXX.EXT (short, whatever the final name's length). commit()
// renames it into place; destruction without commit() deletes it. Both go through a descriptor of
// the directory opened at create(), so a folder renamed or removed during the run never keeps a
// temporary behind: commit() then refuses (the output would land where nobody asked) and deletes it. create() first checks the
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
    // Gives the closed temporary up to the caller (it stays registered for removal on a signal
    // and is neither renamed nor deleted here).
    void release();

private:
    AtomicFile(std::string finalPath, std::string tempPath, int fd, int dirFd);
    std::string m_final;
    std::string m_temp;
    int m_fd = -1;
    int m_dirFd = -1;  // the directory both names are in (O_PATH)
};

// A new temporary folder next to `finalPath` (mkdtemp), for outputs that are folders.
Expected<std::string> createTempDir(const std::string& finalPath);
// Makes a finished temporary file or folder readable like a normal new one (mode 0666/0777 & ~umask).
void applyUmaskMode(const std::string& path, bool directory);

// Writes text (JSON, reports) atomically.
Status writeTextAtomic(const std::string& path, const std::string& text, const std::string& option = "output");

// Writes an image (PNG/JPEG by extension) atomically.
Status writeImageAtomic(const std::string& path, const cv::Mat& image, const std::string& option = "output");

// Why a write to `path` failed, for messages: "the file-size limit (ulimit -f, N bytes) was
// reached" when the file has grown to RLIMIT_FSIZE (SIGXFSZ is ignored at start-up, so such a
// write fails with EFBIG instead of killing the run), "the disk is full" when its file system has
// (almost) no space left, else strerror(err) (err 0: "disk full or I/O error").
std::string writeFailureReason(const std::string& path, int err);

// Makes sure a directory exists (creating parents); a clear error if it cannot.
Status ensureDirectory(const std::string& dir);

}  // namespace cnnscope
