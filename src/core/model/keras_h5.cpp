// Keras HDF5 weight file reader (HDF5 C API).
#include "core/model/keras_h5.hpp"

#include "core/base/parse.hpp"
#include "core/model/model_check.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>

namespace cnnscope {

namespace {

// Closes an HDF5 handle with the matching function.
class H5Handle {
public:
    H5Handle(hid_t id, herr_t (*closer)(hid_t)) : m_id(id), m_close(closer) {}
    ~H5Handle() { if (m_id >= 0) m_close(m_id); }
    H5Handle(const H5Handle&) = delete;
    H5Handle& operator=(const H5Handle&) = delete;
    hid_t get() const { return m_id; }
    bool valid() const { return m_id >= 0; }
private:
    hid_t m_id;
    herr_t (*m_close)(hid_t);
};

std::string trimNul(const char* p, size_t n) {
    size_t len = 0;
    while (len < n && p[len] != '\0') ++len;
    std::string s(p, len);
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
}

// Reads a 1-D string attribute (fixed-length or variable-length strings). nullopt if absent.
bool readStringListAttr(hid_t obj, const char* attrName, std::vector<std::string>& out, std::string& err) {
    if (H5Aexists(obj, attrName) <= 0) return false;
    H5Handle attr(H5Aopen(obj, attrName, H5P_DEFAULT), H5Aclose);
    if (!attr.valid()) { err = std::string("cannot open attribute ") + attrName; return false; }
    H5Handle type(H5Aget_type(attr.get()), H5Tclose);
    H5Handle space(H5Aget_space(attr.get()), H5Sclose);
    if (H5Tget_class(type.get()) != H5T_STRING) { err = std::string("attribute ") + attrName + " is not a string list"; return false; }
    int rank = H5Sget_simple_extent_ndims(space.get());
    hssize_t count = H5Sget_simple_extent_npoints(space.get());
    if (rank > 1 || count < 0 || count > 100000) { err = std::string("attribute ") + attrName + " has an unexpected shape"; return false; }
    out.clear();
    if (H5Tis_variable_str(type.get()) > 0) {
        std::vector<char*> ptrs(size_t(count), nullptr);
        H5Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.get(), H5T_VARIABLE);
        if (H5Aread(attr.get(), mem.get(), ptrs.data()) < 0) { err = std::string("cannot read attribute ") + attrName; return false; }
        for (char* p : ptrs) out.emplace_back(p ? p : "");
        H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
    } else {
        size_t len = H5Tget_size(type.get());
        if (len == 0 || len > 4096) { err = std::string("attribute ") + attrName + " has an unexpected string size"; return false; }
        std::vector<char> buf(len * size_t(count));
        H5Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mem.get(), len);
        H5Tset_strpad(mem.get(), H5T_STR_NULLPAD);
        if (H5Aread(attr.get(), mem.get(), buf.data()) < 0) { err = std::string("cannot read attribute ") + attrName; return false; }
        for (hssize_t i = 0; i < count; ++i) out.push_back(trimNul(buf.data() + size_t(i) * len, len));
    }
    return true;
}

struct Dataset {
    std::vector<hsize_t> dims;
    std::vector<float> data;
};

std::string shapeStr(const std::vector<hsize_t>& dims) {
    std::string s = "(";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
    return s + ")";
}

// A link access list under which HDF5 refuses to follow an external link (a second guard behind
// the link walk in openInFile).
herr_t refuseExternalLink(const char*, const char*, const char*, const char*, unsigned*, hid_t, void*) { return -1; }

hid_t inFileLinkAccess() {
    static hid_t lapl = [] {
        hid_t id = H5Pcreate(H5P_LINK_ACCESS);
        H5Pset_elink_cb(id, refuseExternalLink, nullptr);
        return id;
    }();
    return lapl;
}

// Opens the group or dataset at `path` under `loc` only when every link on the way is a hard link:
// soft and external links, which can lead to other files (or back into this one), are refused
// before they are followed. Invalid handle when the path does not exist.
hid_t openInFile(hid_t loc, const std::string& path, bool group, const std::string& what) {
    std::string prefix;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        if (slash > start) {
            prefix += (prefix.empty() ? "" : "/") + path.substr(start, slash - start);
            if (H5Lexists(loc, prefix.c_str(), inFileLinkAccess()) <= 0) return -1;
            H5L_info_t info;
            if (H5Lget_info(loc, prefix.c_str(), &info, inFileLinkAccess()) < 0) return -1;
            if (info.type != H5L_TYPE_HARD)
                throw CoreError(what + ": '" + shownName(prefix) + "' is " +
                                (info.type == H5L_TYPE_SOFT ? "a soft link" : info.type == H5L_TYPE_EXTERNAL ? "an external link (to another file)" : "a user-defined link") +
                                "; cnnscope reads only groups and datasets stored in the file itself (save the weights again with Keras)");
        }
        start = slash + 1;
    }
    return group ? H5Gopen2(loc, path.c_str(), H5P_DEFAULT) : H5Dopen2(loc, path.c_str(), H5P_DEFAULT);
}

