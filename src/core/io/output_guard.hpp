// Output paths checked once, before any work: an output is never an input, never another output
// of the same run, and only ever replaces a regular file (or, for folders, an empty folder).
#pragma once

#include "core/base/expected.hpp"

#include <string>
#include <vector>

namespace cnnscope {

// A file output (PNG, GIF, MP4, .npy, JSON) or a folder output (a new or empty folder that a run
// fills and then moves into place as a whole, e.g. a folder of PNG frames).
enum class OutputKind { File, Folder };

struct OutputPath {
    std::string option;  // "--out", "--json", ... (for messages)
    std::string path;
    OutputKind kind = OutputKind::File;
};

struct InputPath {
    std::string option;  // "SOURCE", "--model", "--style", ...
    std::string path;    // anything that is not an existing file (a camera index, a URL) is ignored
};

// True when `path` ends in '/' (names a folder).
bool hasTrailingSlash(const std::string& path);

// One output alone: not empty; a trailing '/' only on folder outputs; an existing target must be
// a regular file (File; a symlink is replaced, not followed) or an empty folder (Folder); the
// name must fit NAME_MAX; the directory it goes into must exist and be writable.
Status checkOutputTarget(const std::string& option, const std::string& path, OutputKind kind);

// Every output of a run against every input and every other output (devices and inodes for
// existing files, the real parent directory plus name for new ones), plus checkOutputTarget for
// each. Call before any work is done; the window calls it too for --screenshot/--record/--stats.
Status checkOutputs(const std::vector<InputPath>& inputs, const std::vector<OutputPath>& outputs);

}  // namespace cnnscope
