// Output path checks: identity against inputs and other outputs, regular files only.
#include "core/io/output_guard.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace cnnscope {

namespace {

std::string stripSlashes(std::string p) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return p;
}

const char* typeName(mode_t m) {
    if (S_ISDIR(m)) return "a directory";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISLNK(m)) return "a symbolic link";
    return "not a regular file";
}

// Identity of a path: "i:DEV:INO" for an existing file, else "p:REALPARENT/NAME".
std::string identity(const std::string& path) {
    struct stat st {};
    const std::string p = stripSlashes(path);
    if (::stat(p.c_str(), &st) == 0) return "i:" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    fs::path fp(p);
    fs::path parent = fp.has_parent_path() ? fp.parent_path() : fs::path(".");
    char real[PATH_MAX];
    if (::realpath(parent.c_str(), real)) return "p:" + std::string(real) + "/" + fp.filename().string();
    return "p:" + p;
}

}  // namespace

bool hasTrailingSlash(const std::string& path) { return !path.empty() && path.back() == '/'; }

Status checkOutputTarget(const std::string& option, const std::string& path, OutputKind kind) {
    const std::string what = option + " '" + path + "'";
    if (path.empty()) return Error{option + " is empty: give an output path"};
    if (kind == OutputKind::File && hasTrailingSlash(path))
        return Error{what + " ends in '/', which names a folder, but " + option + " writes a file here; drop the '/' or name a file"};
    const std::string p = stripSlashes(path);
    const fs::path fp(p);
    const std::string name = fp.filename().string();
    if (name.empty() || name == "." || name == "..") return Error{what + " does not name a file or folder"};
    if (name.size() > size_t(NAME_MAX))
        return Error{what + ": the name is " + std::to_string(name.size()) + " bytes, longer than the file system's " +
                     std::to_string(NAME_MAX) + "; give a shorter name"};
    const fs::path dir = fp.has_parent_path() ? fp.parent_path() : fs::path(".");
    struct stat ds {};
    if (::stat(dir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode))
        return Error{what + ": directory '" + dir.string() + "' does not exist (create it first)"};
    if (::access(dir.c_str(), W_OK) != 0)
        return Error{what + ": directory '" + dir.string() + "' is not writable (" + std::strerror(errno) + ")"};
    struct stat ls {};
    if (::lstat(p.c_str(), &ls) != 0) return {};  // new: fine
    if (kind == OutputKind::File) {
        if (S_ISREG(ls.st_mode)) return {};
        if (S_ISLNK(ls.st_mode)) {
            struct stat ts {};
            // The link itself is replaced; refuse one that points at something that is not a file,
            // so that nobody expects the device or folder behind it to receive the output.
            if (::stat(p.c_str(), &ts) != 0 || S_ISREG(ts.st_mode)) return {};
            return Error{what + " is a symbolic link to " + typeName(ts.st_mode) + "; outputs only replace regular files"};
        }
        return Error{what + " exists and is " + typeName(ls.st_mode) + "; outputs only replace regular files, give a new file name"};
    }
    if (!S_ISDIR(ls.st_mode))
        return Error{what + " exists and is " + std::string(S_ISREG(ls.st_mode) ? "a file" : typeName(ls.st_mode)) +
                     "; give a new folder name (or a .gif/.mp4 file)"};
    std::error_code ec;
    if (!fs::is_empty(p, ec))
        return Error{what + " already exists and is not empty; give a new folder name (or a .gif/.mp4 file)"};
    return {};
}

Status checkOutputs(const std::vector<InputPath>& inputs, const std::vector<OutputPath>& outputs) {
    std::vector<std::pair<std::string, std::string>> seen;  // identity, description
    for (const auto& in : inputs) {
        struct stat st {};
        if (in.path.empty() || ::stat(in.path.c_str(), &st) != 0) continue;
        seen.emplace_back(identity(in.path), "the input " + in.option + " '" + in.path + "'");
    }
    const size_t nInputs = seen.size();
    for (const auto& out : outputs) {
        if (auto st = checkOutputTarget(out.option, out.path, out.kind); !st) return st;
        const std::string id = identity(out.path);
        for (size_t i = 0; i < seen.size(); ++i)
            if (seen[i].first == id)
                return Error{out.option + " '" + out.path + "' is the same file as " + seen[i].second +
                             (i < nInputs ? "; an output never replaces an input, give another name"
                                          : "; give each output its own name")};
        seen.emplace_back(id, "the output " + out.option + " '" + out.path + "'");
    }
    return {};
}

}  // namespace cnnscope