// Refuses, before reading a byte of data, a dataset whose values are not stored in this file as
// plain or deflated bytes: external raw storage (any file, a device, a FIFO), virtual datasets
// (other files' datasets), filters HDF5 would load as plugins, and storage beyond the file's end.
void checkStoredInFile(hid_t ds, hid_t file, const std::string& where) {
    H5Handle dcpl(H5Dget_create_plist(ds), H5Pclose);
    if (!dcpl.valid()) throw CoreError(where + " cannot be inspected (corrupt file?)");
    const std::string fix = "; cnnscope reads only weights stored in the file itself (save the weights again with Keras)";
    if (int n = H5Pget_external_count(dcpl.get()); n != 0)
        throw CoreError(where + " keeps its values in " + (n > 0 ? std::to_string(n) : std::string("some")) +
                        " external file(s) (HDF5 external storage)" + fix);
    const H5D_layout_t layout = H5Pget_layout(dcpl.get());
    if (layout == H5D_VIRTUAL) throw CoreError(where + " is a virtual dataset (it maps datasets of other files)" + fix);
    if (layout != H5D_COMPACT && layout != H5D_CONTIGUOUS && layout != H5D_CHUNKED)
        throw CoreError(where + " has a storage layout cnnscope does not read" + fix);
    const int nfilters = H5Pget_nfilters(dcpl.get());
    for (int i = 0; i < nfilters; ++i) {
        unsigned flags = 0, config = 0;
        size_t nelmts = 0;
        char name[64] = {};
        const H5Z_filter_t id = H5Pget_filter2(dcpl.get(), unsigned(i), &flags, &nelmts, nullptr, sizeof name, name, &config);
        const bool builtIn = id == H5Z_FILTER_DEFLATE || id == H5Z_FILTER_SHUFFLE || id == H5Z_FILTER_FLETCHER32 ||
                             id == H5Z_FILTER_NBIT || id == H5Z_FILTER_SCALEOFFSET;
        if (!builtIn || H5Zfilter_avail(id) <= 0)
            throw CoreError(where + " is compressed with HDF5 filter " + std::to_string(int(id)) +
                            (name[0] ? std::string(" (") + name + ")" : std::string()) +
                            ", which is not built into HDF5 (only deflate/gzip, shuffle, fletcher32, n-bit and "
                            "scale-offset are read); save the weights again with Keras");
    }
    if (layout == H5D_CONTIGUOUS) {
        const haddr_t off = H5Dget_offset(ds);
        hsize_t fileBytes = 0;
        H5Fget_filesize(file, &fileBytes);
        if (off != HADDR_UNDEF && off + H5Dget_storage_size(ds) > fileBytes)
            throw CoreError(where + " is stored past the end of the file (" + std::to_string(fileBytes) +
                            " bytes): the file is truncated; download it again");
    }
}

// All the weights of a file together, as float32: 1 GiB is over ten times VGG19 (80 MB) and keeps a
// file of compressed zeros (a few MB that inflate to many GB) from exhausting memory.
constexpr unsigned long long kMaxWeightBytes = 1ull << 30;

