// One file over HTTP(S) with libcurl; digests with OpenSSL's EVP.
#include "fetch/download.hpp"

#include "core/base/interrupt.hpp"
#include "core/base/parse.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
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
    std::call_once(once, [] {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        std::signal(SIGXFSZ, SIG_IGN);  // a file size limit (ulimit -f) makes writes fail with EFBIG instead of killing us
    });
}

int64_t envBytes(const char* name, int64_t fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end = nullptr;
    const long long b = std::strtoll(v, &end, 10);
    return (end && *end == 0 && b >= 1) ? int64_t(b) : fallback;
}

// The first directory of `dir` and its parents that exists ("" when none does).
fs::path existingAncestor(fs::path dir) {
    std::error_code ec;
    for (dir = fs::absolute(dir, ec); !dir.empty(); dir = dir.parent_path()) {
        if (fs::exists(dir, ec)) return dir;
        if (dir == dir.parent_path()) break;
    }
    return {};
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

// Why writing failed, for the user: full disk, file size limit, or the system's words.
std::string writeError(int e, const std::string& name, const fs::path& dir, const std::string& after) {
    if (e == ENOSPC || e == EDQUOT) return "disk full writing " + name + " to '" + dir.string() + "'" + after + " (free some space)";
    if (e == EFBIG)
        return "file size limit reached writing " + name + " to '" + dir.string() + "'" + after +
               " (ulimit -f; raise it, e.g. ulimit -f unlimited)";
    return "cannot write " + name + " to '" + dir.string() + "': " + std::strerror(e);
}

}  // namespace

// Everything the curl callbacks need, on the transfer thread's stack.
struct TransferContext {
    Download* self = nullptr;
    std::FILE* file = nullptr;
    Digest* digest = nullptr;
    int writeErrno = 0;
    fs::path dir;
    std::string name;
    std::string temp;         // the temporary file, once the first byte came
    std::string openError;    // why it could not be created
    int64_t cap = 0;          // bytes
    int64_t received = 0;
    int64_t announced = -1;   // the last response's Content-Length
    bool overCap = false;

    static size_t onHeader(char* data, size_t size, size_t n, void* user) {
        auto* ctx = static_cast<TransferContext*>(user);
        const std::string line = lower(std::string(data, size * n));
        if (line.rfind("content-length:", 0) == 0) ctx->announced = std::strtoll(line.c_str() + 15, nullptr, 10);
        return size * n;
    }
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

    // The directory and the exclusive temporary file, made when there is something to write.
    bool open() {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (!fs::is_directory(dir, ec)) {
            openError = "cannot create the download directory '" + dir.string() + "' (" +
                        (fs::exists(dir, ec) ? std::string("a file of that name is in the way") : ec.message()) + ")";
            return false;
        }
        // At most 200 bytes of the name: a plain name of up to 255 bytes still leaves room for the suffix.
        const std::string prefix = "." + name.substr(0, 200) + ".download-";
        removeStaleTemporaries(prefix);
        std::string path = (dir / (prefix + "XXXXXX")).string();
        const int fd = ::mkstemp(path.data());
        if (fd < 0) {
            openError = "cannot create a temporary file in '" + dir.string() + "': " + std::strerror(errno);
            return false;
        }
        temp = path;
        registerTemporary(temp);  // a second Ctrl-C (which exits at once) removes it too
        file = ::fdopen(fd, "wb");
        if (!file) {
            ::close(fd);
            openError = "cannot open a temporary file in '" + dir.string() + "'";
            return false;
        }
        return true;
    }

