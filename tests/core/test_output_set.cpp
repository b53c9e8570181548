// Output sets written as a whole or not at all, the manifest that removes only cnnscope's own stale
// files, and the one JSON number writer (no bare NaN or Infinity).
#include "core/base/parse.hpp"
#include "core/io/output_set.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>

namespace fs = std::filesystem;
using namespace cnnscope;

namespace {
fs::path scratch() {
    char templ[] = "/tmp/cnnscope-outset-XXXXXX";
    REQUIRE(::mkdtemp(templ));
    return templ;
}
std::set<std::string> names(const fs::path& d) {
    std::set<std::string> out;
    for (const auto& e : fs::directory_iterator(d)) out.insert(e.path().filename().string());
    return out;
}
void put(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
}  // namespace

TEST_CASE("jsonNumber: finite numbers as numbers, NaN and infinities as null") {
    CHECK(jsonNumber(1.5) == "1.5");
    CHECK(jsonNumber(-0.0) == "0");
    CHECK(jsonNumber(1e38) == "1e+38");
    CHECK(jsonNumber(std::numeric_limits<double>::quiet_NaN()) == "null");
    CHECK(jsonNumber(std::numeric_limits<double>::infinity()) == "null");
    CHECK(jsonNumber(-std::numeric_limits<double>::infinity()) == "null");
}

TEST_CASE("OutputBatch: nothing is in place before commit, nothing is left without it") {
    const fs::path d = scratch();
    {
        OutputBatch b;
        REQUIRE(b.addText((d / "a.json").string(), "{}"));
        REQUIRE(b.addImage((d / "b.png").string(), cv::Mat(4, 4, CV_8UC3, cv::Scalar(1, 2, 3))));
        CHECK(!fs::exists(d / "a.json"));
        CHECK(names(d).size() == 2);  // the two temporaries
    }
    CHECK(names(d).empty());
    OutputBatch b;
    REQUIRE(b.addText((d / "a.json").string(), "{}"));
    REQUIRE(b.commit());
    CHECK(names(d) == std::set<std::string>{"a.json"});
    fs::remove_all(d);
}

TEST_CASE("OutputFolder: a failed run removes the folder it created; a reused one loses only its own stale files") {
    const fs::path d = scratch(), out = d / "set";
    {
        auto f = OutputFolder::open(out.string());
        REQUIRE(f);
        REQUIRE(f->addText("x.txt", "1"));
    }  // no commit: as if the run failed
    CHECK(!fs::exists(out));
    {
        auto f = OutputFolder::open(out.string());
        REQUIRE(f);
        REQUIRE(f->addText("a.txt", "1"));
        REQUIRE(f->addText("b.txt", "1"));
        REQUIRE(f->commit());
    }
    put(out / "mine.txt", "not cnnscope's");
    // A hand-edited manifest never reaches outside the folder.
    put(d / "outside.txt", "keep");
    std::ofstream(out / OutputFolder::kManifest, std::ios::app) << "../outside.txt\nmine-gone.txt\n";
    {
        auto f = OutputFolder::open(out.string());
        REQUIRE(f);
        REQUIRE(f->addText("a.txt", "2"));
        REQUIRE(f->commit());
    }
    CHECK(names(out) == std::set<std::string>{"a.txt", "mine.txt", OutputFolder::kManifest});
    CHECK(fs::exists(d / "outside.txt"));
    fs::remove_all(d);
}