Dataset readFloatDataset(hid_t group, const std::string& path, const std::string& what, unsigned long long& total) {
    H5Handle ds(openInFile(group, path, false, what), H5Dclose);
    if (!ds.valid()) throw CoreError(what + ": dataset '" + shownName(path) + "' listed in weight_names is missing");
    const std::string where = what + ": dataset '" + shownName(path) + "'";
    H5Handle file(H5Iget_file_id(group), H5Fclose);
    checkStoredInFile(ds.get(), file.get(), where);
    H5Handle type(H5Dget_type(ds.get()), H5Tclose);
    const size_t elementBytes = H5Tget_size(type.get());
    if (H5Tget_class(type.get()) != H5T_FLOAT || (elementBytes != 2 && elementBytes != 4 && elementBytes != 8))
        throw CoreError(where + " does not hold floating-point values (Keras weights are float16, float32 or float64)");
    H5Handle space(H5Dget_space(ds.get()), H5Sclose);
    int rank = H5Sget_simple_extent_ndims(space.get());
    if (rank < 1 || rank > 4) throw CoreError(where + " has rank " + std::to_string(rank));
    Dataset d;
    d.dims.resize(size_t(rank));
    H5Sget_simple_extent_dims(space.get(), d.dims.data(), nullptr);
    // Bounded by what the file can hold before anything is allocated: a chunked dataset that was
    // never written declares any shape for free.
    H5Handle dcpl(H5Dget_create_plist(ds.get()), H5Pclose);
    const bool filtered = dcpl.valid() && H5Pget_nfilters(dcpl.get()) > 0;
    hsize_t fileBytes = 0;
    if (file.valid()) H5Fget_filesize(file.get(), &fileBytes);
    if (auto st = checkDatasetBound(d.dims, elementBytes, H5Dget_storage_size(ds.get()), filtered, fileBytes); !st)
        throw CoreError(where + " " + st.error());
    size_t n = 1;
    for (hsize_t v : d.dims) n *= size_t(v);
    total += n * sizeof(float);
    if (total > kMaxWeightBytes)
        throw CoreError(where + " " + shapeStr(d.dims) + " brings the file's weights to " + std::to_string(total >> 20) +
                        " MB as float32, more than the " + std::to_string(kMaxWeightBytes >> 20) +
                        " MB cnnscope reads from a Keras file (the file declares far more than it stores, or is not a "
                        "convolutional network's weights)");
    d.data.resize(n);
    // float16 and float64 weights are converted to float32 by HDF5 as they are read.
    if (H5Dread(ds.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, d.data.data()) < 0)
        throw CoreError(what + ": cannot read dataset '" + shownName(path) + "' (file truncated or corrupt?)");
    return d;
}

