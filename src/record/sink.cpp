// Frame sinks.
#include "record/sink.hpp"

#include "core/io/atomic_file.hpp"
#include "core/io/output_guard.hpp"
#include "core/base/parse.hpp"
#include "record/gif_writer.hpp"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace cnnscope {

const char* sinkKindName(SinkKind k) {
    switch (k) {
        case SinkKind::Gif: return "gif";
        case SinkKind::Mp4: return "mp4";
        case SinkKind::PngDir: return "png";
    }
    return "?";
}

SinkKind sinkKindFor(const std::string& path) {
    std::string p = lower(path);
    while (p.size() > 1 && p.back() == '/') p.pop_back();  // "x.gif/" is a GIF name with a stray '/': refused later
    if (endsWith(p, ".gif")) return SinkKind::Gif;
    if (endsWith(p, ".mp4") || endsWith(p, ".avi") || endsWith(p, ".mkv")) return SinkKind::Mp4;
    return SinkKind::PngDir;
}

namespace {

class GifSink : public FrameSink {
public:
    explicit GifSink(std::unique_ptr<GifWriter> w) : m_writer(std::move(w)) {}
    Status write(const cv::Mat& bgr, int delayMs) override { return m_writer->addFrame(bgr, delayMs); }
    Status finish() override { return m_writer->finish(); }
    int frames() const override { return m_writer->frames(); }
    SinkKind kind() const override { return SinkKind::Gif; }

private:
    std::unique_ptr<GifWriter> m_writer;
};

class VideoSink : public FrameSink {
public:
    VideoSink(AtomicFile file, cv::Size size) : m_file(std::move(file)), m_size(size) {}
    bool open(double fps) {
        const std::string ext = lower(fs::path(m_file.finalPath()).extension().string());
        const int fourccs[] = {ext == ".avi" ? cv::VideoWriter::fourcc('M', 'J', 'P', 'G') : cv::VideoWriter::fourcc('a', 'v', 'c', '1'),
                               cv::VideoWriter::fourcc('m', 'p', '4', 'v')};
        for (int fourcc : fourccs) {
            if (m_writer.open(m_file.tempPath(), cv::CAP_FFMPEG, fourcc, fps, m_size, true)) return true;
        }
        return false;
    }
    Status write(const cv::Mat& bgr, int) override {
        if (bgr.size() != m_size) return Error{"internal: video frame size changed"};
        // VideoWriter reports no write errors: watch the free space instead.
        if (m_frames % 10 == 0) {
            std::error_code ec;
            const auto space = fs::space(fs::path(m_file.tempPath()).parent_path(), ec);
            if (!ec && space.available < (uintmax_t(4) << 20))
                return Error{"disk full while writing '" + m_file.finalPath() + "' (less than 4 MB left); nothing was kept"};
        }
        m_writer.write(bgr);
        ++m_frames;
        return {};
    }
    Status finish() override {
        m_writer.release();
        if (m_frames == 0) {
            m_file.discard();
            return Error{"no frames were written; '" + m_file.finalPath() + "' not created"};
        }
        // Only a file that decodes with every frame is moved into place.
        cv::VideoCapture check(m_file.tempPath(), cv::CAP_FFMPEG);
        const double counted = check.isOpened() ? check.get(cv::CAP_PROP_FRAME_COUNT) : -1;
        check.release();
        if (counted < m_frames) {
            struct stat st {};
            const bool gone = ::stat(m_file.tempPath().c_str(), &st) != 0;
            const std::string why = gone ? "its folder was moved or removed while writing"
                                         : writeFailureReason(m_file.tempPath(), 0) + " (the finished video does not read back)";
            m_file.discard();
            return Error{"cannot write '" + m_file.finalPath() + "': " + why + "; nothing was kept"};
        }
        return m_file.commit();
    }
    int frames() const override { return m_frames; }
    SinkKind kind() const override { return SinkKind::Mp4; }

private:
    AtomicFile m_file;
    cv::Size m_size;
    cv::VideoWriter m_writer;
    int m_frames = 0;
};

// PNGs go into a private temporary folder (mkdtemp) next to DIR, renamed to DIR when complete
// (rename(2) replaces an empty DIR atomically; DIR itself is never deleted beforehand).
class PngDirSink : public FrameSink {
public:
    PngDirSink(std::string dir, std::string temp) : m_dir(std::move(dir)), m_temp(std::move(temp)) {
        while (m_dir.size() > 1 && m_dir.back() == '/') m_dir.pop_back();
    }
    ~PngDirSink() override {
        std::error_code ec;
        if (!m_temp.empty()) fs::remove_all(m_temp, ec);
    }
    Status write(const cv::Mat& bgr, int) override {
        char name[32];
        std::snprintf(name, sizeof name, "frame_%06d.png", m_frames);
        bool ok = false;
        const std::string file = (fs::path(m_temp) / name).string();
        errno = 0;
        try {
            ok = cv::imwrite(file, bgr);
        } catch (const cv::Exception&) {
        }
        if (!ok) return Error{"cannot write PNG frames into '" + m_dir + "': " + writeFailureReason(file, errno) + "; nothing was kept"};
        ++m_frames;
        return {};
    }
    Status finish() override {
        std::error_code ec;
        if (m_frames == 0) return Error{"no frames were written; '" + m_dir + "' not created"};
        if (auto st = checkOutputTarget("output", m_dir, OutputKind::Folder); !st)
            return Error{st.error() + "; the frames were not moved into place"};
        applyUmaskMode(m_temp, true);
        fs::rename(m_temp, m_dir, ec);
        if (ec) return Error{"cannot move the finished frames into '" + m_dir + "': " + ec.message()};
        m_temp.clear();
        return {};
    }
    int frames() const override { return m_frames; }
    SinkKind kind() const override { return SinkKind::PngDir; }

private:
    std::string m_dir, m_temp;
    int m_frames = 0;
};

}  // namespace

Expected<std::unique_ptr<FrameSink>> openSink(const std::string& path, cv::Size size, double fps) {
    if (size.width < 16 || size.height < 16 || size.width > 8192 || size.height > 8192)
        return Error{"recording size " + std::to_string(size.width) + "x" + std::to_string(size.height) + " is out of range"};
    switch (sinkKindFor(path)) {
        case SinkKind::Gif: {
            auto w = GifWriter::create(path, size);
            if (!w) return Error{w.error()};
            return std::unique_ptr<FrameSink>(new GifSink(std::move(*w)));
        }
        case SinkKind::Mp4: {
            auto file = AtomicFile::create(path);
            if (!file) return Error{file.error()};
            // Even sizes keep H.264 encoders happy.
            auto sink = std::make_unique<VideoSink>(std::move(*file), size);
            if (size.width % 2 || size.height % 2) return Error{"MP4 recording needs an even width and height"};
            if (!sink->open(fps > 0 ? fps : 10.0)) return Error{"cannot open a video encoder for '" + path + "'"};
            return std::unique_ptr<FrameSink>(std::move(sink));
        }
        case SinkKind::PngDir: {
            if (auto st = checkOutputTarget("output", path, OutputKind::Folder); !st) return Error{st.error()};
            auto temp = createTempDir(path);
            if (!temp) return Error{temp.error()};
            return std::unique_ptr<FrameSink>(new PngDirSink(path, *temp));
        }
    }
    return Error{"internal: unknown sink"};
}

}  // namespace cnnscope
