// Backend/target table: unknown names are errors, unavailable ones fall back to cpu and say so.
#include "core/model/backend.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace cnnscope;

TEST_CASE("targets: cpu always / unknown rejected / unavailable falls back with a note") {
    const auto avail = availableTargets();
    CHECK(std::find(avail.begin(), avail.end(), "cpu") != avail.end());
    auto cpu = chooseTarget("cpu");
    REQUIRE(cpu.ok());
    CHECK(cpu->actual == "cpu");
    CHECK(cpu->note.empty());
    auto bad = chooseTarget("tpu");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().find("cuda") != std::string::npos);
    for (const char* name : {"opencl", "opencl_fp16", "cuda", "cuda_fp16"}) {
        auto c = chooseTarget(name);
        REQUIRE(c.ok());
        const bool offered = std::find(avail.begin(), avail.end(), name) != avail.end();
        if (!offered || c->actual != c->requested) {
            // cpu, or opencl (FP32) for opencl_fp16 where OpenCV runs FP16 on Intel GPUs only
            CHECK((c->actual == "cpu" || (c->requested == "opencl_fp16" && c->actual == "opencl")));
            CHECK_FALSE(c->note.empty());
        }
        if (c->actual == "cpu") {
            CHECK(c->device == "CPU");
            CHECK(targetLabel(*c) == "cpu");
        }
    }
}

TEST_CASE("targets: the JSON fields name what was asked, what ran and the check") {
    TargetChoice c = *chooseTarget("cpu");
    CHECK(targetJsonFields(c) ==
          "\"target_requested\": \"cpu\", \"target_device\": \"CPU\", \"target_check\": \"\", \"target_check_diff\": null, "
          "\"target_note\": \"\"");
    c.actual = "opencl";
    c.device = "GPU \"x\" (P, GPU)";
    c.checkDiff = 2.5e-6;
    CHECK(targetLabel(c) == "opencl on GPU \"x\" (P, GPU)");
    CHECK(targetJsonFields(c).find("\"target_device\": \"GPU \\\"x\\\" (P, GPU)\"") != std::string::npos);
    CHECK(targetJsonFields(c).find("\"target_check_diff\": 2.5e-06") != std::string::npos);
}
