// One file over HTTP(S) with libcurl; digests with OpenSSL's EVP.
#include "fetch/download.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace cnnscope {

namespace {

using Clock = std::chrono::steady_clock;

// An incremental digest (OpenSSL EVP).
class Digest {
public:
    explicit Digest(const std::string& algo) : m_ctx(EVP_MD_CTX_new()) {
        const EVP_MD* md = algo.empty() ? nullptr : EVP_get_digestbyname(algo.c_str());
        m_ok = m_ctx && md && EVP_DigestInit_ex(m_ctx, md, nullptr) == 1;
    }
    ~Digest() { EVP_MD_CTX_free(m_ctx); }
    Digest(const Digest&) = delete;
    Digest& operator=(const Digest&) = delete;
    bool ok() const { return m_ok; }
    void update(const void* data, size_t n) {
        if (m_ok) EVP_DigestUpdate(m_ctx, data, n);
    }
    std::string hex() {
        unsigned char out[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        if (!m_ok || EVP_DigestFinal_ex(m_ctx, out, &n) != 1) return {};
        static const char* kHex = "0123456789abcdef";
        std::string s;
        for (unsigned i = 0; i < n; ++i) {
            s += kHex[out[i] >> 4];
            s += kHex[out[i] & 15];
        }
        return s;
    }

private:
    EVP_MD_CTX* m_ctx;
    bool m_ok = false;
};

void globalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

long envSeconds(const char* name, long fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    const long s = std::strtol(v, &end, 10);
    return (end && *end == 0 && s >= 1 && s <= 3600) ? s : fallback;
}

std::string hostOf(const std::string& url) {
    auto b = url.find("://");
    b = b == std::string::npos ? 0 : b + 3;
    const auto e = url.find_first_of(":/?#", b);
    return url.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

}  // namespace

// Everything the curl callbacks need, on the transfer thread's stack.
struct TransferContext {
    Download* self = nullptr;
    std::FILE* file = nullptr;
    Digest* digest = nullptr;
    int writeErrno = 0;
    DownloadProgress progress;
    Clock::time_point lastReport{};
    std::deque<std::pair<Clock::time_point, int64_t>> samples;  // for the rate over ~4 s

    void sample(int64_t bytes, int64_t total, bool force) {
        const auto now = Clock::now();
        progress.bytes = bytes;
        if (total > 0) progress.total = total;
        if (!force && now - lastReport < std::chrono::milliseconds(100)) return;
        lastReport = now;
        samples.emplace_back(now, bytes);
        while (samples.size() > 2 && now - samples.front().first > std::chrono::seconds(4)) samples.pop_front();
        const double dt = std::chrono::duration<double>(now - samples.front().first).count();
        if (dt > 0.2) progress.bytesPerSecond = double(bytes - samples.front().second) / dt;
        progress.secondsLeft = progress.total > 0 && progress.bytesPerSecond > 0
                                   ? double(progress.total - bytes) / progress.bytesPerSecond
                                   : -1;
        self->publish(progress);
    }

    static size_t onWrite(char* data, size_t size, size_t n, void* user) {
        auto* ctx = static_cast<TransferContext*>(user);
        const size_t bytes = size * n;
        if (std::fwrite(data, 1, bytes, ctx->file) != bytes) {
            ctx->writeErrno = errno ? errno : EIO;
            return 0;  // curl stops with CURLE_WRITE_ERROR
        }
        ctx->digest->update(data, bytes);
        return bytes;
    }

    static int onProgress(void* user, curl_off_t dlTotal, curl_off_t dlNow, curl_off_t, curl_off_t) {
        auto* ctx = static_cast<TransferContext*>(user);
        ctx->sample(int64_t(dlNow), int64_t(dlTotal), false);
        return ctx->self->m_cancel ? 1 : 0;
    }
};

DownloadSettings DownloadSettings::fromEnvironment() {
    DownloadSettings s;
    s.stallSeconds = envSeconds("CNNSCOPE_FETCH_STALL_S", s.stallSeconds);
    s.connectTimeoutS = envSeconds("CNNSCOPE_FETCH_CONNECT_S", s.connectTimeoutS);
    return s;
}

Download::Download(DownloadRequest request, DownloadSettings settings)
    : m_request(std::move(request)), m_settings(std::move(settings)) {}

Download::~Download() {
    cancel();
    if (m_thread.joinable()) m_thread.join();
}

void Download::publish(const DownloadProgress& p) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_progress = p;
    }
    if (m_settings.onProgress) m_settings.onProgress(p);
}

