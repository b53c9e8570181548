// The window's feature-visualisation worker (see featvis_worker.hpp).
#include "app/featvis_worker.hpp"

#include "core/io/atomic_file.hpp"
#include "core/io/image_header.hpp"
#include "core/base/quiet.hpp"
#include "core/model/conv_mode.hpp"
#include "core/model/model.hpp"
#include "core/model/precision.hpp"

#include <opencv2/imgcodecs.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace fs = std::filesystem;

namespace cnnscope::app {

namespace {

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) {
    for (unsigned char ch : s) h = (h ^ ch) * 1099511628211ull;
    return h;
}

std::string safeName(const std::string& s) {
    std::string out;
    for (unsigned char ch : s) {
        if (std::isalnum(ch) || ch == '-') out += char(ch);
        else if (ch == '_') out += "__";
        else out += cv::format("_%02x", ch);
    }
    return out.empty() ? "_" : out;
}

bool sameSettings(const FeatvisUnitKey& a, const FeatvisRequest& r) {
    return a.layer == r.layer && a.size == r.size && a.iterations == r.iterations && a.seed == r.seed;
}

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

std::string featvisCacheDir() {
    auto env = [](const char* name) {
        const char* v = std::getenv(name);
        return std::string(v && *v ? v : "");
    };
    std::string base = env("CNNSCOPE_CACHE_DIR");
    std::error_code ec;
    if (!base.empty()) base = fs::absolute(base, ec).lexically_normal().string();
    const std::string xdg = env("XDG_CACHE_HOME");
    if (base.empty() && !xdg.empty() && fs::path(xdg).is_absolute()) base = xdg + "/cnnscope";
    if (base.empty() && !env("HOME").empty()) base = env("HOME") + "/.cache/cnnscope";
    return base.empty() ? base : base + "/featvis";
}

Status checkCacheFolders(const std::string& dir, const std::string& file) {
    const fs::path d = fs::path(dir).lexically_normal(), parent = fs::path(file).lexically_normal().parent_path();
    const std::string rel = parent.lexically_relative(d).string();
    if (rel.empty() || rel.rfind("..", 0) == 0) return Error{"'" + file + "' is not inside the cache " + dir};
    fs::path at = d;
    std::error_code ec;
    for (const fs::path& part : fs::path(rel)) {
        const fs::file_status st = fs::symlink_status(at, ec);
        if (fs::is_symlink(st))
            return Error{"the cache folder " + at.string() + " is a link; remove it (or set CNNSCOPE_CACHE_DIR to another folder)"};
        if (fs::exists(st) && !fs::is_directory(st))
            return Error{"the cache folder " + at.string() + " is not a folder; remove it (or set CNNSCOPE_CACHE_DIR to another folder)"};
        if (part == ".") continue;
        at /= part;
    }
    const fs::file_status st = fs::symlink_status(at, ec);
    if (fs::is_symlink(st) || (fs::exists(st) && !fs::is_directory(st)))
        return Error{"the cache folder " + at.string() + " is a link or a file; remove it (or set CNNSCOPE_CACHE_DIR to another folder)"};
    return {};
}

std::string featvisModelKey(const Model& model) {
    std::string id = model.label() + "\n" + model.source() + "\n";
    std::error_code ec;
    if (!model.untrained() && fs::is_regular_file(model.source(), ec)) {
        const auto size = fs::file_size(model.source(), ec);
        const auto mtime = fs::last_write_time(model.source(), ec).time_since_epoch().count();
        id += cv::format("%llu %lld\n", (unsigned long long)size, (long long)mtime);
    }
    const Preprocess& p = model.preprocessing();
    id += cv::format("%.9g %.9g %.9g / %.9g %.9g %.9g * %.9g %d\n", p.mean[0], p.mean[1], p.mean[2], p.stddev[0], p.stddev[1],
                     p.stddev[2], p.scale, int(p.swapRB));
    id += std::string(precisionName(currentPrecision().actual)) + " " + convModeName(convMode());
    return cv::format("%016llx", (unsigned long long)fnv1a(id));
}

std::string featvisCachePath(const std::string& dir, const std::string& modelKey, const FeatvisUnitKey& k) {
    return dir + "/" + modelKey + "/" + safeName(k.layer) +
           cv::format("/c%d_%dx%d_i%d_s%llu.png", k.channel, k.size.width, k.size.height, k.iterations, (unsigned long long)k.seed);
}

cv::Mat readFeatvisCache(const std::string& file, cv::Size size) {
    std::error_code ec;
    if (!fs::is_regular_file(fs::symlink_status(file, ec))) return {};
    const auto bytes = fs::file_size(file, ec);
    if (ec || bytes > (64u << 20)) return {};
    std::ifstream in(file, std::ios::binary);
    std::vector<unsigned char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const ImageHeader h = parseImageHeader(data.data(), data.size());
    if (!h.known || h.format != "PNG" || h.size != size) return {};
    cv::Mat img;
    {
        QuietStderr quiet;  // libpng's own message for a damaged file (it is made again)
        img = cv::imdecode(data, cv::IMREAD_COLOR);
    }
    return img.size() == size ? img : cv::Mat();
}

bool FeatvisWorker::run(const FeatvisRequest& r, FeatvisResult& last) {
    last = FeatvisResult();
    last.serial = r.serial;
    last.generation = r.generation;
    last.layer = r.layer;
    last.channel = r.channels.empty() ? -1 : r.channels.front();
    if (r.channels.empty()) return false;  // nothing wanted (featvis turned off): the unit that ran is dropped
    if (!m_loaded || r.generation != m_modelGeneration) {
        // First use, or the window changed its model: never optimise through an old copy.
        m_fv.reset();
        m_model.reset();
        m_modelError.clear();
        m_loaded = true;
        m_modelGeneration = r.generation;
        session::CommonOptions o = r.model;
        o.quiet = true;
        o.style.clear();  // the unit's own network: no style stage in front
        auto model = session::loadModel(o);
        if (model) m_model = std::make_unique<Model>(std::move(*model));
        else m_modelError = model.error();
    }
    if (!m_model) {
        last.error = "feature visualisation: " + m_modelError;
        return true;
    }
    if (!m_fv || !sameSettings(m_fvKey, r)) {
        m_fv.reset();
        if (auto l = m_model->requireSpatialLayer(r.layer); !l) {
            last.error = "feature visualisation: " + l.error();
            return true;
        }
        FeatvisOptions o;  // featvis's defaults, but for these
        o.size = r.size;
        o.iterations = r.iterations;
        o.seed = r.seed;
        auto fv = FeatureVis::create(*m_model, r.layer, o);
        if (!fv) {
            last.error = "feature visualisation: " + fv.error();
            return true;
        }
        m_fv.emplace(std::move(*fv));
        m_fvKey = {r.layer, -1, r.size, r.iterations, r.seed};
    }
    m_serial = r.serial;
    m_modelKey = featvisModelKey(*m_model);  // for each request: the precision or kernel may have changed since the load
    m_finished.clear();
    for (size_t i = 0; i < r.channels.size(); ++i) {
        FeatvisResult out;
        const bool ok = unit(r, r.channels[i], out);
        if (!ok && out.error.empty()) return false;  // cancelled: the newer request runs next
        // Said with every later result; a failed unit is listed too, and the next one runs.
        m_finished.push_back({out.channel, ok ? out.image : cv::Mat(), out.cached, out.activation, out.msPerStep, out.cacheFile, out.error});
        out.last = i + 1 == r.channels.size();
        publish(std::move(out));
        if (m_loop.superseded()) return false;
    }
    return false;  // every unit was handed over as it finished
}

void FeatvisWorker::publish(FeatvisResult r) {
    r.serial = m_serial;
    r.finished = m_finished;  // shallow copies of the images
    m_loop.publishPartial(std::move(r));
}

bool FeatvisWorker::unit(const FeatvisRequest& r, int c, FeatvisResult& out) {
    FeatureVis& fv = *m_fv;
    out.generation = r.generation;
    out.layer = r.layer;
    out.channel = c;
    out.size = r.size;
    out.iterations = r.iterations;
    out.seed = r.seed;
    out.channels = fv.channels();
    out.modelKey = m_modelKey;
    if (c < 0 || c >= fv.channels()) {
        out.error = cv::format("feature visualisation: channel %d is not one of %s's 0..%d", c, r.layer.c_str(), fv.channels() - 1);
        return false;
    }
    if (!r.cacheDir.empty()) out.cacheFile = featvisCachePath(r.cacheDir, m_modelKey, {r.layer, c, r.size, r.iterations, r.seed});
    std::string cacheProblem = r.cacheDir.empty() ? "no cache folder: HOME is not set" : "";
    if (!out.cacheFile.empty())
        if (Status st = checkCacheFolders(r.cacheDir, out.cacheFile); !st) cacheProblem = st.error(), out.cacheFile.clear();
    std::vector<double> means;
    if (!out.cacheFile.empty()) {
        cv::Mat img = readFeatvisCache(out.cacheFile, r.size);
        if (!img.empty()) {  // else (missing, damaged, another size) made again
            if (auto st = fv.meanActivations(img, means); st) {
                out.image = img;
                out.step = r.iterations;
                out.done = out.cached = true;
                out.activation = means[size_t(c)];
                return true;
            }
        }
    }
    if (auto st = fv.start(c); !st) {
        out.error = "feature visualisation: " + st.error();
        return false;
    }
    const auto t0 = std::chrono::steady_clock::now();
    auto lastShown = t0;
    for (int it = 0; it < r.iterations; ++it) {
        if (m_loop.superseded()) return false;
        if (auto st = fv.step(); !st) {
            out.error = cv::format("feature visualisation: %s channel %d, step %d: ", r.layer.c_str(), c, it) + st.error();
            return false;
        }
        out.step = it + 1;
        out.msPerStep = msSince(t0) / double(it + 1);
        if (msSince(lastShown) > 250 && it + 1 < r.iterations) {  // the image so far, a few times a second
            lastShown = std::chrono::steady_clock::now();
            FeatvisResult partial = out;
            fv.image(partial.image);
            publish(std::move(partial));
        }
    }
    fv.image(out.image);
    if (auto st = fv.meanActivations(out.image, means); !st) {
        out.error = "feature visualisation: " + st.error();
        return false;
    }
    out.activation = means[size_t(c)];
    out.done = true;
    if (!out.cacheFile.empty()) {
        Status st = ensureDirectory(fs::path(out.cacheFile).parent_path().string());
        if (st) st = checkCacheFolders(r.cacheDir, out.cacheFile);  // made just now: still no link
        if (st) st = writeImageAtomic(out.cacheFile, out.image, "the feature visualisation cache");
        if (!st) cacheProblem = st.error();
    }
    if (!cacheProblem.empty())  // the image is still shown
        out.error = "feature visualisation: not cached (" + cacheProblem + ")" +
                    (cacheProblem.find("CNNSCOPE_CACHE_DIR") == std::string::npos ? "; set CNNSCOPE_CACHE_DIR to a writable folder" : "");
    return true;
}

}  // namespace cnnscope::app
