// Fuzz target: the Keras .h5 reader's handling of attribute contents. The input decides the
// layer_names and weight_names strings (fixed or variable length, any bytes), and the shapes of
// the datasets they point at; the file itself is a valid HDF5 file, so what is fuzzed is our
// reading of it, not libhdf5's parser.
#include "core/model/keras_h5.hpp"

#include <hdf5.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

struct Input {
    const uint8_t* p;
    size_t n;
    uint8_t byte() {
        if (!n) return 0;
        --n;
        return *p++;
    }
    std::string str() {
        const size_t len = byte() % 24;
        std::string s;
        for (size_t i = 0; i < len && n; ++i) s += char(byte());
        return s;
    }
};

void writeStrings(hid_t obj, const char* name, const std::vector<std::string>& v, bool variable) {
    hid_t type = H5Tcopy(H5T_C_S1);
    hsize_t dims[1] = {v.size()};
    hid_t space = v.empty() ? H5Screate(H5S_NULL) : H5Screate_simple(1, dims, nullptr);
    if (variable) {
        H5Tset_size(type, H5T_VARIABLE);
        std::vector<const char*> ptrs;
        for (const auto& s : v) ptrs.push_back(s.c_str());
        hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0 && !v.empty()) H5Awrite(a, type, ptrs.data());
        if (a >= 0) H5Aclose(a);
    } else {
        size_t len = 1;
        for (const auto& s : v) len = std::max(len, s.size());
        H5Tset_size(type, len);
        std::vector<char> buf(len * v.size(), '\0');
        for (size_t i = 0; i < v.size(); ++i) std::copy(v[i].begin(), v[i].end(), buf.begin() + long(i * len));
        hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (a >= 0 && !v.empty()) H5Awrite(a, type, buf.data());
        if (a >= 0) H5Aclose(a);
    }
    H5Sclose(space);
    H5Tclose(type);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    Input in{data, size};
    const std::string path = "/tmp/cnnscope-fuzz-h5-" + std::to_string(::getpid()) + ".h5";
    hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) return 0;
    const int layers = in.byte() % 5;
    std::vector<std::string> names;
    for (int i = 0; i < layers; ++i) names.push_back(in.str());
    writeStrings(file, "layer_names", names, in.byte() & 1);
    for (const auto& name : names) {
        if (name.empty() || name.find('/') != std::string::npos || name == ".") continue;
        if (in.byte() % 4 == 0) continue;  // listed but missing
        hid_t g = H5Gcreate2(file, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (g < 0) continue;
        const int weights = in.byte() % 3;
        std::vector<std::string> wnames;
        for (int w = 0; w < weights; ++w) wnames.push_back(in.str());
        writeStrings(g, "weight_names", wnames, in.byte() & 1);
        for (const auto& w : wnames) {
            if (w.empty() || w.find('/') != std::string::npos || in.byte() % 3 == 0) continue;
            const int rank = 1 + in.byte() % 4;
            hsize_t dims[4];
            size_t total = 1;
            for (int d = 0; d < rank; ++d) {
                dims[d] = 1 + in.byte() % 5;
                total *= dims[d];
            }
            std::vector<float> values(total, 0.5f);
            hid_t space = H5Screate_simple(rank, dims, nullptr);
            hid_t ds = H5Dcreate2(g, w.c_str(), H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (ds >= 0) {
                H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
                H5Dclose(ds);
            }
            H5Sclose(space);
        }
        H5Gclose(g);
    }
    H5Fclose(file);
    auto result = cnnscope::readKerasH5(path);
    if (result.ok())
        for (const auto& l : *result)
            if (l.kind == cnnscope::SeqLayer::Kind::Conv && (l.weights.empty() || l.bias.cols != l.outChannels)) std::abort();
    std::remove(path.c_str());
    return 0;
}
