// Frame sources.
#include "core/pipeline/source.hpp"

#include "core/io/image_header.hpp"
#include "core/base/limits.hpp"
#include "core/base/parse.hpp"
#include "core/base/quiet.hpp"

#include <opencv2/imgcodecs.hpp>

#include <cctype>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace cnnscope {

const char* sourceKindName(SourceKind k) {
    switch (k) {
        case SourceKind::Image: return "image";
        case SourceKind::Video: return "video";
        case SourceKind::Camera: return "camera";
        case SourceKind::Pipeline: return "gstreamer";
        case SourceKind::Stream: return "stream";
    }
    return "?";
}

bool isImagePath(const std::string& path) {
    static const char* exts[] = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm", ".jp2", ".exr", ".hdr", ".pfm"};
    const std::string e = lower(fs::path(path).extension().string());
    for (const char* x : exts)
        if (e == x) return true;
    return false;
}

static bool allDigits(const std::string& s) {
    if (s.empty() || s.size() > 3) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

int sourceTimeoutMs() {
    if (const char* env = std::getenv("CNNSCOPE_SOURCE_TIMEOUT_MS"); env && *env) {
        const long v = std::strtol(env, nullptr, 10);
        if (v > 0 && v < 3600000) return int(v);
    }
    return 10000;
}

namespace {

// A FIFO blocks open() until a writer comes and read() until it writes: wait (bounded) for the
// first bytes without consuming them. The returned descriptor keeps the read end open while
// the decoder opens it by name (so the writer never sees a broken pipe in between).
Expected<int> awaitFifo(const std::string& spec) {
    const int fd = ::open(spec.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return Error{"source '" + spec + "' (a FIFO) cannot be opened"};
    pollfd p{fd, POLLIN, 0};
    const int timeout = sourceTimeoutMs();
    const int r = ::poll(&p, 1, timeout);
    if (r <= 0 || !(p.revents & POLLIN)) {
        ::close(fd);
        return Error{"source '" + spec + "' is a FIFO that delivered nothing within " + std::to_string(timeout / 1000.0).substr(0, 4) +
                     " s (no writer?); start the writer first, or set $CNNSCOPE_SOURCE_TIMEOUT_MS"};
    }
    return fd;
}

}  // namespace

Expected<std::unique_ptr<FrameSource>> FrameSource::open(const std::string& spec) {
    QuietStderr quiet;  // decoders (FFmpeg, GStreamer) print on their own; our errors come back as values
    return guard([&]() -> Expected<std::unique_ptr<FrameSource>> {
        std::unique_ptr<FrameSource> s(new FrameSource);
        s->m_spec = spec;
        if (spec.empty()) return Error{"empty source: give an image, a video file, a camera index, a GStreamer pipeline or a URL"};
        // A camera is "cam:N", or a bare index N when no file of that name exists: a source that
        // names an existing file is always that file (a file called "0" is not camera 0).
        struct stat named {};
        const bool camPrefix = spec.rfind("cam:", 0) == 0;
        if (camPrefix && !allDigits(spec.substr(4)))
            return Error{"source '" + spec + "': a camera is cam:N with N an index from 0 to 999 (e.g. cam:0)"};
        if (camPrefix || (allDigits(spec) && ::stat(spec.c_str(), &named) != 0)) {
            s->m_kind = SourceKind::Camera;
            const int index = std::stoi(camPrefix ? spec.substr(4) : spec);
            // V4L2 first (Linux cameras), then GStreamer; CAP_ANY would also probe FireWire/USB
            // vision backends, slowly and leaking in them.
            s->m_cap.open(index, cv::CAP_V4L2);
            if (!s->m_cap.isOpened()) s->m_cap.open(index, cv::CAP_GSTREAMER);
            if (!s->m_cap.isOpened())
                return Error{"camera " + spec + " could not be opened (no such device, or busy); try another index or a video file"};
        } else if (spec.find('!') != std::string::npos) {
            s->m_kind = SourceKind::Pipeline;
            s->m_cap.open(spec, cv::CAP_GSTREAMER);
            if (!s->m_cap.isOpened())
                return Error{"GStreamer pipeline could not be started: '" + spec + "' (it must end in appsink)"};
        } else if (spec.find("://") != std::string::npos) {
            s->m_kind = SourceKind::Stream;
            // Bounded waits so a dead server gives an error, not a hang.
            const std::vector<int> params = {cv::CAP_PROP_OPEN_TIMEOUT_MSEC, 5000, cv::CAP_PROP_READ_TIMEOUT_MSEC, 5000};
            s->m_cap.open(spec, cv::CAP_FFMPEG, params);
            if (!s->m_cap.isOpened())
                return Error{"stream '" + spec + "' could not be opened (server down, wrong URL, or timed out after 5 s)"};
        } else {
            std::error_code ec;
            struct stat st {};
            if (::stat(spec.c_str(), &st) != 0) return Error{"source '" + spec + "' does not exist"};
            if (S_ISDIR(st.st_mode)) return Error{"source '" + spec + "' is a directory; give an image or video file"};
            int fifoFd = -1;
            if (S_ISCHR(st.st_mode) && spec.rfind("/dev/video", 0) == 0) {
                s->m_kind = SourceKind::Camera;
                s->m_cap.open(spec, cv::CAP_V4L2);
                if (!s->m_cap.isOpened()) return Error{"camera '" + spec + "' could not be opened (busy, or not a capture device)"};
            } else if (S_ISFIFO(st.st_mode)) {
                auto fd = awaitFifo(spec);
                if (!fd) return Error{fd.error()};
                fifoFd = *fd;
            } else if (!S_ISREG(st.st_mode)) {
                return Error{"source '" + spec + "' is a device or socket, not an image or video file (cameras: give cam:N, e.g. cam:0)"};
            } else if (st.st_size == 0) {
                return Error{"source '" + spec + "' is an empty file"};
            }
            if (s->m_kind == SourceKind::Camera) {
            } else if (isImagePath(spec) && fifoFd < 0) {
                s->m_kind = SourceKind::Image;
                if (auto hs = checkImageFileHeader(spec); !hs) return Error{hs.error()};
                s->m_image = cv::imread(spec, cv::IMREAD_COLOR);
                if (s->m_image.empty())
                    return Error{"image '" + spec + "' could not be decoded (corrupt or truncated?)"};
            } else {
                s->m_kind = SourceKind::Video;
                s->m_cap.open(spec, cv::CAP_FFMPEG);
                if (!s->m_cap.isOpened()) s->m_cap.open(spec, cv::CAP_GSTREAMER);  // formats FFmpeg lacks
                if (!s->m_cap.isOpened())
                    return Error{"video '" + spec + "' could not be opened (not a video, corrupt, or an unsupported codec)"};
                // A demuxer can accept random bytes (FFmpeg probes some as H.263); only a decoded frame proves it plays.
                const int w = int(s->m_cap.get(cv::CAP_PROP_FRAME_WIDTH)), h = int(s->m_cap.get(cv::CAP_PROP_FRAME_HEIGHT));
                if (w > 0 && h > 0)
                    if (auto ps = checkImagePixels("video '" + spec + "'", cv::Size(w, h)); !ps) {
                        if (fifoFd >= 0) ::close(fifoFd);
                        return Error{ps.error()};
                    }
                bool decoded = false;
                try { decoded = s->m_cap.read(s->m_pending) && !s->m_pending.empty(); } catch (const cv::Exception&) {}
                if (fifoFd >= 0) ::close(fifoFd);
                if (!decoded)
                    return Error{"video '" + spec + "' could not be opened: no frame could be decoded (corrupt, or an unsupported codec)"};
            }
        }
        if (s->m_kind == SourceKind::Image) {
            s->m_size = s->m_image.size();
        } else {
            if (s->m_kind == SourceKind::Video) s->m_claimed = std::max<int64_t>(0, int64_t(s->m_cap.get(cv::CAP_PROP_FRAME_COUNT)));
            s->m_fps = s->m_cap.get(cv::CAP_PROP_FPS);
            if (!(s->m_fps > 0 && s->m_fps < 1000)) s->m_fps = 0;
            s->m_size = !s->m_pending.empty() ? s->m_pending.size()
                                              : cv::Size(int(s->m_cap.get(cv::CAP_PROP_FRAME_WIDTH)), int(s->m_cap.get(cv::CAP_PROP_FRAME_HEIGHT)));
        }
        return s;
    });
}

ReadStatus FrameSource::read(cv::Mat& frame) {
    if (m_kind == SourceKind::Image) {
        m_image.copyTo(frame);
        ++m_index;
        return ReadStatus::Ok;
    }
    if (!m_pending.empty()) {
        frame = m_pending;  // hands over the buffer: the next read() decodes into a fresh one
        m_pending.release();
        m_size = frame.size();
        ++m_index;
        return ReadStatus::Ok;
    }
    try {
        if (!m_cap.read(frame) || frame.empty()) {
            if (live()) {
                m_error = std::string(sourceKindName(m_kind)) + " '" + m_spec + "' stopped delivering frames";
                return ReadStatus::Error;
            }
            m_ended = true;
            return ReadStatus::End;
        }
    } catch (const cv::Exception& e) {
        m_error = "reading '" + m_spec + "' failed: " + e.err;
        return ReadStatus::Error;
    }
    m_size = frame.size();
    ++m_index;
    if (m_kind == SourceKind::Video) m_lastMs = m_cap.get(cv::CAP_PROP_POS_MSEC);
    return ReadStatus::Ok;
}

Status FrameSource::readFrame(int64_t n, cv::Mat& frame) {
    if (n < 0) return Error{"frame index must be >= 0"};
    if (m_kind == SourceKind::Image) {
        if (n != 0) return Error{"'" + m_spec + "' is a still image: only --frame 0 exists"};
        read(frame);
        return {};
    }
    while (m_index <= n) {
        switch (read(frame)) {
            case ReadStatus::Ok: break;
            case ReadStatus::End:
                return Error{"'" + m_spec + "' has only " + std::to_string(m_index) + " frame(s); frame " + std::to_string(n) +
                             " is past the end (frames count from 0)"};
            case ReadStatus::Error: return Error{m_error};
        }
    }
    return {};
}

bool FrameSource::rewind() {
    if (m_kind == SourceKind::Image) { m_index = 0; return true; }
    if (m_kind != SourceKind::Video) return false;
    m_pending.release();
    m_ended = false;
    bool ok = m_cap.set(cv::CAP_PROP_POS_FRAMES, 0);
    if (!ok) {
        m_cap.release();
        ok = m_cap.open(m_spec, cv::CAP_FFMPEG);
    }
    m_index = 0;
    return ok;
}

bool FrameSource::seek(int64_t n) {
    if (m_kind != SourceKind::Video || n < 0) return false;
    if (n == 0) return rewind();
    m_pending.release();
    if (!m_cap.set(cv::CAP_PROP_POS_FRAMES, double(n))) return false;
    m_index = n;
    m_ended = false;
    return true;
}

std::string FrameSource::shortfall() const {
    if (m_kind != SourceKind::Video || !m_ended || m_claimed <= 0) return {};
    const int64_t slack = std::max<int64_t>(2, m_claimed / 100);
    if (m_index >= m_claimed - slack) return {};
    // Fewer frames than claimed but the last one at the claimed end: frames the container marks
    // as dropped (empty chunks, e.g. opencv-doc's tree.avi: 68 of 444), not a short file.
    std::string when;
    if (m_fps > 0 && m_lastMs > 0) {
        const double claimedMs = double(m_claimed) * 1000.0 / m_fps;
        if (m_lastMs >= claimedMs - std::max(2 * 1000.0 / m_fps, claimedMs / 100)) return {};
        when = cv::format(" (%.1f s of %.1f s)", m_lastMs / 1000.0, claimedMs / 1000.0);
    }
    return "'" + m_spec + "' ended after " + std::to_string(m_index) + " frames" + when + ", but its header claims " +
           std::to_string(m_claimed) + " (a truncated or damaged file?)";
}

std::string FrameSource::describe() const {
    std::string s = std::string(sourceKindName(m_kind)) + " '" + m_spec + "' " + std::to_string(m_size.width) + "x" +
                    std::to_string(m_size.height);
    if (m_fps > 0) s += " @ " + cv::format("%.3g", m_fps) + " fps";
    return s;
}

}  // namespace cnnscope
