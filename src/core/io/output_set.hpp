// A run's set of output files, written as a whole or not at all.
#pragma once

#include "core/base/expected.hpp"

#include <opencv2/core.hpp>

#include <string>
#include <utility>
#include <vector>

namespace cnnscope {

// The files of one run: each is written under a temporary name next to its final one
// (.cnnscope-partial-PID-XXXXXX.EXT, created exclusively) and nothing is renamed into place until
// commit(), after every file of the set has been written. A run that fails (or returns early)
// leaves none of them: the destructor deletes the temporaries.
class OutputBatch {
public:
    OutputBatch() = default;
    OutputBatch(OutputBatch&& o) noexcept : m_temp(std::move(o.m_temp)), m_final(std::move(o.m_final)) {
        o.m_temp.clear();
        o.m_final.clear();
    }
    OutputBatch(const OutputBatch&) = delete;
    OutputBatch& operator=(const OutputBatch&) = delete;
    ~OutputBatch();

    Status addText(const std::string& path, const std::string& text, const std::string& option = "output");
    Status addImage(const std::string& path, const cv::Mat& image, const std::string& option = "output");
    // Renames every file into place. A file whose rename fails is reported; the rest are removed.
    Status commit();
    void discard();
    const std::vector<std::string>& finalPaths() const { return m_final; }

private:
    Status addBytes(const std::string& path, const void* data, size_t size, const std::string& option);
    std::vector<std::string> m_temp, m_final;
};

// An output folder that a command fills with a set of files (topk's channel sheets, index and
// tables). The folder is created when missing (and removed again if the run fails); in a folder
// that already exists, commit() also removes the files of the previous run that this run did
// not write, as listed in the folder's manifest (.cnnscope-files, written by commit()): files
// cnnscope did not write are never touched.
class OutputFolder {
public:
    static constexpr const char* kManifest = ".cnnscope-files";
    // `prune` false: a folder that collects files across runs (grid's LAYER.png): no manifest and
    // nothing removed, the set of this run is still whole or absent.
    static Expected<OutputFolder> open(const std::string& dir, const std::string& option = "--out", bool prune = true);
    OutputFolder(OutputFolder&& o) noexcept
        : m_dir(std::move(o.m_dir)), m_option(std::move(o.m_option)), m_created(o.m_created), m_done(o.m_done),
          m_prune(o.m_prune), m_names(std::move(o.m_names)), m_batch(std::move(o.m_batch)) {
        o.m_done = true;
    }
    ~OutputFolder();

    std::string path(const std::string& name) const;
    Status addText(const std::string& name, const std::string& text);
    Status addImage(const std::string& name, const cv::Mat& image);
    Status commit();

private:
    OutputFolder() = default;
    std::string m_dir, m_option;
    bool m_created = false, m_done = false, m_prune = true;
    std::vector<std::string> m_names;
    OutputBatch m_batch;
};

}  // namespace cnnscope
