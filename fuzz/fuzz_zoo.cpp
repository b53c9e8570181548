// Fuzz target: the model catalogue (models.yml) reader.
#include "core/model/model_zoo.hpp"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = "/tmp/cnnscope-fuzz-zoo-" + std::to_string(::getpid()) + ".yml";
    {
        std::ofstream out(path, std::ios::binary);
        out << "%YAML:1.0\n---\n";
        out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    }
    auto zoo = cnnscope::loadZooFile(path);
    if (zoo.ok())
        for (const auto& e : *zoo)
            if (e.name.empty() || e.file.empty() || e.pre.stddev[0] == 0.0 ||
                (e.pre.size.width < 8 && !(e.style() && e.pre.size.area() == 0)))  // style: 0x0 follows the frame
                std::abort();
    std::remove(path.c_str());
    return 0;
}