bool isHdf5Signature(const std::string& path) {
    static const unsigned char kMagic[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    // The superblock may sit at 0, 512, 1024, 2048, ...
    bool found = false;
    for (long off = 0; off <= 8192 && !found; off = off ? off * 2 : 512) {
        unsigned char buf[8] = {};
        if (std::fseek(f, off, SEEK_SET) != 0 || std::fread(buf, 1, 8, f) != 8) break;
        found = std::memcmp(buf, kMagic, 8) == 0;
    }
    std::fclose(f);
    return found;
}

// A dense layer's Keras kernel (in, out) as OpenCV's (out, in). For the first one (`c` > 0) the
// rows are Keras's flatten of an (h, w, c) map and go to OpenCV's (c, h, w) order.
SeqLayer denseFrom(const std::string& name, const Dataset& kernel, const Dataset* bias, int c, int h, int w) {
    const int in = int(kernel.dims[0]), out = int(kernel.dims[1]);
    SeqLayer d;
    d.name = name;
    d.kind = SeqLayer::Kind::Dense;
    d.kh = d.kw = 1;
    d.inChannels = in;
    d.outChannels = out;
    d.weights.create(out, in, CV_32F);
    const float* src = kernel.data.data();
    const int hw = h * w;
    cv::parallel_for_(cv::Range(0, out), [&](const cv::Range& r) {
        for (int o = r.start; o < r.end; ++o) {
            float* dst = d.weights.ptr<float>(o);
            if (c > 0) {
                // Keras row (p * c + ch) <- OpenCV column (ch * hw + p), p = y * w + x
                for (int p = 0; p < hw; ++p)
                    for (int ch = 0; ch < c; ++ch) dst[size_t(ch) * hw + p] = src[(size_t(p) * c + ch) * out + o];
            } else {
                for (int i = 0; i < in; ++i) dst[i] = src[size_t(i) * out + o];
            }
        }
    });
    d.bias = cv::Mat::zeros(1, out, CV_32F);
    if (bias) std::memcpy(d.bias.ptr<float>(), bias->data.data(), sizeof(float) * size_t(out));
    return d;
}

std::vector<SeqLayer> readLayers(const std::string& path, SeqHead* head) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors come back as values, not stderr noise
    H5PLset_loading_state(0);                     // a file never makes HDF5 load a filter plugin
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw CoreError("model file '" + path + "' does not exist");
    if (!isHdf5Signature(path))
        throw CoreError("'" + path + "' is not an HDF5 file (expected a Keras .h5 weight file such as "
                        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5)");
    H5Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file.valid())
        throw CoreError("cannot open HDF5 file '" + path + "' (truncated or corrupt? re-download it with: cnnscope fetch)");

    hid_t root = file.get();
    std::unique_ptr<H5Handle> nested;
    std::vector<std::string> layerNames;
    std::string err;
    if (!readStringListAttr(root, "layer_names", layerNames, err)) {
        if (!err.empty()) throw CoreError("'" + path + "': " + err);
        if (H5Lexists(root, "model_weights", H5P_DEFAULT) > 0) {
            nested = std::make_unique<H5Handle>(openInFile(root, "model_weights", true, "'" + path + "'"), H5Gclose);
            if (nested->valid() && readStringListAttr(nested->get(), "layer_names", layerNames, err)) root = nested->get();
        }
        if (layerNames.empty())
            throw CoreError("'" + path + "' is HDF5 but not a Keras weight file: no 'layer_names' attribute" +
                            (err.empty() ? std::string() : " (" + err + ")"));
    }

    std::vector<SeqLayer> layers;
    int channels = 3;
    unsigned long long totalBytes = 0;
    bool inHead = false;  // past the first dense layer (only when the head is asked for)
    if (head) *head = SeqHead{};
    for (const std::string& lname : layerNames) {
        const std::string what = "'" + path + "', layer '" + shownName(lname) + "'";
        if (H5Lexists(root, lname.c_str(), inFileLinkAccess()) <= 0)
            throw CoreError(what + " is listed in layer_names but missing from the file (truncated or edited file?)");
        H5Handle group(openInFile(root, lname, true, what), H5Gclose);
        if (!group.valid()) throw CoreError(what + " cannot be opened (corrupt file?)");
        std::vector<std::string> weightNames;
        readStringListAttr(group.get(), "weight_names", weightNames, err);
        if (weightNames.empty() && inHead) continue;  // flatten, dropout: nothing to build
        if (weightNames.empty()) {
            if (lower(lname).find("pool") != std::string::npos) {
                SeqLayer pool;
                pool.name = lname;
                pool.kind = SeqLayer::Kind::MaxPool;
                pool.kh = pool.kw = 2;
                pool.inChannels = pool.outChannels = channels;
                layers.push_back(std::move(pool));
            }
            continue;  // input, flatten, ... carry no weights
        }
        Dataset kernel, bias;
        bool haveKernel = false, haveBias = false;
        for (const std::string& wname : weightNames) {
            Dataset d = readFloatDataset(group.get(), wname, what, totalBytes);
            if (d.dims.size() >= 2 && !haveKernel) { kernel = std::move(d); haveKernel = true; }
            else if (d.dims.size() == 1 && !haveBias) { bias = std::move(d); haveBias = true; }
            else  // every listed weight is used or the layer is refused, never dropped unseen
                throw CoreError(what + ": weight '" + shownName(wname) + "' " + shapeStr(d.dims) + " is neither its kernel nor its bias "
                                "(a convolution has one kernel (kh,kw,in,out) and at most one bias (out)); cnnscope reads "
                                "plain convolution stacks such as VGG19");
        }
        if (!haveKernel) throw CoreError(what + " has weights but no kernel");
        if (kernel.dims.size() == 2 && !head) break;  // first dense layer: the classifier top, not asked for
        if (kernel.dims.size() == 2) {
            const int in = int(kernel.dims[0]), out = int(kernel.dims[1]);
            if (haveBias && bias.dims[0] != hsize_t(out))
                throw CoreError(what + ": bias has " + std::to_string(bias.dims[0]) + " values, kernel has " +
                                std::to_string(out) + " outputs");
            if (!inHead) {
                // fc1 reads the last map flattened: (h, w, c) with h = w, c its channels.
                if (layers.empty()) throw CoreError(what + " is a dense layer before any convolution; cnnscope reads VGG-like stacks");
                const int side = int(std::lround(std::sqrt(double(in) / std::max(1, channels))));
                if (in % channels != 0 || side * side * channels != in)
                    throw CoreError(what + ": kernel " + shapeStr(kernel.dims) + " reads " + std::to_string(in) +
                                    " values, not a square map of the " + std::to_string(channels) + " channels of '" +
                                    shownName(layers.back().name) + "' flattened (h*w*" + std::to_string(channels) +
                                    "); cnnscope reads VGG-style heads (Flatten, then Dense)");
                head->input = layers.back().name;
                head->c = channels, head->h = side, head->w = side;
                head->dense.push_back(denseFrom(lname, kernel, haveBias ? &bias : nullptr, channels, side, side));
                inHead = true;
            } else {
                if (in != head->dense.back().outChannels)
                    throw CoreError(what + ": kernel " + shapeStr(kernel.dims) + " reads " + std::to_string(in) +
                                    " values but '" + shownName(head->dense.back().name) + "' gives " +
                                    std::to_string(head->dense.back().outChannels));
                head->dense.push_back(denseFrom(lname, kernel, haveBias ? &bias : nullptr, 0, 0, 0));
            }
            continue;
        }
        if (inHead)
            throw CoreError(what + ": a kernel " + shapeStr(kernel.dims) + " after the dense layers; cnnscope reads "
                            "VGG-style heads (dense layers only after the last convolution)");
        if (kernel.dims.size() != 4)
            throw CoreError(what + ": kernel has shape " + shapeStr(kernel.dims) + ", expected (kh,kw,in,out)");
        const int kh = int(kernel.dims[0]), kw = int(kernel.dims[1]), cin = int(kernel.dims[2]), cout = int(kernel.dims[3]);
        if (cin != channels)
            throw CoreError(what + ": kernel " + shapeStr(kernel.dims) + " expects " + std::to_string(cin) +
                            " input channels but the previous layer gives " + std::to_string(channels));
        if (haveBias && bias.dims[0] != hsize_t(cout))
            throw CoreError(what + ": bias has " + std::to_string(bias.dims[0]) + " values, kernel has " +
                            std::to_string(cout) + " outputs");
        SeqLayer conv;
        conv.name = lname;
        conv.kind = SeqLayer::Kind::Conv;
        conv.kh = kh;
        conv.kw = kw;
        conv.inChannels = cin;
        conv.outChannels = cout;
        int sz[4] = {cout, cin, kh, kw};
        conv.weights.create(4, sz, CV_32F);
        float* dst = conv.weights.ptr<float>();
        const float* src = kernel.data.data();
        // (kh, kw, in, out) -> (out, in, kh, kw)
        for (int y = 0; y < kh; ++y)
            for (int x = 0; x < kw; ++x)
                for (int i = 0; i < cin; ++i)
                    for (int o = 0; o < cout; ++o)
                        dst[((size_t(o) * cin + i) * kh + y) * kw + x] = src[((size_t(y) * kw + x) * cin + i) * cout + o];
        conv.bias = cv::Mat::zeros(1, cout, CV_32F);
        if (haveBias) std::memcpy(conv.bias.ptr<float>(), bias.data.data(), sizeof(float) * size_t(cout));
        channels = cout;
        layers.push_back(std::move(conv));
    }
    if (std::none_of(layers.begin(), layers.end(), [](const SeqLayer& l) { return l.kind == SeqLayer::Kind::Conv; }))
        throw CoreError("'" + path + "' holds no convolution layers");
    if (head && !head->dense.empty()) head->dense.back().relu = false;  // predictions: its softmax is applied later

    const std::string base = lower(std::filesystem::path(path).filename().string());
    if (base.find("vgg19") != std::string::npos) {
        for (const VggConvSpec& spec : vgg19ConvSpecs()) {
            auto it = std::find_if(layers.begin(), layers.end(), [&](const SeqLayer& l) { return l.name == spec.name; });
            if (it == layers.end())
                throw CoreError("'" + path + "' is named as VGG19 weights but lacks layer '" + std::string(spec.name) +
                                "' (incomplete download? run: cnnscope fetch)");
            if (it->inChannels != spec.in || it->outChannels != spec.out || it->kh != 3 || it->kw != 3)
                throw CoreError("'" + path + "': layer '" + spec.name + "' has kernel (" + std::to_string(it->kh) + "," +
                                std::to_string(it->kw) + "," + std::to_string(it->inChannels) + "," +
                                std::to_string(it->outChannels) + "), VGG19 has (3,3," + std::to_string(spec.in) + "," +
                                std::to_string(spec.out) + ")");
        }
    }
    return layers;
}

}  // namespace

