// From models.yml entries to downloads.
#include "fetch/model_fetch.hpp"

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

namespace {

DownloadRequest request(const std::string& url, const fs::path& dest, const ZooEntry* sums) {
    DownloadRequest r;
    r.url = effectiveUrl(url);
    r.destPath = dest.string();
    if (sums) {
        if (!sums->sha256.empty()) r.algo = "sha256", r.digest = sums->sha256;
        else if (!sums->sha1.empty()) r.algo = "sha1", r.digest = sums->sha1;
        else if (!sums->md5.empty()) r.algo = "md5", r.digest = sums->md5;
    }
    return r;
}

}  // namespace

Expected<std::vector<DownloadRequest>> fetchPlan(const ZooEntry& entry, std::string destDir) {
    if (destDir.empty()) destDir = userModelsDir();
    if (destDir.empty()) return Error{"no directory to download into: set CNNSCOPE_MODELS_DIR (HOME is not set)"};
    if (entry.url.empty()) return Error{"models.yml gives no url for '" + entry.name + "'; download it yourself into " + destDir};
    std::vector<DownloadRequest> plan{request(entry.url, fs::path(destDir) / entry.file, &entry)};
    if (!entry.config.empty()) {
        if (entry.configUrl.empty()) return Error{"models.yml gives no config_url for '" + entry.name + "'"};
        plan.push_back(request(entry.configUrl, fs::path(destDir) / entry.config, nullptr));
    }
    return plan;
}

std::string findVerifiedCopy(const DownloadRequest& request) {
    const std::string name = fs::path(request.destPath).filename().string();
    std::vector<std::string> dirs{fs::path(request.destPath).parent_path().string()};
    for (const auto& d : modelDirs()) dirs.push_back(d);
    if (const char* home = std::getenv("HOME"); home && *home) dirs.push_back((fs::path(home) / ".keras" / "models").string());
    for (const auto& d : dirs) {
        const fs::path p = fs::path(d) / name;
        std::error_code ec;
        if (!fs::is_regular_file(p, ec)) continue;
        if (request.algo.empty()) return p.string();
        if (auto sum = fileDigest(p.string(), request.algo); sum && *sum == request.digest) return p.string();
    }
    return {};
}

Expected<std::unique_ptr<Download>> startModelDownload(const std::string& name) {
    auto zoo = loadZoo();
    if (!zoo) return Error{zoo.error()};
    const ZooEntry* e = findZooEntry(*zoo, name);
    if (!e) return Error{"no model named '" + name + "' in models.yml"};
    auto plan = fetchPlan(*e);
    if (!plan) return Error{plan.error()};
    auto d = std::make_unique<Download>(plan->front(), DownloadSettings::fromEnvironment());
    d->start();
    return d;
}

}  // namespace cnnscope
