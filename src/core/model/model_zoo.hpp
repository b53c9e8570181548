// The model catalogue data file (models/models.yml): per-model files, preprocessing, checksums.
#pragma once

#include "core/base/expected.hpp"
#include "core/model/preprocess.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace cnnscope {

struct ZooEntry {
    std::string name;          // e.g. vgg19_keras
    std::string title;         // e.g. "VGG19 (Keras, ImageNet)"
    std::string file;          // weights file name: a plain name (no '/', '..', leading '.'), checked when read
    std::string config;        // optional second file (Caffe .prototxt, Darknet .cfg), a plain name too
    std::string framework;     // keras, caffe, onnx, tensorflow, torch, darknet
    std::string defaultLayer;  // shown first
    std::string md5;           // checksums as models.yml records them (hex, lower case); empty: none
    std::string sha1;
    std::string sha256;
    std::string configMd5;     // the config file's checksums (config_md5, config_sha1, config_sha256)
    std::string configSha1;
    std::string configSha256;
    int64_t size = 0;          // bytes (`size:`, `config_size:`); 0: not recorded
    int64_t configSize = 0;
    std::string url;           // where `cnnscope fetch` gets `file` (and config_url the config)
    std::string configUrl;
    std::string kind;          // "" (a network to visualise) or "style" (an image-to-image style stage)
    Preprocess pre;            // style: a 0x0 size follows the frame (or --style-size)
    // Style networks only: pixel = output * outScale + outMean (then back to BGR when rgb: 1).
    cv::Scalar outMean{0, 0, 0};
    double outScale = 1.0;
    bool style() const { return kind == "style"; }
};

// Directories searched for models.yml and for weight files, in order: $CNNSCOPE_MODELS_DIR,
// ./models, an installed binary's PREFIX/share/cnnscope/models, the source tree's models/
// (compiled in), then userModelsDir().
std::vector<std::string> modelDirs();

// Where `cnnscope fetch` and the window's download put weights by default, a place the user can
// write: $CNNSCOPE_MODELS_DIR when set, else $XDG_DATA_HOME/cnnscope/models (default
// ~/.local/share/cnnscope/models). Empty when neither HOME nor XDG_DATA_HOME is set.
std::string userModelsDir();

// Loads models.yml from the first model directory that has one. An absent file gives an empty
// zoo (defaults apply); a malformed one is an error naming the file.
Expected<std::vector<ZooEntry>> loadZoo();
// For a file given by path: a catalogue that cannot be read only costs its preprocessing entry,
// so it is a warning (set in *warning) and an empty catalogue, never an error.
std::vector<ZooEntry> loadZooForFile(const std::string& file, std::string* warning);
Expected<std::vector<ZooEntry>> loadZooFile(const std::string& path);

// A catalogue for downloads (`cnnscope fetch`, the window's download button) and where it came from.
struct Catalogue {
    std::string path;      // the models.yml read; empty when none was found
    bool bundled = false;  // the source tree's / installed copy (no "using catalogue" note)
    std::vector<ZooEntry> entries;
};

// The catalogue downloads use: `explicitPath` when given (any place: the user asked for it), else
// the first models.yml in $CNNSCOPE_MODELS_DIR, the bundled models/ (compiled in), the user data
// dir. A models/models.yml in the current directory is trusted less: it is not used for downloads
// unless named explicitly (fetch --catalogue), and *skipped says so (its path) when it was passed over.
Expected<Catalogue> loadDownloadCatalogue(const std::string& explicitPath = {}, std::string* skipped = nullptr);

// Why `name` (a catalogue's file or config value) is not a plain file name, or "" when it is:
// names are letters, digits, '.', '_', '-', '+', do not start with '.' or '-', at most 255 bytes.
std::string plainFileNameProblem(const std::string& name);

// The entry whose name or file name matches (case-insensitive), or nullptr.
const ZooEntry* findZooEntry(const std::vector<ZooEntry>& zoo, const std::string& nameOrFile);

}  // namespace cnnscope
