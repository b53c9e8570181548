// Write-then-rename output files, with exclusively created temporaries.
#include "core/io/atomic_file.hpp"

#include "core/base/interrupt.hpp"
#include "core/io/output_guard.hpp"
#include "core/base/parse.hpp"

#include <opencv2/imgcodecs.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace cnnscope {

namespace {

constexpr const char* kTempPrefix = ".cnnscope-partial-";

fs::path dirOf(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    fs::path fp(p);
    return fp.has_parent_path() ? fp.parent_path() : fs::path(".");
}

// The extension kept at the end of the temporary name (encoders pick formats by it), bounded.
std::string extensionOf(const std::string& path) {
    std::string e = fs::path(path).extension().string();
    if (e.size() > 16) e.clear();
    for (char c : e)
        if (c == '/') return {};
    return e;
}

// Removes .cnnscope-partial-PID-* entries owned by us whose process no longer runs (a killed run).
void removeStaleTemporaries(const fs::path& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    const std::string prefix = kTempPrefix;
    const pid_t self = ::getpid();
    while (dirent* e = ::readdir(d)) {
        const std::string name = e->d_name;
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        const char* digits = name.c_str() + prefix.size();
        char* end = nullptr;
        const long pid = std::strtol(digits, &end, 10);
        if (end == digits || *end != '-' || pid <= 0 || pid == self) continue;
        if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue;  // still running (or not ours to judge)
        const fs::path p = dir / name;
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0 || st.st_uid != ::geteuid()) continue;
        std::error_code ec;
        if (S_ISREG(st.st_mode)) fs::remove(p, ec);
        else if (S_ISDIR(st.st_mode)) fs::remove_all(p, ec);
    }
    ::closedir(d);
}

mode_t currentUmask() {
    static const mode_t mask = [] {
        std::ifstream in("/proc/self/status");
        for (std::string line; std::getline(in, line);)
            if (line.rfind("Umask:", 0) == 0) return mode_t(std::strtol(line.c_str() + 6, nullptr, 8));
        return mode_t(022);
    }();
    return mask;
}

}  // namespace

void applyUmaskMode(const std::string& path, bool directory) {
    ::chmod(path.c_str(), (directory ? 0777 : 0666) & ~currentUmask());
}

AtomicFile::AtomicFile(std::string finalPath, std::string tempPath, int fd, int dirFd)
    : m_final(std::move(finalPath)), m_temp(std::move(tempPath)), m_fd(fd), m_dirFd(dirFd) {
    registerTemporary(m_temp);
}

namespace {
std::string baseName(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return fs::path(p).filename().string();
}
}  // namespace

Expected<AtomicFile> AtomicFile::create(const std::string& finalPath, const std::string& option) {
    if (auto st = checkOutputTarget(option, finalPath, OutputKind::File); !st) return Error{st.error()};
    const fs::path dir = dirOf(finalPath);
    removeStaleTemporaries(dir);
    const int dirFd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirFd < 0) return Error{"cannot open the folder '" + dir.string() + "' of '" + finalPath + "': " + std::strerror(errno)};
    const std::string ext = extensionOf(finalPath);
    std::string templ = (dir / (std::string(kTempPrefix) + std::to_string(::getpid()) + "-XXXXXX" + ext)).string();
    // mkstemps: O_CREAT|O_EXCL, so a planted file or link at the name makes it pick another.
    const int fd = ::mkstemps(templ.data(), int(ext.size()));
    if (fd < 0) {
        const int err = errno;
        ::close(dirFd);
        return Error{"cannot create a temporary file in '" + dir.string() + "' for '" + finalPath + "': " + std::strerror(err)};
    }
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fchmod(fd, 0666 & ~currentUmask());
    return AtomicFile(finalPath, templ, fd, dirFd);
}

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : m_final(std::move(o.m_final)), m_temp(std::move(o.m_temp)), m_fd(o.m_fd), m_dirFd(o.m_dirFd) {
    o.m_temp.clear();
    o.m_fd = -1;
    o.m_dirFd = -1;
}

AtomicFile& AtomicFile::operator=(AtomicFile&& o) noexcept {
    if (this != &o) {
        discard();
        m_final = std::move(o.m_final);
        m_temp = std::move(o.m_temp);
        m_fd = o.m_fd;
        m_dirFd = o.m_dirFd;
        o.m_temp.clear();
        o.m_fd = -1;
        o.m_dirFd = -1;
    }
    return *this;
}

AtomicFile::~AtomicFile() { discard(); }

int AtomicFile::takeFd() {
    const int fd = m_fd;
    m_fd = -1;
    return fd;
}

void AtomicFile::release() {
    if (m_fd >= 0) ::close(m_fd);
    if (m_dirFd >= 0) ::close(m_dirFd);
    m_fd = m_dirFd = -1;
    m_temp.clear();
}

void AtomicFile::discard() {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    if (!m_temp.empty()) {
        if (m_dirFd >= 0) ::unlinkat(m_dirFd, baseName(m_temp).c_str(), 0);  // where it is now, even if its folder moved
        else ::unlink(m_temp.c_str());
        unregisterTemporary(m_temp);
        m_temp.clear();
    }
    if (m_dirFd >= 0) {
        ::close(m_dirFd);
        m_dirFd = -1;
    }
}

