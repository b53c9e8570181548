// Test support: Keras-layout weight files and a naive reference forward.
#include "keras_file.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace cnnscope::test {

KLayer convLayer(const std::string& name, int in, int out, std::mt19937& rng) {
    KLayer l;
    l.name = name;
    l.in = in;
    l.out = out;
    std::normal_distribution<float> w(0.f, std::sqrt(2.f / (9.f * in)));
    std::uniform_real_distribution<float> b(-0.1f, 0.1f);
    l.kernel.resize(size_t(9) * in * out);
    for (float& v : l.kernel) v = w(rng);
    l.bias.resize(size_t(out));
    for (float& v : l.bias) v = b(rng);
    return l;
}

KLayer poolLayer(const std::string& name) {
    KLayer l;
    l.name = name;
    l.pool = true;
    return l;
}

KLayer denseLayer(const std::string& name, int in, int out, std::mt19937& rng) {
    KLayer l;
    l.name = name;
    l.dense = true;
    l.in = in;
    l.out = out;
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    l.kernel.resize(size_t(in) * out);
    for (float& v : l.kernel) v = u(rng);
    l.bias.assign(size_t(out), 0.5f);
    return l;
}

std::vector<KLayer> vgg19Layers(uint32_t seed) {
    std::mt19937 rng(seed);
    const int blocks[5][2] = {{2, 64}, {2, 128}, {4, 256}, {4, 512}, {4, 512}};
    std::vector<KLayer> layers;
    int ch = 3;
    for (int b = 0; b < 5; ++b) {
        for (int i = 0; i < blocks[b][0]; ++i) {
            layers.push_back(convLayer("block" + std::to_string(b + 1) + "_conv" + std::to_string(i + 1), ch, blocks[b][1], rng));
            ch = blocks[b][1];
        }
        layers.push_back(poolLayer("block" + std::to_string(b + 1) + "_pool"));
    }
    return layers;
}

namespace {

void check(herr_t r, const char* what) {
    if (r < 0) throw std::runtime_error(std::string("HDF5 test writer: ") + what);
}

void writeStringAttr(hid_t obj, const char* name, const std::vector<std::string>& values) {
    if (values.empty()) {
        // Keras stores an empty weight_names as a float64 array of shape (0,).
        hsize_t dims[1] = {0};
        hid_t space = H5Screate_simple(1, dims, nullptr);
        hid_t attr = H5Acreate2(obj, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
        check(attr, "create empty attr");
        H5Aclose(attr);
        H5Sclose(space);
        return;
    }
    size_t len = 1;
    for (const auto& v : values) len = std::max(len, v.size());
    std::vector<char> buf(len * values.size(), '\0');
    for (size_t i = 0; i < values.size(); ++i) std::copy(values[i].begin(), values[i].end(), buf.begin() + long(i * len));
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, len);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    hsize_t dims[1] = {values.size()};
    hid_t space = H5Screate_simple(1, dims, nullptr);
    hid_t attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    check(attr, "create attr");
    check(H5Awrite(attr, type, buf.data()), "write attr");
    H5Aclose(attr);
    H5Sclose(space);
    H5Tclose(type);
}

void writeDataset(hid_t group, const std::string& path, const std::vector<hsize_t>& dims, const std::vector<float>& data) {
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t space = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
    hid_t ds = H5Dcreate2(group, path.c_str(), H5T_IEEE_F32LE, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    check(ds, "create dataset");
    check(H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), "write dataset");
    H5Dclose(ds);
    H5Sclose(space);
    H5Pclose(lcpl);
}

}  // namespace

