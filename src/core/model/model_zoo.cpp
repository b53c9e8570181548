// models/models.yml reader: a strict parser of its fixed, line-based shape.
#include "core/model/model_zoo.hpp"

#include "core/base/parse.hpp"

#include <cstdlib>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace cnnscope {

// An installed binary's catalogue folder: PREFIX/share/cnnscope/models beside PREFIX/bin/cnnscope
// (empty for a binary in a build tree).
static fs::path installedModelsDir() {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    const fs::path dir = self.parent_path().parent_path() / "share" / "cnnscope" / "models";
    return fs::is_directory(dir, ec) ? dir : fs::path();
}

std::vector<std::string> modelDirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("CNNSCOPE_MODELS_DIR"); env && *env) dirs.emplace_back(env);
    dirs.emplace_back("models");
    if (const fs::path installed = installedModelsDir(); !installed.empty()) dirs.push_back(installed.string());
#ifdef CNNSCOPE_SOURCE_MODELS_DIR
    dirs.emplace_back(CNNSCOPE_SOURCE_MODELS_DIR);
#endif
    if (const std::string user = userModelsDir(); !user.empty() && user != dirs.front()) dirs.push_back(user);
    return dirs;
}

std::string userModelsDir() {
    if (const char* env = std::getenv("CNNSCOPE_MODELS_DIR"); env && *env) return env;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg && fs::path(xdg).is_absolute())
        return (fs::path(xdg) / "cnnscope" / "models").string();
    if (const char* home = std::getenv("HOME"); home && *home)
        return (fs::path(home) / ".local" / "share" / "cnnscope" / "models").string();
    return {};
}

namespace {

// models.yml is a small, fixed shape of YAML: a `models:` list of flat entries, one `key: value`
// per line (the fetch script reads it line by line too). It is parsed here, strictly, with line
// numbers in errors: OpenCV's FileStorage loops forever on some malformed input (found by fuzzing).
struct RawEntry {
    int line = 0;
    std::map<std::string, std::string> values;
    std::map<std::string, int> lines;  // the line of each key
};

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

// A value without its quotes or trailing comment.
std::string scalar(const std::string& raw, const std::string& where) {
    std::string v = trim(raw);
    if (!v.empty() && v[0] == '"') {
        const auto close = v.find('"', 1);
        if (close == std::string::npos) throw CoreError(where + ": unterminated quoted string");
        if (!trim(v.substr(close + 1)).empty() && trim(v.substr(close + 1))[0] != '#')
            throw CoreError(where + ": text after the quoted string");
        return v.substr(1, close - 1);
    }
    const auto hash = v.find(" #");
    if (hash != std::string::npos) v = trim(v.substr(0, hash));
    return v;
}

std::vector<RawEntry> parseCatalogue(const std::string& text, const std::string& path) {
    std::vector<RawEntry> entries;
    bool inModels = false;
    std::istringstream in(text);
    int lineNo = 0;
    for (std::string line; std::getline(in, line);) {
        ++lineNo;
        const std::string where = "'" + path + "' line " + std::to_string(lineNo);
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t.rfind("%YAML", 0) == 0 || t == "---") continue;
        const size_t indent = line.find_first_not_of(' ');
        if (indent == 0) {
            if (t != "models:") throw CoreError(where + ": expected 'models:' at the top level");
            inModels = true;
            continue;
        }
        if (!inModels) throw CoreError(where + ": entries must come under 'models:'");
        std::string body = t;
        if (body.rfind("- ", 0) == 0) {
            entries.emplace_back();
            entries.back().line = lineNo;
            body = trim(body.substr(2));
        } else if (entries.empty()) {
            throw CoreError(where + ": expected '- name: ...' to start an entry");
        }
        const auto colon = body.find(':');
        if (colon == std::string::npos || colon == 0) throw CoreError(where + ": expected 'key: value'");
        const std::string key = trim(body.substr(0, colon));
        for (char c : key)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) throw CoreError(where + ": bad key '" + key + "'");
        // A repeated key is refused: readers disagree on which one counts (a later `sha256: ""` or `file:` would win here).
        if (const auto seen = entries.back().lines.find(key); seen != entries.back().lines.end())
            throw CoreError(where + ": '" + key + "' is given twice in one entry (first on line " + std::to_string(seen->second) +
                            "); keep one");
        entries.back().lines[key] = lineNo;
        entries.back().values[key] = scalar(body.substr(colon + 1), where);
    }
    if (!inModels) throw CoreError("model catalogue '" + path + "' has no 'models' list");
    return entries;
}

