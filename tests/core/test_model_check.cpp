// The pre-import checks on hand-encoded protobuf (ONNX ModelProto, Caffe NetParameter): lengths
// past the end, endless varints, absurd nesting and lying tensors are errors, never a read past
// the buffer (run under ASan to see the reader stay inside it).
#include "core/model/model_check.hpp"
#include "../support/keras_file.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

using namespace cnnscope;
namespace fs = std::filesystem;

namespace {

std::string varint(uint64_t v) {
    std::string s;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        s += char(b | (v ? 0x80 : 0));
    } while (v);
    return s;
}
std::string field(uint32_t num, const std::string& payload) { return varint(uint64_t(num) << 3 | 2) + varint(payload.size()) + payload; }
std::string vfield(uint32_t num, uint64_t v) { return varint(uint64_t(num) << 3) + varint(v); }

std::string tensor(const std::string& name, std::vector<int64_t> dims, size_t rawBytes, int dtype = 1) {
    std::string t;
    for (int64_t d : dims) t += vfield(1, uint64_t(d));
    t += vfield(2, uint64_t(dtype)) + field(8, name) + field(9, std::string(rawBytes, '\0'));
    return t;
}
std::string node(const std::string& op, std::vector<std::string> in, const std::string& out, const std::string& attrs = "") {
    std::string n;
    for (const auto& i : in) n += field(1, i);
    return n + field(2, out) + field(3, op + "_1") + field(4, op) + attrs;
}
std::string model(const std::string& graph) { return vfield(1, 6) + field(7, graph); }

std::string writeFile(const std::string& name, const std::string& bytes) {
    const std::string dir = cnnscope::test::tempDir();
    const std::string p = (fs::path(dir) / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
}

std::string onnxError(const std::string& bytes) {
    auto st = checkOnnxFile(writeFile("m.onnx", bytes));
    return st ? std::string() : st.error();
}

}  // namespace

TEST_CASE("ONNX pre-import check: a well-formed conv passes, each lie is named") {
    const std::string conv = node("Conv", {"X", "W", "B"}, "Y");
    const std::string good = field(1, conv) + field(5, tensor("W", {4, 3, 3, 3}, 432)) + field(5, tensor("B", {4}, 16));
    CHECK(onnxError(model(good)).empty());
    CHECK(onnxError(model(field(1, conv) + field(5, tensor("W", {4, 3, 3, 3}, 8)) + field(5, tensor("B", {4}, 16))))
              .find("initializer 'W', input of node 'Conv_1' (Conv), declares dims (4,3,3,3) = 108 float32 values (432 bytes) but holds 8 bytes") !=
          std::string::npos);
    CHECK(onnxError(model(field(1, conv) + field(5, tensor("B", {4}, 16)))).find("takes its weight 'W' from the graph") != std::string::npos);
    CHECK(onnxError(model(field(1, conv) + field(5, tensor("W", {4, 3, 3, 3}, 432)) + field(5, tensor("B", {5}, 20))))
              .find("bias 'B' has 5 values") != std::string::npos);
    // a Constant node's tensor is checked like an initializer
    const std::string constant = node("Constant", {}, "W", field(5, field(1, "value") + field(5, tensor("", {4, 3, 3, 3}, 4))));
    CHECK(onnxError(model(field(1, constant) + field(1, conv) + field(5, tensor("B", {4}, 16)))).find("node 'Constant_1'") !=
          std::string::npos);
}

TEST_CASE("ONNX pre-import check: the reader stays inside the file") {
    const std::string good = field(1, node("Relu", {"X"}, "Y"));
    // every prefix of a valid model either parses or is 'truncated or corrupt'
    const std::string full = model(field(1, node("Conv", {"X", "W"}, "Y")) + field(5, tensor("W", {4, 3, 3, 3}, 432)));
    for (size_t n = 0; n < full.size(); ++n) {
        const std::string e = onnxError(full.substr(0, n));
        CHECK_MESSAGE((e.find("truncated or corrupt") != std::string::npos || e.find("not an ONNX model") != std::string::npos ||
                       e.find("from the graph") != std::string::npos || e.find("holds") != std::string::npos),
                      n << ": " << e);
    }
    // a length of 2^60, a varint that never ends, a wire type ONNX does not use
    CHECK(onnxError(vfield(1, 6) + varint(7 << 3 | 2) + varint(uint64_t(1) << 60) + good).find("truncated or corrupt") != std::string::npos);
    CHECK(onnxError(std::string(20, '\xff')).find("truncated or corrupt") != std::string::npos);
    CHECK(onnxError(varint(7 << 3 | 3) + good).find("truncated or corrupt") != std::string::npos);
    // graphs nested in node attributes, 200 deep
    std::string g = good;
    for (int i = 0; i < 200; ++i) g = field(1, node("If", {"c"}, "o" + std::to_string(i), field(5, field(1, "then_branch") + field(6, g))));
    CHECK(onnxError(model(g)).find("nests graphs more than") != std::string::npos);
}

TEST_CASE("Caffe pre-import check: blobs hold what their shapes say") {
    auto blob = [](std::vector<int64_t> dims, size_t values) {
        std::string d;
        for (int64_t v : dims) d += varint(uint64_t(v));
        return field(7, field(1, d)) + field(5, std::string(values * 4, '\0'));
    };
    auto error = [](const std::string& bytes) {
        auto st = checkCaffeModel(writeFile("m.caffemodel", bytes));
        return st ? std::string() : st.error();
    };
    const std::string layer = field(1, "conv1") + field(2, "Convolution");
    CHECK(error(field(100, layer + field(7, blob({4, 3, 3, 3}, 108)) + field(7, blob({4}, 4)))).empty());
    CHECK(error(field(100, layer + field(7, blob({4, 3, 3, 3}, 100)))).find("layer 'conv1', blob 0 declares shape (4,3,3,3) = 108 values but holds 100") !=
          std::string::npos);
    const std::string full = field(100, layer + field(7, blob({4, 3, 3, 3}, 108)));
    CHECK(error(full.substr(0, full.size() / 2)).find("truncated or corrupt") != std::string::npos);
}

TEST_CASE("shownName: names from a model file print safely") {
    CHECK(shownName("block1_conv1") == "block1_conv1");
    CHECK(shownName("conv\xc3\xa9") == "conv\xc3\xa9");                        // valid UTF-8 kept
    CHECK(shownName("\x1b[2Jx\x07") == "\\x1b[2Jx\\x07");                     // terminal escapes shown, not sent
    CHECK(shownName("a\xff\xfe" "b") == "a\\xff\\xfeb");                      // not UTF-8
    CHECK(shownName("\xe2\x82") == "\\xe2\\x82");                             // a sequence cut short
    CHECK(shownName("\xc0\xaf") == "\\xc0\\xaf");                             // an overlong '/'
    const std::string longName(1000, 'a');
    CHECK(shownName(longName).size() < 130);
}