void writeKerasFile(const std::string& path, const std::vector<KLayer>& layers, Naming naming, bool nested) {
    hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    check(file, "create file");
    hid_t root = nested ? H5Gcreate2(file, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : file;
    std::vector<std::string> names = {"input_1"};
    for (const auto& l : layers) names.push_back(l.name);
    writeStringAttr(root, "layer_names", names);
    hid_t in = H5Gcreate2(root, "input_1", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    writeStringAttr(in, "weight_names", {});
    H5Gclose(in);
    for (const auto& l : layers) {
        hid_t g = H5Gcreate2(root, l.name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        check(g, "create group");
        if (l.pool) {
            writeStringAttr(g, "weight_names", {});
        } else {
            const std::string k = naming == Naming::Legacy ? l.name + "_W_1:0" : l.name + "/kernel:0";
            const std::string b = naming == Naming::Legacy ? l.name + "_b_1:0" : l.name + "/bias:0";
            writeStringAttr(g, "weight_names", {k, b});
            if (l.dense)
                writeDataset(g, k, {hsize_t(l.in), hsize_t(l.out)}, l.kernel);
            else
                writeDataset(g, k, {3, 3, hsize_t(l.in), hsize_t(l.out)}, l.kernel);
            writeDataset(g, b, {hsize_t(l.out)}, l.bias);
        }
        H5Gclose(g);
    }
    if (nested) H5Gclose(root);
    H5Fclose(file);
}

RefOutput referenceForward(const cv::Mat& bgr, const std::vector<KLayer>& layers, const std::string& upTo) {
    RefOutput x;
    x.c = 3;
    x.h = bgr.rows;
    x.w = bgr.cols;
    const double mean[3] = {103.939, 116.779, 123.68};
    x.data.resize(size_t(3) * x.h * x.w);
    for (int y = 0; y < x.h; ++y)
        for (int xx = 0; xx < x.w; ++xx)
            for (int c = 0; c < 3; ++c)
                x.data[(size_t(c) * x.h + y) * x.w + xx] = double(bgr.at<cv::Vec3b>(y, xx)[c]) - mean[c];
    for (const auto& l : layers) {
        if (l.dense) break;
        RefOutput y;
        if (l.pool) {
            y.c = x.c;
            y.h = x.h / 2;
            y.w = x.w / 2;
            y.data.resize(size_t(y.c) * y.h * y.w);
            for (int c = 0; c < y.c; ++c)
                for (int i = 0; i < y.h; ++i)
                    for (int j = 0; j < y.w; ++j) {
                        double m = -1e300;
                        for (int di = 0; di < 2; ++di)
                            for (int dj = 0; dj < 2; ++dj)
                                m = std::max(m, x.data[(size_t(c) * x.h + 2 * i + di) * x.w + 2 * j + dj]);
                        y.data[(size_t(c) * y.h + i) * y.w + j] = m;
                    }
        } else {
            y.c = l.out;
            y.h = x.h;
            y.w = x.w;
            y.data.assign(size_t(y.c) * y.h * y.w, 0.0);
            for (int o = 0; o < l.out; ++o) {
                double* dst = &y.data[size_t(o) * y.h * y.w];
                for (int i = 0; i < y.h * y.w; ++i) dst[i] = l.bias[size_t(o)];
                for (int ci = 0; ci < l.in; ++ci) {
                    const double* src = &x.data[size_t(ci) * x.h * x.w];
                    for (int ky = 0; ky < 3; ++ky)
                        for (int kx = 0; kx < 3; ++kx) {
                            const double w = l.kernel[((size_t(ky) * 3 + kx) * l.in + ci) * l.out + o];
                            for (int i = 0; i < y.h; ++i) {
                                const int si = i + ky - 1;
                                if (si < 0 || si >= x.h) continue;
                                for (int j = 0; j < y.w; ++j) {
                                    const int sj = j + kx - 1;
                                    if (sj < 0 || sj >= x.w) continue;
                                    dst[size_t(i) * y.w + j] += w * src[size_t(si) * x.w + sj];
                                }
                            }
                        }
                }
                for (int i = 0; i < y.h * y.w; ++i) dst[i] = std::max(0.0, dst[i]);
            }
        }
        x = std::move(y);
        if (l.name == upTo) return x;
    }
    throw std::runtime_error("reference: no layer " + upTo);
}

double relativeError(const cv::Mat& act, const RefOutput& ref) {
    if (act.dims != 4 || act.size[1] != ref.c || act.size[2] != ref.h || act.size[3] != ref.w) return 1e9;
    double maxRef = 0, maxDiff = 0;
    const float* a = act.ptr<float>();
    for (size_t i = 0; i < ref.data.size(); ++i) {
        maxRef = std::max(maxRef, std::abs(ref.data[i]));
        maxDiff = std::max(maxDiff, std::abs(double(a[i]) - ref.data[i]));
    }
    return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

std::string tempDir() {
    char tmpl[] = "/tmp/cnnscope-test-XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (!d) throw std::runtime_error("mkdtemp failed");
    return d;
}

SeqLayer seqConv(const std::string& name, int in, int out, std::mt19937& rng, float biasLo, float biasHi) {
    SeqLayer l;
    l.name = name;
    l.inChannels = in, l.outChannels = out;
    const int shape[4] = {out, in, 3, 3};
    l.weights.create(4, shape, CV_32F);
    std::normal_distribution<float> w(0.f, std::sqrt(2.f / (9.f * in)));
    for (size_t i = 0; i < l.weights.total(); ++i) l.weights.ptr<float>()[i] = w(rng);
    l.bias.create(1, out, CV_32F);
    std::uniform_real_distribution<float> b(biasLo, biasHi);
    for (int i = 0; i < out; ++i) l.bias.at<float>(i) = b(rng);
    return l;
}

}  // namespace cnnscope::test