double number(const std::string& v, const std::string& where) {
    try {
        size_t used = 0;
        const double d = std::stod(v, &used);
        if (used != v.size() || !std::isfinite(d)) throw std::invalid_argument(v);
        return d;
    } catch (const std::exception&) {
        throw CoreError(where + ": '" + v + "' is not a number");
    }
}

int sideLength(const std::string& v, const std::string& where) {
    const double d = number(v, where);
    if (!(d >= kMinInputSide && d <= kMaxInputSide) || d != std::floor(d))
        throw CoreError(where + ": must be a whole number between " + std::to_string(kMinInputSide) + " and " +
                        std::to_string(kMaxInputSide));
    return int(d);
}

cv::Scalar triple(const std::string& v, const std::string& where) {
    const std::string t = trim(v);
    if (t.size() < 2 || t.front() != '[' || t.back() != ']') throw CoreError(where + ": expected a list of 3 numbers like [ 1, 2, 3 ]");
    std::vector<double> xs;
    std::istringstream items(t.substr(1, t.size() - 2));
    for (std::string item; std::getline(items, item, ',');) xs.push_back(number(trim(item), where));
    if (xs.size() != 3) throw CoreError(where + ": expected a list of 3 numbers");
    return cv::Scalar(xs[0], xs[1], xs[2]);
}

// Catalogue values shown in errors: control bytes and non-ASCII as \xNN.
std::string printable(const std::string& v) {
    std::string out;
    for (unsigned char c : v) out += (c >= 0x20 && c < 0x7f) ? std::string(1, char(c)) : cv::format("\\x%02x", c);
    return out;
}

// `file` (required) or `config` (optional): a plain name, refused with the fix otherwise.
std::string fileName(const RawEntry& raw, const std::string& key, const std::string& where) {
    const auto it = raw.values.find(key);
    if (it == raw.values.end()) {
        if (key == "file") throw CoreError(where + ": no 'file' (the name of the model's file, e.g. 'model.onnx')");
        return {};
    }
    const std::string problem = plainFileNameProblem(it->second);
    if (problem.empty()) return it->second;
    std::string base = fs::path(it->second).filename().string();
    if (!plainFileNameProblem(base).empty()) base = "model.onnx";
    throw CoreError(where + ", " + key + ": '" + printable(it->second) + "' " + problem +
                    "; files are read from and written to the models directories only, so give a plain file name (e.g. '" +
                    base + "')");
}

std::string checksum(const std::string& value, size_t hexDigits, const std::string& where) {
    const std::string v = lower(value);
    if (!v.empty() && (v.size() != hexDigits || v.find_first_not_of("0123456789abcdef") != std::string::npos))
        throw CoreError(where + ": '" + printable(value) + "' is not " + std::to_string(hexDigits) + " hex digits");
    return v;
}

int64_t byteCount(const std::string& v, const std::string& where) {
    if (v.empty()) return 0;
    if (v.size() > 15 || v.find_first_not_of("0123456789") != std::string::npos || std::stoll(v) <= 0)
        throw CoreError(where + ": '" + printable(v) + "' must be the file's size in bytes (a whole number above 0)");
    return std::stoll(v);
}

}  // namespace

