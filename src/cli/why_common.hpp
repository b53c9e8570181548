// What `cam` and `attribute` share: the model with its classifier head, the class names, the
// layer (checked, default the last convolution's output), the class, and their JSON pieces.
#pragma once

#include "cli/cli.hpp"
#include "core/model/classifier.hpp"
#include "core/unit/backward.hpp"
#include "core/unit/cam.hpp"

#include <optional>
#include <string>
#include <vector>

namespace cnnscope::cli {

struct WhyModel {
    std::optional<Model> model;
    std::vector<std::string> names;  // class names, index order
    std::string layer;               // checked
};

// Loads the model with its head and the labels, checks --class and --layer (empty: the last
// convolution's output; `needLayer` false: none is used). Errors are the one line to print.
Status prepareWhy(const CommonOptions& common, const std::string& labels, int classIndex, const std::string& layer, bool needLayer,
                  WhyModel& out);

// {"index": K, "label": "...", "probability": P, "logit": Z}
std::string classJson(int index, const std::string& label, double probability, double logit);
// [classJson, ...] of the top K of logits.
std::string topJson(const std::vector<ClassScore>& top);
// "12 (tabby), 40 (tiger cat)" style for stderr: "class 7 tabby p=0.5123".
std::string classText(int index, const std::string& label, double probability);

}  // namespace cnnscope::cli
