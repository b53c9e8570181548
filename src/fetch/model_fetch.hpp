// From models.yml entries to downloads: URLs, checksums, sizes, destinations, copies already present.
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
inline constexpr const char* kTopFetchEntry = "vgg19_keras_top";  // VGG19 with its classifier head (548 MB)

// `url`, or with $CNNSCOPE_MODEL_URL_BASE set, that base + "/" + the URL's last path segment
// (a mirror, or a test server).
std::string effectiveUrl(const std::string& url);
// Whether $CNNSCOPE_MODEL_URL_BASE is a plain-http URL on this machine (127.x.x.x, [::1],
// localhost): such a mirror may serve over http without --allow-http (the tests' server).
bool loopbackHttpBase();

// What the user allowed beyond the defaults (https only, checksum required).
struct FetchPolicy {
    bool allowHttp = false;        // fetch --allow-http
    bool allowUnverified = false;  // fetch --no-checksum
};

// The files an entry needs (weights, then its config file if any) as downloads into destDir
// (default: userModelsDir()), each with the strongest checksum models.yml records and its size.
Expected<std::vector<DownloadRequest>> fetchPlan(const ZooEntry& entry, std::string destDir = {}, FetchPolicy policy = {});

// A file with the request's name already in a model directory (models/, the user directory,
// ~/.keras/models/) whose checksum (and recorded size) matches; empty when none. Without a
// recorded checksum nothing verifies, so no copy is taken (--no-checksum downloads afresh).
std::string findVerifiedCopy(const DownloadRequest& request);
// When a file is at request.destPath that findVerifiedCopy did not take: "replacing PATH (why)".
std::string replacedCopyNote(const DownloadRequest& request);

// For the window: starts downloading `name`'s weights file on a background thread (see
// Download), from the catalogue loadDownloadCatalogue() picks, under the default policy (https,
// checksum). Errors: unknown name, no URL, no checksum. *catalogueNote is "catalogue PATH" when
// that is not the bundled one. Poll ->progress(), ->cancel(); when ->progress().state is
// Succeeded, ->request().destPath is the file: Model::load finds it there.
Expected<std::unique_ptr<Download>> startModelDownload(const std::string& name = kDefaultFetchEntry,
                                                       std::string* catalogueNote = nullptr);

}  // namespace cnnscope