std::string plainFileNameProblem(const std::string& name) {
    if (name.empty()) return "is empty";
    if (name == "." || name == "..") return "is a directory, not a file name";
    if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos) return "is a path (it has a separator)";
    if (name.size() > 255) return "is longer than 255 bytes";
    for (unsigned char c : name)
        if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '+'))
            return "has a character other than letters, digits, '.', '_', '-' and '+'";
    if (name[0] == '.' || name[0] == '-') return "starts with '" + name.substr(0, 1) + "' (hidden files and option-like names are refused)";
    // The catalogue's own name (in any case: case-insensitive file systems, and names are matched ignoring case):
    // a download would replace the catalogue itself, and the file would be loaded as a model.
    if (lower(name) == "models.yml") return "is the catalogue's own file name (a download would replace models.yml)";
    return {};
}

Expected<std::vector<ZooEntry>> loadZooFile(const std::string& path) {
    return guard([&]() -> Expected<std::vector<ZooEntry>> {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw CoreError("cannot read model catalogue '" + path + "'");
        const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (text.size() > (1u << 20)) throw CoreError("model catalogue '" + path + "' is larger than 1 MB");
        for (size_t i = 0; i < text.size(); ++i) {
            const unsigned char c = static_cast<unsigned char>(text[i]);
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
                throw CoreError("model catalogue '" + path + "' is not a text file (control byte at offset " + std::to_string(i) + ")");
        }
        std::vector<ZooEntry> zoo;
        std::map<std::string, int> nameLines;  // lower-case name -> its line: names are matched ignoring case
        for (const RawEntry& raw : parseCatalogue(text, path)) {
            auto get = [&](const char* key) {
                auto it = raw.values.find(key);
                return it == raw.values.end() ? std::string() : it->second;
            };
            ZooEntry e;
            e.name = get("name");
            const std::string where = "'" + path + "', model '" + e.name + "' (line " + std::to_string(raw.line) + ")";
            if (e.name.empty()) throw CoreError("model catalogue '" + path + "' line " + std::to_string(raw.line) + ": an entry has no name");
            e.title = get("title");
            e.file = fileName(raw, "file", where);
            e.config = fileName(raw, "config", where);
            if (!e.config.empty() && lower(e.config) == lower(e.file))
                throw CoreError(where + ", config: '" + e.config + "' is the entry's file too (one download would replace the other); " +
                                "give the config its own file name");
            if (const auto [it, fresh] = nameLines.emplace(lower(e.name), raw.line); !fresh)
                throw CoreError(where + ": a second entry named '" + e.name + "' (the first is on line " + std::to_string(it->second) +
                                "; names are matched ignoring case); give each entry its own name");
            e.framework = get("framework");
            e.defaultLayer = get("default_layer");
            e.md5 = checksum(get("md5"), 32, where + ", md5");
            e.sha1 = checksum(get("sha1"), 40, where + ", sha1");
            e.sha256 = checksum(get("sha256"), 64, where + ", sha256");
            e.configMd5 = checksum(get("config_md5"), 32, where + ", config_md5");
            e.configSha1 = checksum(get("config_sha1"), 40, where + ", config_sha1");
            e.configSha256 = checksum(get("config_sha256"), 64, where + ", config_sha256");
            e.size = byteCount(get("size"), where + ", size");
            e.configSize = byteCount(get("config_size"), where + ", config_size");
            e.url = get("url");
            e.configUrl = get("config_url");
            e.kind = get("kind");
            if (!e.kind.empty() && e.kind != "style") throw CoreError(where + ": kind must be 'style' or absent, got '" + e.kind + "'");
            if (e.style()) e.pre.size = cv::Size();  // follows the frame unless width/height say otherwise
            if (!get("out_mean").empty()) e.outMean = triple(get("out_mean"), where + ", out_mean");
            if (!get("out_scale").empty()) e.outScale = number(get("out_scale"), where + ", out_scale");
            if (!get("width").empty()) e.pre.size.width = sideLength(get("width"), where + ", width");
            if (!get("height").empty()) e.pre.size.height = sideLength(get("height"), where + ", height");
            if ((e.pre.size.width == 0) != (e.pre.size.height == 0)) throw CoreError(where + ": give both width and height, or neither");
            if (!get("mean").empty()) e.pre.mean = triple(get("mean"), where + ", mean");
            if (!get("std").empty()) e.pre.stddev = triple(get("std"), where + ", std");
            if (!get("scale").empty()) e.pre.scale = number(get("scale"), where + ", scale");
            // Values that would turn pixels into Inf or NaN (a std of 1e-300) are refused here.
            auto bounded = [&](double v, double lo, double hi, const char* key) {
                if (!(std::fabs(v) >= lo && std::fabs(v) <= hi))
                    throw CoreError(where + ": " + key + " " + cv::format("%g", v) + " is out of range (its magnitude must be " +
                                    (lo > 0 ? "between 1e-4 and 1e6" : "at most 1e6") + ")");
            };
            for (int c = 0; c < 3; ++c) {
                bounded(e.pre.stddev[c], 1e-4, 1e6, "std");
                bounded(e.pre.mean[c], 0, 1e6, "mean");
                bounded(e.outMean[c], 0, 1e6, "out_mean");
            }
            bounded(e.pre.scale, 1e-4, 1e6, "scale");
            bounded(e.outScale, 1e-4, 1e6, "out_scale");
            if (!get("rgb").empty()) e.pre.swapRB = number(get("rgb"), where + ", rgb") != 0;
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

Expected<Catalogue> loadDownloadCatalogue(const std::string& explicitPath, std::string* skipped) {
    auto same = [](const fs::path& a, const fs::path& b) {
        std::error_code ec;
        return fs::equivalent(a, b, ec);
    };
    // The bundled catalogue: an installed binary's own, else the source tree's it was built from.
    fs::path bundled;
    if (const fs::path installed = installedModelsDir(); !installed.empty()) bundled = installed / "models.yml";
#ifdef CNNSCOPE_SOURCE_MODELS_DIR
    if (bundled.empty()) bundled = fs::path(CNNSCOPE_SOURCE_MODELS_DIR) / "models.yml";
#endif
    auto read = [&](const fs::path& p) -> Expected<Catalogue> {
        auto zoo = loadZooFile(p.string());
        if (!zoo) return Error{zoo.error()};
        return Catalogue{p.string(), !bundled.empty() && same(p, bundled), std::move(*zoo)};
    };
    if (!explicitPath.empty()) return read(explicitPath);
    std::vector<fs::path> trusted;
    if (const char* env = std::getenv("CNNSCOPE_MODELS_DIR"); env && *env) trusted.push_back(fs::path(env) / "models.yml");
    if (!bundled.empty()) trusted.push_back(bundled);
    if (const std::string user = userModelsDir(); !user.empty()) trusted.push_back(fs::path(user) / "models.yml");
    const fs::path here = fs::path("models") / "models.yml";
    std::error_code ec;
    if (skipped && fs::is_regular_file(here, ec)) {
        bool isTrusted = false;
        for (const auto& t : trusted) isTrusted = isTrusted || same(here, t);
        if (!isTrusted) *skipped = here.string();
    }
    for (const auto& p : trusted)
        if (fs::is_regular_file(p, ec)) return read(p);
    return Catalogue{};
}

std::vector<ZooEntry> loadZooForFile(const std::string& file, std::string* warning) {
    auto zoo = loadZoo();
    if (zoo) return *zoo;
    if (warning)
        *warning = "ignoring the model catalogue (" + zoo.error() + "); '" + fs::path(file).filename().string() +
                   "' gets default processing";
    return {};
}

const ZooEntry* findZooEntry(const std::vector<ZooEntry>& zoo, const std::string& nameOrFile) {
    const std::string key = lower(nameOrFile);
    const std::string base = lower(fs::path(nameOrFile).filename().string());
    for (const auto& e : zoo)
        if (lower(e.name) == key || lower(e.file) == base) return &e;
    return nullptr;
}

}  // namespace cnnscope