    // Temporaries of this file left by a killed fetch (SIGKILL, power loss): untouched for longer than
    // any fetch may stall (--stall-timeout is at most an hour), so no running fetch owns them.
    void removeStaleTemporaries(const std::string& prefix) const {
        std::error_code ec;
        const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(2);
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string n = it->path().filename().string();
            if (n.size() != prefix.size() + 6 || n.compare(0, prefix.size(), prefix) != 0) continue;
            std::error_code e2;
            if (it->symlink_status(e2).type() == fs::file_type::regular && fs::last_write_time(it->path(), e2) < cutoff && !e2)
                fs::remove(it->path(), e2);
        }
    }

    static size_t onWrite(char* data, size_t size, size_t n, void* user) {
        auto* ctx = static_cast<TransferContext*>(user);
        const size_t bytes = size * n;
        if (ctx->received + int64_t(bytes) > ctx->cap) {
            ctx->overCap = true;
            return 0;  // curl stops with CURLE_WRITE_ERROR
        }
        ctx->received += int64_t(bytes);
        if (!ctx->file && !ctx->open()) return 0;
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
    s.maxBytes = envBytes("CNNSCOPE_FETCH_MAX_BYTES", s.maxBytes);
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

Status Download::refusal(const DownloadRequest& r) {
    const std::string name = fs::path(r.destPath).filename().string();
    const std::string kept = "; nothing was changed";
    const std::string scheme = lower(r.url.substr(0, r.url.find("://") == std::string::npos ? 0 : r.url.find("://")));
    if (scheme != "https" && !(scheme == "http" && r.allowHttp))
        return Error{"refusing to download " + name + " from '" + r.url + "': only https:// URLs are fetched" +
                     (scheme == "http" ? " (plain http only with --allow-http)" : "") + kept};
    if (r.algo.empty() && !r.allowUnverified)
        return Error{"models.yml records no checksum for " + name + ", so a download could not be verified; refusing it " +
                     "(add its sha256 to the catalogue, or pass --no-checksum to download it unverified)" + kept};
    return {};
}

Status Download::transfer() {
    const DownloadRequest& r = m_request;
    const std::string name = fs::path(r.destPath).filename().string();
    const fs::path dir = fs::path(r.destPath).has_parent_path() ? fs::path(r.destPath).parent_path() : fs::path(".");
    const std::string kept = "; nothing was changed";
    if (Status st = refusal(r); !st) return st;
    // The directory is checked here but created only when the first byte arrives (offline: nothing made).
    std::error_code ec;
    const fs::path existing = existingAncestor(dir);
    if (existing.empty() || !fs::is_directory(existing, ec))
        return Error{"cannot create the download directory '" + dir.string() + "' (" +
                     (existing.empty() ? std::string("no such place") : "a file of that name is in the way: '" + existing.string() + "'") + ")" + kept};
    if (::access(existing.c_str(), W_OK) != 0)
        return Error{"the download directory '" + existing.string() + "' is not writable; set CNNSCOPE_MODELS_DIR to one that is" + kept};
    // A directory where the file goes would be found only at the rename, after the whole download.
    if (const fs::file_status here = fs::symlink_status(r.destPath, ec); fs::is_directory(here))
        return Error{"a directory is in the way of " + name + " at '" + r.destPath + "' (move it away)" + kept};

    Digest digest(r.algo.empty() ? "sha256" : r.algo);
    if (!digest.ok()) return Error{"models.yml names an unknown checksum kind '" + r.algo + "' for " + name};

    TransferContext ctx;
    ctx.progress.state = DownloadState::Running;
    ctx.self = this;
    ctx.digest = &digest;
    ctx.dir = dir;
    ctx.name = name;
    ctx.cap = r.size > 0 ? r.size : m_settings.maxBytes;
    const std::string capText = formatBytes(ctx.cap) + (r.size > 0 ? " (its size in models.yml)" : " (the cap for files of unrecorded size; --max-size)");
    // From here on, every exit removes the temporary file unless it was renamed into place.
    struct Cleanup {
        TransferContext& ctx;
        ~Cleanup() {
            if (ctx.file) std::fclose(ctx.file);
            if (!ctx.temp.empty()) ::unlink(ctx.temp.c_str()), unregisterTemporary(ctx.temp);
        }
    } cleanup{ctx};

    globalInit();
    CURL* curl = curl_easy_init();
    if (!curl) return Error{"libcurl could not start a transfer"};
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, r.allowHttp ? "http,https" : "https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, r.allowHttp ? "http,https" : "https");
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(ctx.cap));  // a larger Content-Length: refused up front
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, m_settings.connectTimeoutS);
    // Slower than kMinBytesPerSecond for the stall time counts as stalled: a trickle (a few bytes a second) would
    // otherwise hold the download open for days before reaching the cap.
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, long(kMinBytesPerSecond));
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, m_settings.stallSeconds);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "cnnscope/0.1 (libcurl)");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &TransferContext::onWrite);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ctx);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &TransferContext::onHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ctx);
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
    if (m_cancel) return Error{"download of " + name + " cancelled" + kept};
    if (ctx.overCap || (rc == CURLE_FILESIZE_EXCEEDED && ctx.received > 0))
        return Error{"the server sent more than " + capText + " for " + name + "; stopped there" + kept};
    if (rc == CURLE_FILESIZE_EXCEEDED)
        return Error{"the server announced " + (ctx.announced > 0 ? formatBytes(ctx.announced) : std::string("a larger size")) + " for " +
                     name + ", more than " + capText + "; refused before downloading" + kept};
    if (!ctx.openError.empty()) return Error{ctx.openError + kept};
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
            return Error{"the server stalled: less than " + formatBytes(kMinBytesPerSecond) + "/s for " +
                         std::to_string(m_settings.stallSeconds) + " s after " + got + " of " + name + " (try again later)" + kept};
        case CURLE_WRITE_ERROR: return Error{writeError(ctx.writeErrno, name, dir, " after " + got) + kept};
        case CURLE_UNSUPPORTED_PROTOCOL:
            return Error{"refusing to follow " + r.url + " to another protocol (only https" + (r.allowHttp ? " and http" : "") +
                         " is fetched)" + kept};
        default:
            return Error{"download of " + r.url + " failed: " + (errbuf[0] ? std::string(errbuf) : curl_easy_strerror(rc)) + kept};
    }
    if (expected > 0 && ctx.progress.bytes != expected)
        return Error{"the transfer of " + name + " was cut short after " + got + " of " + formatBytes(int64_t(expected)) + kept};
    if (r.size > 0 && ctx.received != r.size)
        return Error{"the downloaded " + name + " is " + std::to_string(ctx.received) + " bytes, models.yml records " + std::to_string(r.size) +
                     " (wrong or damaged file)" + kept};
    const std::string sum = digest.hex();
    if (!r.algo.empty() && sum != r.digest)
        return Error{r.algo + " of the downloaded " + name + " is " + sum + ", expected " + r.digest + " (corrupt download)" + kept};
    if (!ctx.file && !ctx.open()) return Error{ctx.openError + kept};  // an empty body (allowed only unverified or by checksum)
    // Everything on disk before the checksum and the rename: a full disk shows here too.
    const bool flushed = std::fflush(ctx.file) == 0 && ::fsync(::fileno(ctx.file)) == 0;
    const int flushErrno = errno;
    const bool closed = std::fclose(ctx.file) == 0;
    ctx.file = nullptr;
    if (!flushed || !closed) {
        return Error{writeError(!flushed ? flushErrno : errno, name, dir, "") + kept};
    }
    DownloadProgress p = ctx.progress;
    p.note = r.algo.empty() ? "NOT verified: no checksum in models.yml; its sha256 is " + sum : r.algo + " OK";
    ::chmod(ctx.temp.c_str(), 0644);
    if (std::rename(ctx.temp.c_str(), r.destPath.c_str()) != 0)
        return Error{"cannot move " + name + " into place at '" + r.destPath + "': " + std::strerror(errno) + kept};
    unregisterTemporary(ctx.temp);
    ctx.temp.clear();
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