Status checkDatasetBound(const std::vector<unsigned long long>& dims, size_t elementBytes, unsigned long long storageBytes,
                         bool filtered, unsigned long long fileBytes) {
    long double declared = (long double)elementBytes;
    std::string shape = "(";
    for (size_t i = 0; i < dims.size(); ++i) {
        declared *= (long double)dims[i];
        shape += (i ? "," : "") + std::to_string(dims[i]);
    }
    shape += ")";
    auto bytes = [](long double b) { return std::to_string((unsigned long long)std::min(b, (long double)1e19)) + " bytes"; };
    if (declared == 0) return Error{"has shape " + shape + " with no values"};
    if (declared > (long double)(uint64_t(1) << 33))
        return Error{"declares shape " + shape + " (" + bytes(declared) + "), more than any weight tensor (8 GB)"};
    // Without compression the stored bytes are the data; with it, deflate's best case is ~1032:1.
    const long double holds = filtered ? (long double)storageBytes * 1100 : (long double)storageBytes;
    if (declared > holds || declared > (long double)fileBytes * 1100)
        return Error{"declares shape " + shape + " (" + bytes(declared) + ") but the file stores only " +
                     std::to_string(storageBytes) + " bytes for it (never written, or truncated)"};
    return {};
}

const std::vector<VggConvSpec>& vgg19ConvSpecs() {
    static const std::vector<VggConvSpec> specs = {
        {"block1_conv1", 3, 64},    {"block1_conv2", 64, 64},
        {"block2_conv1", 64, 128},  {"block2_conv2", 128, 128},
        {"block3_conv1", 128, 256}, {"block3_conv2", 256, 256}, {"block3_conv3", 256, 256}, {"block3_conv4", 256, 256},
        {"block4_conv1", 256, 512}, {"block4_conv2", 512, 512}, {"block4_conv3", 512, 512}, {"block4_conv4", 512, 512},
        {"block5_conv1", 512, 512}, {"block5_conv2", 512, 512}, {"block5_conv3", 512, 512}, {"block5_conv4", 512, 512},
    };
    return specs;
}

