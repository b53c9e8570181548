// From models.yml entries to downloads: URLs, checksums, destinations, copies already present.
#pragma once

#include "core/base/expected.hpp"
#include "core/model/model_zoo.hpp"
#include "fetch/download.hpp"

#include <memory>
#include <string>
#include <vector>

namespace cnnscope {

// The entry `cnnscope fetch` with no name and the window's download button get: the article's
// notop VGG19 weights (80 MB).
inline constexpr const char* kDefaultFetchEntry = "vgg19_keras";

// `url`, or with $CNNSCOPE_MODEL_URL_BASE set, that base + "/" + the URL's last path segment
// (a mirror, or a test server).
std::string effectiveUrl(const std::string& url);

// The files an entry needs (weights, then its config file if any) as downloads into destDir
// (default: userModelsDir()), each with the strongest checksum models.yml records.
Expected<std::vector<DownloadRequest>> fetchPlan(const ZooEntry& entry, std::string destDir = {});

// A file with the request's name already in a model directory (models/, the user directory,
// ~/.keras/models/) whose checksum matches; empty when none. Without a recorded checksum any
// copy counts.
std::string findVerifiedCopy(const DownloadRequest& request);

// For the window: starts downloading `name`'s weights file on a background thread (see
// Download). Errors: unknown name, no URL. Poll ->progress(), ->cancel(); when
// ->progress().state is Succeeded, ->request().destPath is the file: Model::load finds it there.
Expected<std::unique_ptr<Download>> startModelDownload(const std::string& name = kDefaultFetchEntry);

}  // namespace cnnscope
