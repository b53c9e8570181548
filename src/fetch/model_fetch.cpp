// From models.yml entries to downloads.
#include "fetch/model_fetch.hpp"

#include "core/base/parse.hpp"

#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace cnnscope {

std::string effectiveUrl(const std::string& url) {
    const char* base = std::getenv("CNNSCOPE_MODEL_URL_BASE");
    if (!base || !*base || url.empty()) return url;
    std::string b = base;
    while (!b.empty() && b.back() == '/') b.pop_back();
    std::string path = url.substr(0, url.find_first_of("?#"));
    return b + "/" + path.substr(path.find_last_of('/') + 1);
}

bool loopbackHttpBase() {
    const char* base = std::getenv("CNNSCOPE_MODEL_URL_BASE");
    if (!base) return false;
    const std::string b = lower(base);
    if (b.rfind("http://", 0) != 0) return false;
    const std::string rest = b.substr(7);
    if (rest.find('@') != std::string::npos && rest.find('@') < rest.find('/')) return false;  // no user@host tricks
    std::string host;
    if (rest.rfind("[::1]", 0) == 0) host = "[::1]";
    else host = rest.substr(0, rest.find_first_of(":/?#"));
    const char next = rest.size() > host.size() ? rest[host.size()] : '/';
    if (next != ':' && next != '/') return false;
    if (host == "localhost" || host == "[::1]") return true;
    // 127.0.0.0/8, written as a dotted quad
    int parts = 0;
    for (size_t i = 0; i < host.size();) {
        size_t j = host.find('.', i);
        if (j == std::string::npos) j = host.size();
        const std::string p = host.substr(i, j - i);
        if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos || std::stoi(p) > 255) return false;
        if (parts == 0 && p != "127") return false;
        ++parts;
        i = j + 1;
    }
    return parts == 4;
}

namespace {

DownloadRequest request(const std::string& url, const fs::path& dest, const std::string& md5, const std::string& sha1,
                        const std::string& sha256, int64_t size, const FetchPolicy& policy) {
    DownloadRequest r;
    r.url = effectiveUrl(url);
    r.destPath = dest.string();
    if (!sha256.empty()) r.algo = "sha256", r.digest = sha256;
    else if (!sha1.empty()) r.algo = "sha1", r.digest = sha1;
    else if (!md5.empty()) r.algo = "md5", r.digest = md5;
    r.size = size;
    r.allowHttp = policy.allowHttp || loopbackHttpBase();
    r.allowUnverified = policy.allowUnverified;
    return r;
}

}  // namespace

Expected<std::vector<DownloadRequest>> fetchPlan(const ZooEntry& entry, std::string destDir, FetchPolicy policy) {
    if (destDir.empty()) destDir = userModelsDir();
    if (destDir.empty()) return Error{"no directory to download into: set CNNSCOPE_MODELS_DIR (HOME is not set)"};
    if (entry.url.empty()) return Error{"models.yml gives no url for '" + entry.name + "'; download it yourself into " + destDir};
    // The catalogue reader refuses paths; this keeps a hand-made entry from escaping destDir too.
    for (const std::string* n : {&entry.file, &entry.config})
        if (!n->empty() && !plainFileNameProblem(*n).empty())
            return Error{"models.yml entry '" + entry.name + "': '" + *n + "' " + plainFileNameProblem(*n) + "; give a plain file name"};
    std::vector<DownloadRequest> plan{
        request(entry.url, fs::path(destDir) / entry.file, entry.md5, entry.sha1, entry.sha256, entry.size, policy)};
    if (!entry.config.empty()) {
        if (entry.configUrl.empty()) return Error{"models.yml gives no config_url for '" + entry.name + "'"};
        plan.push_back(request(entry.configUrl, fs::path(destDir) / entry.config, entry.configMd5, entry.configSha1, entry.configSha256,
                               entry.configSize, policy));
    }
    return plan;
}

namespace {

// Why the file at `path` is not the request's file; "" when it is (checksum and size match).
std::string mismatch(const std::string& path, const DownloadRequest& r) {
    std::error_code ec;
    const auto bytes = fs::file_size(path, ec);
    if (ec) return "cannot read it";
    if (bytes == 0) return "it is empty";
    if (r.size > 0 && int64_t(bytes) != r.size)
        return "it is " + std::to_string(bytes) + " bytes, models.yml records " + std::to_string(r.size);
    if (r.algo.empty()) return "models.yml records no checksum to verify it";
    auto sum = fileDigest(path, r.algo);
    if (!sum) return sum.error();
    if (*sum != r.digest) return "its " + r.algo + " is " + *sum + ", expected " + r.digest;
    return {};
}

}  // namespace

std::string findVerifiedCopy(const DownloadRequest& request) {
    const std::string name = fs::path(request.destPath).filename().string();
    std::vector<std::string> dirs{fs::path(request.destPath).parent_path().string()};
    for (const auto& d : modelDirs()) dirs.push_back(d);
    if (const char* home = std::getenv("HOME"); home && *home) dirs.push_back((fs::path(home) / ".keras" / "models").string());
    for (const auto& d : dirs) {
        const fs::path p = fs::path(d) / name;
        std::error_code ec;
        if (fs::is_regular_file(p, ec) && mismatch(p.string(), request).empty()) return p.string();
    }
    return {};
}

std::string replacedCopyNote(const DownloadRequest& request) {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(request.destPath, ec);  // a link is replaced, not written through
    if (!fs::exists(st) || fs::is_directory(st)) return {};              // a directory is refused by the download
    const std::string why = mismatch(request.destPath, request);
    return "replacing " + request.destPath + " (" + (why.empty() ? "unverified" : why) + ")";
}

Expected<std::unique_ptr<Download>> startModelDownload(const std::string& name, std::string* catalogueNote) {
    auto zoo = loadDownloadCatalogue();
    if (!zoo) return Error{zoo.error()};
    if (catalogueNote) *catalogueNote = zoo->bundled || zoo->path.empty() ? "" : "catalogue " + zoo->path;
    const ZooEntry* e = findZooEntry(zoo->entries, name);
    if (!e) return Error{"no model named '" + name + "' in " + (zoo->path.empty() ? std::string("models.yml (none found)") : zoo->path)};
    auto plan = fetchPlan(*e);
    if (!plan) return Error{plan.error()};
    auto d = std::make_unique<Download>(plan->front(), DownloadSettings::fromEnvironment());
    d->start();
    return d;
}

}  // namespace cnnscope
