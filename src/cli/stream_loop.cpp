// The source -> process -> sink loop shared by `record` and `stylize`.
#include "cli/stream_loop.hpp"

#include "core/base/interrupt.hpp"
#include "record/sink.hpp"

#include <memory>

namespace cnnscope::cli {

int reportShortSource(const std::string& why) {
    warn(why + "; the output holds the frames read (exit status " + std::to_string(kExitSourceShort) + ")");
    return kExitSourceShort;
}

NextFrame nextFrame(FrameSource& s, int64_t done, cv::Mat& frame, FrameLoop& loop) {
    if (interrupted()) {
        loop.stopped = true;
        return NextFrame::Done;
    }
    if (s.still() && done > 0) return NextFrame::Done;
    const ReadStatus rs = s.read(frame);
    if (rs == ReadStatus::End) {
        if (done == 0) {
            loop.error = "'" + loop.source + "' gave no frames; nothing was written";
            return NextFrame::Failed;
        }
        loop.shortSource = s.shortfall();
        return NextFrame::Done;
    }
    if (rs == ReadStatus::Error) {
        if (done == 0) {
            loop.error = s.lastError();
            return NextFrame::Failed;
        }
        if (s.live()) warn(s.lastError() + "; " + loop.keptWhat);
        else loop.shortSource = s.lastError();
        return NextFrame::Done;
    }
    return NextFrame::Frame;
}

Expected<StreamResult> runStream(FrameSource& s, const StreamLoop& loop, Progress& progress, const StreamStep& step) {
    StreamResult r;
    std::unique_ptr<AsyncEncoder> encoder;
    cv::Mat frame, image;
    while (loop.frames == 0 || r.written < loop.frames) {
        if (interrupted()) {
            r.stopped = true;
            break;
        }
        const ReadStatus rs = s.read(frame);
        if (rs == ReadStatus::End) {
            r.shortSource = s.shortfall();
            break;
        }
        if (rs == ReadStatus::Error) {
            if (s.live()) warn(s.lastError() + loop.readError);  // a live source ends this way
            else r.shortSource = s.lastError();
            break;
        }
        int delayMs = 0;
        if (auto st = step(frame, image, delayMs); !st) return Error{st.error()};
        if (!encoder) {
            auto sink = openSink(loop.out, image.size(), loop.fps);
            if (!sink) return Error{sink.error()};
            encoder = std::make_unique<AsyncEncoder>(std::move(*sink), 4);
        }
        encoder->submit(image, delayMs, true);
        if (!encoder->stats().error.empty()) return Error{encoder->stats().error};
        ++r.written;
        progress.step(r.written, loop.detail + (loop.frames ? "" : " (Ctrl-C to stop)"));
    }
    if (!encoder) return Error{"'" + loop.source + "' gave no frames; nothing was written"};
    r.stats = encoder->stats();
    if (auto st = encoder->finish(); !st) return Error{st.error()};
    return r;
}

}  // namespace cnnscope::cli
