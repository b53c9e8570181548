// models/models.yml reader (OpenCV FileStorage YAML).
#include "core/model_zoo.hpp"

#include "core/parse.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

namespace cnnscope {

std::vector<std::string> modelDirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("CNNSCOPE_MODELS_DIR"); env && *env) dirs.emplace_back(env);
    dirs.emplace_back("models");
#ifdef CNNSCOPE_SOURCE_MODELS_DIR
    dirs.emplace_back(CNNSCOPE_SOURCE_MODELS_DIR);
#endif
    return dirs;
}

static cv::Scalar readTriple(const cv::FileNode& n, cv::Scalar fallback, const std::string& where) {
    if (n.empty()) return fallback;
    if (!n.isSeq() || n.size() != 3) throw CoreError(where + ": expected a list of 3 numbers");
    return cv::Scalar(double(n[0]), double(n[1]), double(n[2]));
}

Expected<std::vector<ZooEntry>> loadZooFile(const std::string& path) {
    return guard([&]() -> Expected<std::vector<ZooEntry>> {
        // OpenCV's YAML parser can loop on binary input: only plain text reaches it.
        {
            std::ifstream in(path, std::ios::binary);
            if (!in) throw CoreError("cannot read model catalogue '" + path + "'");
            const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            if (text.size() > (1u << 20)) throw CoreError("model catalogue '" + path + "' is larger than 1 MB");
            for (size_t i = 0; i < text.size(); ++i) {
                const unsigned char c = static_cast<unsigned char>(text[i]);
                if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
                    throw CoreError("model catalogue '" + path + "' is not a text file (control byte at offset " + std::to_string(i) + ")");
            }
        }
        cv::FileStorage fsr;
        try {
            fsr.open(path, cv::FileStorage::READ);
        } catch (const cv::Exception& e) {
            throw CoreError("model catalogue '" + path + "' is not valid YAML: " + e.err);
        }
        if (!fsr.isOpened()) throw CoreError("cannot read model catalogue '" + path + "'");
        cv::FileNode models = fsr["models"];
        if (!models.isSeq()) throw CoreError("model catalogue '" + path + "' has no 'models' list");
        std::vector<ZooEntry> zoo;
        for (const cv::FileNode& n : models) {
            ZooEntry e;
            e.name = n["name"].empty() ? "" : std::string(n["name"]);
            const std::string where = "'" + path + "', model '" + e.name + "'";
            if (e.name.empty()) throw CoreError("model catalogue '" + path + "': an entry has no name");
            auto str = [&](const char* key) { return n[key].empty() ? std::string() : std::string(n[key]); };
            e.title = str("title");
            e.file = str("file");
            e.config = str("config");
            e.framework = str("framework");
            e.defaultLayer = str("default_layer");
            e.md5 = str("md5");
            if (e.file.empty()) throw CoreError(where + ": no 'file'");
            if (!n["width"].empty()) e.pre.size.width = int(n["width"]);
            if (!n["height"].empty()) e.pre.size.height = int(n["height"]);
            if (e.pre.size.width < kMinInputSide || e.pre.size.height < kMinInputSide)
                throw CoreError(where + ": width/height must be at least " + std::to_string(kMinInputSide));
            e.pre.mean = readTriple(n["mean"], e.pre.mean, where + ", mean");
            e.pre.stddev = readTriple(n["std"], e.pre.stddev, where + ", std");
            for (int c = 0; c < 3; ++c)
                if (e.pre.stddev[c] == 0.0) throw CoreError(where + ": std must not be 0");
            if (!n["scale"].empty()) e.pre.scale = double(n["scale"]);
            if (!n["rgb"].empty()) e.pre.swapRB = int(n["rgb"]) != 0;
            zoo.push_back(std::move(e));
        }
        return zoo;
    });
}

Expected<std::vector<ZooEntry>> loadZoo() {
    for (const std::string& dir : modelDirs()) {
        const fs::path p = fs::path(dir) / "models.yml";
        std::error_code ec;
        if (fs::is_regular_file(p, ec)) return loadZooFile(p.string());
    }
    return std::vector<ZooEntry>{};
}

const ZooEntry* findZooEntry(const std::vector<ZooEntry>& zoo, const std::string& nameOrFile) {
    const std::string key = lower(nameOrFile);
    const std::string base = lower(fs::path(nameOrFile).filename().string());
    for (const auto& e : zoo)
        if (lower(e.name) == key || lower(e.file) == base) return &e;
    return nullptr;
}

}  // namespace cnnscope
