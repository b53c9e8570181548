// Output sets: every file written under a temporary name, all renamed into place at the end.
#include "core/io/output_set.hpp"

#include "core/base/interrupt.hpp"
#include "core/base/parse.hpp"
#include "core/io/atomic_file.hpp"
#include "core/io/output_guard.hpp"

#include <opencv2/imgcodecs.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace cnnscope {

OutputBatch::~OutputBatch() { discard(); }

void OutputBatch::discard() {
    for (const auto& t : m_temp) {
        ::unlink(t.c_str());
        unregisterTemporary(t);
    }
    m_temp.clear();
    m_final.clear();
}

Status OutputBatch::addBytes(const std::string& path, const void* data, size_t size, const std::string& option) {
    auto file = AtomicFile::create(path, option);  // checks the target, makes the exclusive temporary
    if (!file) return Error{file.error()};
    const char* p = static_cast<const char*>(data);
    size_t left = size;
    while (left > 0) {
        const ssize_t w = ::write(file->fd(), p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return Error{"cannot write '" + path + "': " + writeFailureReason(file->tempPath(), errno) + "; nothing was kept"};
        p += w;
        left -= size_t(w);
    }
    // The batch takes the temporary over: it is renamed at commit(), deleted otherwise.
    const std::string temp = file->tempPath();
    m_temp.push_back(temp);
    m_final.push_back(path);
    file->release();
    return {};
}

Status OutputBatch::addText(const std::string& path, const std::string& text, const std::string& option) {
    return addBytes(path, text.data(), text.size(), option);
}

Status OutputBatch::addImage(const std::string& path, const cv::Mat& image, const std::string& option) {
    std::vector<uchar> bytes;
    std::string ext = lower(fs::path(path).extension().string()), why;
    if (ext.empty()) ext = ".png";
    bool encoded = false;
    try {
        encoded = cv::imencode(ext, image, bytes);
    } catch (const cv::Exception& e) {
        why = e.err;
    }
    if (!encoded) return Error{"cannot encode image '" + path + "'" + (why.empty() ? " (unsupported extension?)" : ": " + why)};
    return addBytes(path, bytes.data(), bytes.size(), option);
}

Status OutputBatch::commit() {
    for (size_t i = 0; i < m_temp.size(); ++i) {
        struct stat ls {};
        if (::lstat(m_final[i].c_str(), &ls) == 0 && !S_ISREG(ls.st_mode) && !S_ISLNK(ls.st_mode)) {
            const std::string f = m_final[i];
            m_temp.erase(m_temp.begin(), m_temp.begin() + long(i));
            m_final.erase(m_final.begin(), m_final.begin() + long(i));
            discard();
            return Error{"'" + f + "' appeared as something other than a regular file while writing; it and the files after it were not written"};
        }
        if (std::rename(m_temp[i].c_str(), m_final[i].c_str()) != 0) {
            const std::string why = std::strerror(errno), f = m_final[i];
            m_temp.erase(m_temp.begin(), m_temp.begin() + long(i));
            m_final.erase(m_final.begin(), m_final.begin() + long(i));
            discard();
            return Error{"cannot move the finished file into place at '" + f + "': " + why};
        }
        unregisterTemporary(m_temp[i]);
    }
    m_temp.clear();
    m_final.clear();
    return {};
}

Expected<OutputFolder> OutputFolder::open(const std::string& dir, const std::string& option, bool prune) {
    OutputFolder f;
    f.m_prune = prune;
    f.m_dir = dir;
    while (f.m_dir.size() > 1 && f.m_dir.back() == '/') f.m_dir.pop_back();
    f.m_option = option;
    struct stat ls {};
    if (::lstat(f.m_dir.c_str(), &ls) != 0) {
        if (auto st = checkOutputTarget(option, dir, OutputKind::Folder); !st) return Error{st.error()};
        if (::mkdir(f.m_dir.c_str(), 0777) != 0)
            return Error{"cannot create output folder '" + dir + "': " + std::strerror(errno)};
        f.m_created = true;
    } else if (!S_ISDIR(ls.st_mode)) {
        return Error{option + " '" + dir + "' exists and is not a folder; give a folder"};
    } else if (::access(f.m_dir.c_str(), W_OK) != 0) {
        return Error{option + " '" + dir + "' is not writable"};
    }
    return f;
}

OutputFolder::~OutputFolder() {
    if (m_done) return;
    m_batch.discard();
    if (m_created) ::rmdir(m_dir.c_str());  // only when empty: nothing else is ever removed
}

std::string OutputFolder::path(const std::string& name) const { return (fs::path(m_dir) / name).string(); }

Status OutputFolder::addText(const std::string& name, const std::string& text) {
    m_names.push_back(name);
    return m_batch.addText(path(name), text, m_option);
}

Status OutputFolder::addImage(const std::string& name, const cv::Mat& image) {
    m_names.push_back(name);
    return m_batch.addImage(path(name), image, m_option);
}

Status OutputFolder::commit() {
    if (!m_prune) {
        if (auto st = m_batch.commit(); !st) return st;
        m_done = true;
        return {};
    }
    // The previous run's manifest: its files that this run does not write again are stale.
    std::vector<std::string> previous;
    {
        std::ifstream in(path(kManifest));
        for (std::string line; std::getline(in, line);)
            if (!line.empty() && line[0] != '#') previous.push_back(line);
    }
    std::string manifest = "# cnnscope: the files its last run wrote into this folder (the next run removes those it does not write)\n";
    for (const auto& n : m_names) manifest += n + "\n";
    if (auto st = m_batch.addText(path(kManifest), manifest, m_option); !st) return st;
    if (auto st = m_batch.commit(); !st) return st;
    m_done = true;
    const std::set<std::string> now(m_names.begin(), m_names.end());
    for (const auto& n : previous) {
        // Plain names only (a hand-edited manifest never reaches outside the folder), regular files only.
        if (now.count(n) || n == kManifest || n.find('/') != std::string::npos || n == "." || n == "..") continue;
        struct stat ls {};
        if (::lstat(path(n).c_str(), &ls) == 0 && S_ISREG(ls.st_mode)) ::unlink(path(n).c_str());
    }
    return {};
}

}  // namespace cnnscope
