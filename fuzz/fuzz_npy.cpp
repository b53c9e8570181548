// Fuzz target: the .npy reader, and the writer round trip for whatever it accepts.
#include "core/io/npy.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    auto m = cnnscope::parseNpy(bytes);
    if (!m.ok() || m->total() > 4096) return 0;
    // Whatever parses must survive write -> read unchanged.
    const std::string path = "/tmp/cnnscope-fuzz-npy-" + std::to_string(::getpid()) + ".npy";
    if (!cnnscope::writeNpy(path, *m).ok()) std::abort();
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::remove(path.c_str());
    auto back = cnnscope::parseNpy(ss.str());
    if (!back.ok() || back->total() != m->total() || back->dims != m->dims) std::abort();
    if (m->total() && std::memcmp(back->data, m->data, m->total() * sizeof(float)) != 0) std::abort();
    return 0;
}