Status AtomicFile::commit() {
    if (m_temp.empty()) return Error{"internal: commit() on a discarded file"};
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    // The folder must still be the one the run was asked to write into.
    struct stat was {}, now {};
    if (::fstat(m_dirFd, &was) != 0 || ::stat(dirOf(m_final).c_str(), &now) != 0 || was.st_dev != now.st_dev ||
        was.st_ino != now.st_ino) {
        discard();
        return Error{"the folder '" + dirOf(m_final).string() + "' of '" + m_final +
                     "' was moved or removed while writing; nothing was written (its temporary file was deleted)"};
    }
    // The target may have changed since the check: still only a regular file (or a link) is replaced.
    const std::string tempName = baseName(m_temp), finalName = baseName(m_final);
    struct stat ls {};
    if (::fstatat(m_dirFd, finalName.c_str(), &ls, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(ls.st_mode) && !S_ISLNK(ls.st_mode)) {
        discard();
        return Error{"'" + m_final + "' appeared as something other than a regular file while writing; nothing was replaced"};
    }
    if (::renameat(m_dirFd, tempName.c_str(), m_dirFd, finalName.c_str()) != 0) {
        std::string why = std::strerror(errno);
        discard();
        return Error{"cannot move finished file into place at '" + m_final + "': " + why};
    }
    unregisterTemporary(m_temp);
    m_temp.clear();
    ::close(m_dirFd);
    m_dirFd = -1;
    return {};
}

Expected<std::string> createTempDir(const std::string& finalPath) {
    const fs::path dir = dirOf(finalPath);
    removeStaleTemporaries(dir);
    std::string templ = (dir / (std::string(kTempPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (!::mkdtemp(templ.data()))
        return Error{"cannot create a temporary folder in '" + dir.string() + "' for '" + finalPath + "': " + std::strerror(errno)};
    return templ;
}

std::string writeFailureReason(const std::string& path, int err) {
    struct stat st {};
    rlimit lim {};
    if (::getrlimit(RLIMIT_FSIZE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY && ::stat(path.c_str(), &st) == 0 &&
        (err == EFBIG || uintmax_t(st.st_size) + 65536 >= uintmax_t(lim.rlim_cur)))
        return "the file-size limit (ulimit -f: " + std::to_string((unsigned long long)lim.rlim_cur) +
               " bytes) was reached; raise it or ask for a smaller output";
    if (err == EFBIG) return std::string(std::strerror(err)) + " (the file system's largest file)";
    std::error_code ec;
    const auto space = fs::space(dirOf(path), ec);
    if (err == ENOSPC || (!ec && space.available < (uintmax_t(4) << 20))) return "the disk is full";
    return err ? std::string(std::strerror(err)) : std::string("disk full or I/O error");
}

namespace {
bool writeAll(int fd, const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        const ssize_t w = ::write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return false;
        p += w;
        n -= size_t(w);
    }
    return true;
}
}  // namespace

Status writeTextAtomic(const std::string& path, const std::string& text, const std::string& option) {
    auto file = AtomicFile::create(path, option);
    if (!file) return Error{file.error()};
    if (!writeAll(file->fd(), text.data(), text.size()) || ::fsync(file->fd()) != 0)
        return Error{"cannot write '" + path + "': " + writeFailureReason(file->tempPath(), errno) + "; nothing was kept"};
    return file->commit();
}

Status writeImageAtomic(const std::string& path, const cv::Mat& image, const std::string& option) {
    auto file = AtomicFile::create(path, option);
    if (!file) return Error{file.error()};
    std::vector<uchar> bytes;
    bool encoded = false;
    std::string why;
    std::string ext = lower(fs::path(path).extension().string());
    if (ext.empty()) ext = ".png";
    try {
        encoded = cv::imencode(ext, image, bytes);
    } catch (const cv::Exception& e) {
        why = e.err;
    }
    if (!encoded) return Error{"cannot encode image '" + path + "'" + (why.empty() ? " (unsupported extension?)" : ": " + why)};
    if (!writeAll(file->fd(), bytes.data(), bytes.size()))
        return Error{"cannot write image '" + path + "': " + writeFailureReason(file->tempPath(), errno) + "; nothing was kept"};
    return file->commit();
}

Status ensureDirectory(const std::string& dir) {
    std::error_code ec;
    struct stat ls {};
    if (::lstat(dir.c_str(), &ls) == 0 && !S_ISDIR(ls.st_mode) && !(S_ISLNK(ls.st_mode) && fs::is_directory(dir, ec)))
        return Error{"output path '" + dir + "' exists and is not a directory"};
    if (fs::is_directory(dir, ec)) {
        if (::access(dir.c_str(), W_OK) != 0) return Error{"output directory '" + dir + "' is not writable"};
        return {};
    }
    if (!fs::create_directories(dir, ec)) return Error{"cannot create output directory '" + dir + "': " + ec.message()};
    return {};
}

}  // namespace cnnscope
