// Third-party noise (GStreamer criticals, FFmpeg and OpenCV logs) is hidden unless --verbose.
#pragma once

namespace cnnscope {

void setVerbose(bool on);
bool verbose();

// While alive, the process's stderr (fd 2) goes to /dev/null unless verbose(): wraps calls into
// libraries that print on their own (opening sources, reading networks). Nestable and usable from
// several threads (a count: the first one redirects, the last one restores). Our own messages are
// printed outside such scopes.
class QuietStderr {
public:
    QuietStderr();
    ~QuietStderr();
    QuietStderr(const QuietStderr&) = delete;
    QuietStderr& operator=(const QuietStderr&) = delete;

private:
    bool m_active = false;
};

}  // namespace cnnscope
