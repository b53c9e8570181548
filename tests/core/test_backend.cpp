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
            CHECK(c->actual == "cpu");
            CHECK_FALSE(c->note.empty());
        }
    }
}