DownloadProgress Download::progress() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_progress;
}

Status Download::run() {
    DownloadProgress p;
    p.state = DownloadState::Running;
    publish(p);
    Status st = transfer();
    p = progress();
    if (st) {
        p.state = DownloadState::Succeeded;
    } else {
        p.state = m_cancel ? DownloadState::Cancelled : DownloadState::Failed;
        p.message = st.error();
    }
    publish(p);
    return st;
}

void Download::start() {
    if (m_thread.joinable()) return;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_progress = DownloadProgress{};
        m_progress.state = DownloadState::Running;
    }
    m_thread = std::thread([this] { (void)run(); });  // the outcome is in progress(), and wait() returns it
}

Status Download::wait() {
    if (m_thread.joinable()) m_thread.join();
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_progress.state == DownloadState::Succeeded) return {};
    return Error{m_progress.message.empty() ? "download did not run" : m_progress.message};
}

Status Download::transfer() {
    const DownloadRequest& r = m_request;
    const std::string name = fs::path(r.destPath).filename().string();
    const fs::path dir = fs::path(r.destPath).has_parent_path() ? fs::path(r.destPath).parent_path() : fs::path(".");
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!fs::is_directory(dir, ec))
        return Error{"cannot create the download directory '" + dir.string() + "' (" +
                     (fs::exists(dir) ? std::string("a file of that name is in the way") : ec.message()) + ")"};
    if (::access(dir.c_str(), W_OK) != 0)
        return Error{"the download directory '" + dir.string() + "' is not writable; set CNNSCOPE_MODELS_DIR to one that is"};

    Digest digest(r.algo.empty() ? "md5" : r.algo);
    if (!digest.ok()) return Error{"models.yml names an unknown checksum kind '" + r.algo + "' for " + name};

    std::string temp = (dir / ("." + name + ".download-XXXXXX")).string();
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) return Error{"cannot create a temporary file in '" + dir.string() + "': " + std::strerror(errno)};
    TransferContext ctx;
    ctx.progress.state = DownloadState::Running;
    ctx.self = this;
    ctx.digest = &digest;
    ctx.file = ::fdopen(fd, "wb");
    // From here on, every exit removes the temporary file unless it was renamed into place.
    struct Cleanup {
        std::string path;
        std::FILE*& file;
        ~Cleanup() {
            if (file) std::fclose(file);
            if (!path.empty()) ::unlink(path.c_str());
        }
    } cleanup{temp, ctx.file};
    if (!ctx.file) {
        ::close(fd);
        return Error{"cannot open a temporary file in '" + dir.string() + "'"};
    }

    globalInit();
    CURL* curl = curl_easy_init();
    if (!curl) return Error{"libcurl could not start a transfer"};
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, m_settings.connectTimeoutS);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, m_settings.stallSeconds);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "cnnscope/0.1 (libcurl)");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &TransferContext::onWrite);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ctx);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &TransferContext::onProgress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &ctx);
    const CURLcode rc = curl_easy_perform(curl);
    long http = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http);
    curl_off_t expected = -1;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &expected);
    curl_easy_cleanup(curl);
    ctx.sample(ctx.progress.bytes, int64_t(expected), true);

    const std::string host = hostOf(r.url);
    const std::string got = formatBytes(ctx.progress.bytes);
    const std::string kept = "; nothing was changed";
    if (m_cancel) return Error{"download of " + name + " cancelled" + kept};
    switch (rc) {
        case CURLE_OK: break;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_RESOLVE_PROXY:
            return Error{"cannot resolve host '" + host + "' (no network or DNS failure) while fetching " + name + kept};
        case CURLE_COULDNT_CONNECT:
            return Error{"cannot connect to '" + host + "' (connection refused or no network) while fetching " + name + kept};
        case CURLE_HTTP_RETURNED_ERROR:
            return Error{"the server answered HTTP " + std::to_string(http) + " for " + r.url +
                         (http == 404 ? " (the file moved? check models/models.yml)" : "") + kept};
        case CURLE_PARTIAL_FILE:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
            return Error{"the transfer of " + name + " was cut short after " + got +
                         (expected > 0 ? " of " + formatBytes(int64_t(expected)) : std::string()) + " (try again)" + kept};
        case CURLE_OPERATION_TIMEDOUT:
            if (http == 0 && ctx.progress.bytes == 0 && std::strstr(errbuf, "onnect"))
                return Error{"connecting to '" + host + "' timed out after " + std::to_string(m_settings.connectTimeoutS) +
                             " s (no network?) while fetching " + name + kept};
            return Error{"the server stalled: no data for " + std::to_string(m_settings.stallSeconds) + " s after " + got +
                         " of " + name + " (try again later)" + kept};
        case CURLE_WRITE_ERROR:
            if (ctx.writeErrno == ENOSPC || ctx.writeErrno == EDQUOT)
                return Error{"disk full writing " + name + " to '" + dir.string() + "' after " + got + " (free some space)" + kept};
            return Error{"cannot write " + name + " to '" + dir.string() + "': " + std::strerror(ctx.writeErrno) + kept};
        default:
            return Error{"download of " + r.url + " failed: " + (errbuf[0] ? std::string(errbuf) : curl_easy_strerror(rc)) + kept};
    }
    if (expected > 0 && ctx.progress.bytes != expected)
        return Error{"the transfer of " + name + " was cut short after " + got + " of " + formatBytes(int64_t(expected)) + kept};
    // Everything on disk before the checksum and the rename: a full disk shows here too.
    const bool flushed = std::fflush(ctx.file) == 0 && ::fsync(::fileno(ctx.file)) == 0;
    const int flushErrno = errno;
    const bool closed = std::fclose(ctx.file) == 0;
    ctx.file = nullptr;
    if (!flushed || !closed) {
        const int e = !flushed ? flushErrno : errno;
        if (e == ENOSPC || e == EDQUOT) return Error{"disk full writing " + name + " to '" + dir.string() + "' (free some space)" + kept};
        return Error{"cannot write " + name + " to '" + dir.string() + "': " + std::strerror(e) + kept};
    }
    DownloadProgress p = ctx.progress;
    p.state = DownloadState::Verifying;
    publish(p);
    const std::string sum = digest.hex();
    if (r.algo.empty()) {
        p.note = "no checksum recorded in models.yml; its md5 is " + sum;
    } else if (sum != r.digest) {
        return Error{r.algo + " of the downloaded " + name + " is " + sum + ", expected " + r.digest + " (corrupt download)" + kept};
    } else {
        p.note = r.algo + " OK";
    }
    ::chmod(temp.c_str(), 0644);
    if (std::rename(temp.c_str(), r.destPath.c_str()) != 0)
        return Error{"cannot move " + name + " into place at '" + r.destPath + "': " + std::strerror(errno) + kept};
    cleanup.path.clear();
    publish(p);
    return {};
}

