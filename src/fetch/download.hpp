// One file over HTTP(S) with libcurl: progress snapshots, cancel, checksum, atomic placement.
#pragma once

#include "core/base/expected.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace cnnscope {

struct DownloadRequest {
    std::string url;
    std::string destPath;  // the final path; its directory is created when missing
    std::string algo;      // "md5", "sha1", "sha256", or "" when the catalogue records no checksum
    std::string digest;    // expected hex digest (lower case)
    int64_t size = 0;      // the catalogue's size in bytes: the cap, and the file must be exactly this long; 0: not recorded
    bool allowHttp = false;        // plain http (and redirects to it); else https only
    bool allowUnverified = false;  // no checksum (algo ""): download anyway (fetch --no-checksum); else refused
};

// The cap on a download whose size the catalogue does not record (2 GiB; fetch --max-size,
// $CNNSCOPE_FETCH_MAX_BYTES).
inline constexpr int64_t kDefaultMaxDownloadBytes = int64_t(2) << 30;

enum class DownloadState { Idle, Running, Verifying, Succeeded, Failed, Cancelled };

// A consistent copy of a download's state, taken under a lock (any thread may ask).
struct DownloadProgress {
    DownloadState state = DownloadState::Idle;
    int64_t bytes = 0;         // received so far
    int64_t total = -1;        // -1: the server did not say
    double bytesPerSecond = 0; // over the last few seconds
    double secondsLeft = -1;   // -1: unknown
    std::string message;       // Failed/Cancelled: one line saying what happened and what to do
    std::string note;          // Succeeded: "md5 OK", or the digest when none was recorded
    bool finished() const { return state == DownloadState::Succeeded || state == DownloadState::Failed || state == DownloadState::Cancelled; }
};

// Slower than this for the stall time (--stall-timeout) is a stall: a trickle cannot hold a download open.
inline constexpr int64_t kMinBytesPerSecond = 1024;

struct DownloadSettings {
    long connectTimeoutS = 15;  // DNS + TCP + TLS
    long stallSeconds = 30;     // abort when less than kMinBytesPerSecond arrives for this long
    int64_t maxBytes = kDefaultMaxDownloadBytes;  // the cap when the request records no size
    // Called on the transfer thread after each chunk (and at least every second): progress bars.
    std::function<void(const DownloadProgress&)> onProgress;
    // Settings from the environment: CNNSCOPE_FETCH_STALL_S, CNNSCOPE_FETCH_CONNECT_S (tests),
    // CNNSCOPE_FETCH_MAX_BYTES.
    static DownloadSettings fromEnvironment();
};

// Downloads `url` into an exclusive temporary file (mkstemp) next to destPath, hashing as it
// goes, and renames it into place only when complete and its checksum matches. On any failure
// or cancel the temporary file is removed and a previous file at destPath is untouched.
// Refused before connecting: a URL other than https (http only with allowHttp), no checksum
// without allowUnverified. The body is capped (request.size, else settings.maxBytes): a larger
// Content-Length is refused before the body, a longer body is cut at the cap. The directory and
// the temporary file are created only when the first byte arrives. SIGXFSZ is ignored, so a file
// size limit (ulimit -f) is an error like a full disk.
// Threading: run() blocks the caller; start() runs the same on a background thread, and then
// progress(), cancel() and finished() may be called from any thread; wait() joins. The
// destructor cancels and joins.
class Download {
public:
    explicit Download(DownloadRequest request, DownloadSettings settings = {});
    ~Download();
    Download(const Download&) = delete;
    Download& operator=(const Download&) = delete;

    // Why `request` is refused before any connection (not https without allowHttp, no checksum
    // without allowUnverified); ok when it is not.
    static Status refusal(const DownloadRequest& request);

    Status run();
    void start();   // once per Download
    Status wait();  // joins a started download; its result (also after run())

    DownloadProgress progress() const;
    void cancel() { m_cancel = true; }
    bool finished() const { return progress().finished(); }
    const DownloadRequest& request() const { return m_request; }

private:
    friend struct TransferContext;
    Status transfer();
    void publish(const DownloadProgress& p);

    DownloadRequest m_request;
    DownloadSettings m_settings;
    std::atomic<bool> m_cancel{false};
    mutable std::mutex m_mutex;
    DownloadProgress m_progress;
    std::thread m_thread;
};

// Hex digest ("md5", "sha1", "sha256") of a file; an error when it cannot be read.
Expected<std::string> fileDigest(const std::string& path, const std::string& algo);

// "80.1 MB", "512 KB"; "1:05" for seconds.
std::string formatBytes(int64_t bytes);
std::string formatDuration(double seconds);

}  // namespace cnnscope