Expected<std::vector<SeqLayer>> readKerasH5(const std::string& path, SeqHead* head) {
    return guard([&]() -> Expected<std::vector<SeqLayer>> { return readLayers(path, head); });
}

SeqHead vgg19UntrainedHead(uint64_t seed) {
    cv::RNG rng(seed ^ 0x9e3779b97f4a7c15ull);
    SeqHead head;
    head.input = "block5_pool";
    head.c = 512, head.h = 7, head.w = 7;
    const std::pair<const char*, std::pair<int, int>> specs[] = {
        {"fc1", {25088, 4096}}, {"fc2", {4096, 4096}}, {"predictions", {4096, 1000}}};
    for (const auto& [name, io] : specs) {
        SeqLayer d;
        d.name = name;
        d.kind = SeqLayer::Kind::Dense;
        d.kh = d.kw = 1;
        d.inChannels = io.first;
        d.outChannels = io.second;
        d.weights.create(io.second, io.first, CV_32F);
        rng.fill(d.weights, cv::RNG::NORMAL, 0.0, std::sqrt(2.0 / io.first));  // He normal, fan_in
        d.bias = cv::Mat::zeros(1, io.second, CV_32F);
        head.dense.push_back(std::move(d));
    }
    head.dense.back().relu = false;
    return head;
}

std::vector<SeqLayer> vgg19Untrained(uint64_t seed) {
    cv::RNG rng(seed);
    std::vector<SeqLayer> layers;
    int block = 1;
    for (const VggConvSpec& spec : vgg19ConvSpecs()) {
        const std::string name = spec.name;
        const int thisBlock = name[5] - '0';
        if (thisBlock != block) {
            SeqLayer pool;
            pool.name = "block" + std::to_string(block) + "_pool";
            pool.kind = SeqLayer::Kind::MaxPool;
            pool.kh = pool.kw = 2;
            pool.inChannels = pool.outChannels = spec.in;
            layers.push_back(pool);
            block = thisBlock;
        }
        SeqLayer conv;
        conv.name = name;
        conv.inChannels = spec.in;
        conv.outChannels = spec.out;
        int sz[4] = {spec.out, spec.in, 3, 3};
        conv.weights.create(4, sz, CV_32F);
        rng.fill(conv.weights, cv::RNG::NORMAL, 0.0, std::sqrt(2.0 / (9.0 * spec.in)));  // He normal, fan_in
        conv.bias = cv::Mat::zeros(1, spec.out, CV_32F);
        layers.push_back(std::move(conv));
    }
    SeqLayer pool;
    pool.name = "block5_pool";
    pool.kind = SeqLayer::Kind::MaxPool;
    pool.kh = pool.kw = 2;
    pool.inChannels = pool.outChannels = 512;
    layers.push_back(pool);
    return layers;
}

}  // namespace cnnscope