Expected<std::string> fileDigest(const std::string& path, const std::string& algo) {
    Digest d(algo);
    if (!d.ok()) return Error{"unknown checksum kind '" + algo + "'"};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{"cannot read '" + path + "'"};
    std::vector<char> buf(1 << 20);
    while (in) {
        in.read(buf.data(), std::streamsize(buf.size()));
        d.update(buf.data(), size_t(in.gcount()));
    }
    if (in.bad()) return Error{"cannot read '" + path + "'"};
    return d.hex();
}

std::string formatBytes(int64_t bytes) {
    char s[32];
    if (bytes >= 1000000) std::snprintf(s, sizeof s, "%.1f MB", double(bytes) / 1e6);
    else if (bytes >= 1000) std::snprintf(s, sizeof s, "%.0f KB", double(bytes) / 1e3);
    else std::snprintf(s, sizeof s, "%lld B", (long long)bytes);
    return s;
}

std::string formatDuration(double seconds) {
    if (!(seconds >= 0) || !std::isfinite(seconds)) return "?";
    const long s = std::lround(seconds);
    char out[32];
    if (s >= 3600) std::snprintf(out, sizeof out, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else std::snprintf(out, sizeof out, "%ld:%02ld", s / 60, s % 60);
    return out;
}

}  // namespace cnnscope
