// The oneDNN convolution layer: per-layer Winograd/direct choice, weights reordered once,
// primitives built at the first forward (after OpenCV has fused the activation), buffers kept
// across frames, everything else handed to OpenCV's own layer.
#include "core/model/onednn_conv.hpp"

#include <dnnl.h>
#include <dnnl.hpp>
#include <omp.h>

#include <opencv2/core/utility.hpp>
#include <opencv2/dnn/shape_utils.hpp>

#include <algorithm>
#include <mutex>
#include <optional>

namespace cnnscope {

namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Dt = memory::data_type;

dnnl::engine& cpuEngine() {
    static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    return engine;
}

}  // namespace

bool winogradOnThisCpu() {
    static const bool available = [] {
        // VGG19's block2_conv2 shape at a small size: any CPU that has oneDNN's Winograd takes it.
        const memory::dims src{1, 64, 16, 16}, wei{64, 64, 3, 3}, bias{64}, dst{1, 64, 16, 16};
        try {
            dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_winograd,
                                              memory::desc(src, Dt::f32, Tag::any), memory::desc(wei, Dt::f32, Tag::any),
                                              memory::desc(bias, Dt::f32, Tag::x), memory::desc(dst, Dt::f32, Tag::any),
                                              {1, 1}, {1, 1}, {1, 1});
            dnnl::convolution_forward::primitive_desc pd(d, cpuEngine());
            return true;
        } catch (const dnnl::error&) {
            return false;
        }
    }();
    return available;
}

namespace {

// Auto picks Winograd for 3x3 stride-1 convolutions with at least this many input channels:
// below it (VGG19's block1_conv1 has 3) Winograd's transforms cost more than they save.
constexpr int kAutoWinogradMinInChannels = 16;

struct Choice {
    std::string kernel = "opencv";  // winograd, direct, opencv
    std::string why;
};

// A primitive ready to run on one input shape.
struct Plan {
    cv::dnn::MatShape in, out;
    ConvMode mode = ConvMode::Auto;
    const void* activ = nullptr;  // the fused activation layer it was made for
    Choice choice;
    std::string impl;
    bool postActivation = false;  // activation applied after the conv (not a oneDNN post-op)
    dnnl::convolution_forward::primitive_desc pd;
    // Set by build(): primitives and buffers, kept across frames.
    dnnl::convolution_forward conv;
    dnnl::reorder srcReorder, dstReorder;
    bool reorderSrc = false, reorderDst = false;
    memory userSrc, userDst, src, dst, weights, scratch;
    std::vector<dnnl_exec_arg_t> convArgs, srcArgs, dstArgs;  // the C API takes arrays: no map per frame
};

// Plans kept per layer: one per (shape, mode), so that `bench --conv a,b,c` switching modes
// frame by frame reuses them instead of rebuilding.
constexpr size_t kMaxPlans = 6;

class OneDnnConvLayer final : public FastConvLayer {
public:
    explicit OneDnnConvLayer(cv::dnn::LayerParams& params) : m_inner(cv::dnn::ConvolutionLayer::create(params)) {
        setParamsFrom(params);
        copyGeometry();
    }

    void weightsChanged() override {
        m_plans.clear();  // their reordered weights are the old ones
        m_biasMem = memory();
        m_bias.release();
    }

    ConvLayerReport report(const std::string& target) const override {
        ConvLayerReport r;
        r.name = name;
        std::lock_guard<std::mutex> lock(m_infoMutex);
        if (target != "cpu") {
            r.kernel = "opencv";
            r.why = "target " + target;
            return r;
        }
        if (m_ran && m_ranIn == m_lastIn && m_ranMode == convMode()) {
            r.kernel = m_ranChoice.kernel;
            r.why = m_ranChoice.why;
            r.impl = m_ranImpl;
            return r;
        }
        r.planned = true;
        if (m_lastIn.size() != 4) {
            r.kernel = "opencv";
            r.why = "input shape not known yet";
            return r;
        }
        std::optional<Plan> plan;
        try {
            plan = makePlan(m_lastIn, outShape(m_lastIn), convMode());
        } catch (const std::exception& e) {
            r.kernel = "opencv";
            r.why = std::string("oneDNN: ") + e.what();
            return r;
        }
        r.kernel = plan->choice.kernel;
        r.why = plan->choice.why;
        r.impl = plan->impl;
        return r;
    }

    bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& inputs, const int requiredOutputs,
                         std::vector<cv::dnn::MatShape>& outputs, std::vector<cv::dnn::MatShape>& internals) const override {
        if (!inputs.empty()) {
            std::lock_guard<std::mutex> lock(m_infoMutex);
            m_lastIn = inputs[0];
        }
        return m_inner->getMemoryShapes(inputs, requiredOutputs, outputs, internals);
    }

    int64 getFLOPS(const std::vector<cv::dnn::MatShape>& inputs, const std::vector<cv::dnn::MatShape>& outputs) const override {
        return m_inner->getFLOPS(inputs, outputs);
    }

    bool supportBackend(int backendId) override { return m_inner->supportBackend(backendId); }

    void finalize(cv::InputArrayOfArrays inputs, cv::OutputArrayOfArrays outputs) override {
        syncInner();
        m_inner->finalize(inputs, outputs);
        copyGeometry();  // padMode SAME/VALID pads are computed here
        if (inputs.total() >= 1) {
            const cv::Mat in = inputs.getMat(0);
            const cv::dnn::MatShape out = outputs.total() >= 1 ? cv::dnn::shape(outputs.getMat(0)) : cv::dnn::MatShape();
            m_staticWhy = unsupported(cv::dnn::shape(in), out, in.depth());
        }
    }

    bool setActivation(const cv::Ptr<cv::dnn::ActivationLayer>& layer) override {
        syncInner();
        const bool fused = m_inner->setActivation(layer);
        m_activ = fused ? layer : cv::Ptr<cv::dnn::ActivationLayer>();
        return fused;
    }

    // BatchNorm/Scale folding changes OpenCV's weights: keep it on the targets and layers where
    // OpenCV's layer runs for good; on the CPU (where the mode may change at any frame) the
    // following layer runs on its own instead.
    bool tryFuse(cv::Ptr<cv::dnn::Layer>& top) override {
        if (preferableTarget == cv::dnn::DNN_TARGET_CPU && m_staticWhy.empty()) return false;
        syncInner();
        return m_inner->tryFuse(top);
    }

    void forward(cv::InputArrayOfArrays inputs, cv::OutputArrayOfArrays outputs, cv::OutputArrayOfArrays internals) override {
        const ConvMode mode = convMode();
        if (!usable(inputs, outputs, mode)) {
            syncInner();
            m_inner->forward(inputs, outputs, internals);
            if (inputs.total() >= 1) setShape(m_inShape, inputs.getMat(0));
            recordRun(nullptr, mode, [&] { return Choice{"opencv", whyOpenCV(inputs, mode)}; }, {});
            return;
        }
        const cv::Mat in = inputs.getMat(0);
        cv::Mat& out = outputs.getMatRef(0);
        setShape(m_inShape, in);  // reused vectors: no allocation per frame
        setShape(m_outShape, out);
        Plan& plan = planFor(m_inShape, m_outShape, mode);
        if (plan.choice.kernel == "opencv") {  // oneDNN had nothing for it
            syncInner();
            m_inner->forward(inputs, outputs, internals);
        } else {
            run(plan, in, out);
        }
        recordRun(&plan, mode, [&] { return plan.choice; }, plan.impl);
    }

    // Everything below: OpenCV's layer, unchanged.
    bool tryQuantize(const std::vector<std::vector<float>>& scales, const std::vector<std::vector<int>>& zeropoints,
                     cv::dnn::LayerParams& params) override {
        return m_inner->tryQuantize(scales, zeropoints, params);
    }
    cv::Ptr<cv::dnn::BackendNode> initHalide(const std::vector<cv::Ptr<cv::dnn::BackendWrapper>>& inputs) override {
        syncInner();
        return m_inner->initHalide(inputs);
    }
    cv::Ptr<cv::dnn::BackendNode> initNgraph(const std::vector<cv::Ptr<cv::dnn::BackendWrapper>>& inputs,
                                             const std::vector<cv::Ptr<cv::dnn::BackendNode>>& nodes) override {
        syncInner();
        return m_inner->initNgraph(inputs, nodes);
    }
    cv::Ptr<cv::dnn::BackendNode> initVkCom(const std::vector<cv::Ptr<cv::dnn::BackendWrapper>>& inputs) override {
        syncInner();
        return m_inner->initVkCom(inputs);
    }
    cv::Ptr<cv::dnn::BackendNode> initWebnn(const std::vector<cv::Ptr<cv::dnn::BackendWrapper>>& inputs,
                                            const std::vector<cv::Ptr<cv::dnn::BackendNode>>& nodes) override {
        syncInner();
        return m_inner->initWebnn(inputs, nodes);
    }
    cv::Ptr<cv::dnn::BackendNode> initCUDA(void* context, const std::vector<cv::Ptr<cv::dnn::BackendWrapper>>& inputs,
                                           const std::vector<cv::Ptr<cv::dnn::BackendWrapper>>& outputs) override {
        syncInner();
        return m_inner->initCUDA(context, inputs, outputs);
    }
    cv::Ptr<cv::dnn::BackendNode> initTimVX(void* info, const std::vector<cv::Ptr<cv::dnn::BackendWrapper>>& inputs,
                                            const std::vector<cv::Ptr<cv::dnn::BackendWrapper>>& outputs, bool isLast) override {
        syncInner();
        return m_inner->initTimVX(info, inputs, outputs, isLast);
    }
    void applyHalideScheduler(cv::Ptr<cv::dnn::BackendNode>& node, const std::vector<cv::Mat*>& inputs,
                              const std::vector<cv::Mat>& outputs, int targetId) const override {
        m_inner->applyHalideScheduler(node, inputs, outputs, targetId);
    }
    cv::Ptr<cv::dnn::BackendNode> tryAttach(const cv::Ptr<cv::dnn::BackendNode>& node) override { return m_inner->tryAttach(node); }
    void getScaleShift(cv::Mat& scale, cv::Mat& shift) const override { m_inner->getScaleShift(scale, shift); }
    bool updateMemoryShapes(const std::vector<cv::dnn::MatShape>& inputs) override { return m_inner->updateMemoryShapes(inputs); }

private:
    void syncInner() { m_inner->preferableTarget = preferableTarget; }

    void copyGeometry() {
        // The deprecated cv::Size fields too: code that reads them keeps working.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        kernel = m_inner->kernel;
        stride = m_inner->stride;
        pad = m_inner->pad;
        dilation = m_inner->dilation;
        adjustPad = m_inner->adjustPad;
#pragma GCC diagnostic pop
        adjust_pads = m_inner->adjust_pads;
        kernel_size = m_inner->kernel_size;
        strides = m_inner->strides;
        dilations = m_inner->dilations;
        pads_begin = m_inner->pads_begin;
        pads_end = m_inner->pads_end;
        padMode = m_inner->padMode;
        numOutput = m_inner->numOutput;
    }

    // Why oneDNN is not used for this layer whatever the mode, or "" when it can be.
    std::string unsupported(const cv::dnn::MatShape& in, const cv::dnn::MatShape& out, int depth) const {
        if (blobs.empty()) return "weights are an input";
        if (kernel_size.size() != 2 || in.size() != 4) return "not a 2-D convolution";
        if (depth != CV_32F || blobs[0].type() != CV_32F) return "not float32";
        if (blobs[0].dims != 4 || in[1] != blobs[0].size[1]) return "groups";
        if (std::any_of(dilations.begin(), dilations.end(), [](size_t d) { return d != 1; })) return "dilation";
        if (pads_begin != pads_end || out.size() != 4) return "asymmetric pads";
        // With pad_mode SAME and an even kernel, OpenCV pads one more pixel at the end than its
        // pads say (the output size decides): that is asymmetric too.
        for (int i = 0; i < 2; ++i) {
            const int64_t span = int64_t(in[2 + i]) + int64_t(pads_begin[i]) + int64_t(pads_end[i]) - int64_t(kernel_size[i]);
            if (span < 0 || span / int64_t(strides[i]) + 1 != out[2 + i]) return "asymmetric pads";
        }
        return {};
    }

    cv::dnn::MatShape outShape(const cv::dnn::MatShape& in) const {
        std::vector<cv::dnn::MatShape> outs, internals;
        m_inner->getMemoryShapes({in}, 1, outs, internals);
        return outs.empty() ? cv::dnn::MatShape() : outs[0];
    }

    bool usable(cv::InputArrayOfArrays inputs, cv::OutputArrayOfArrays outputs, ConvMode mode) const {
        return mode != ConvMode::OpenCV && preferableTarget == cv::dnn::DNN_TARGET_CPU && m_staticWhy.empty() &&
               inputs.kind() == cv::_InputArray::STD_VECTOR_MAT && outputs.kind() == cv::_InputArray::STD_VECTOR_MAT &&
               inputs.total() == 1 && outputs.total() == 1;
    }

    std::string whyOpenCV(cv::InputArrayOfArrays inputs, ConvMode mode) const {
        if (mode == ConvMode::OpenCV) return {};
        if (preferableTarget != cv::dnn::DNN_TARGET_CPU) return "not the cpu target";
        if (!m_staticWhy.empty()) return m_staticWhy;
        return inputs.total() != 1 ? "fused with a following layer" : "not a CPU Mat";
    }

    dnnl::convolution_forward::primitive_desc makePd(const cv::dnn::MatShape& in, const cv::dnn::MatShape& out,
                                                     dnnl::algorithm algo, bool withActivation) const {
        const memory::dims src{in[0], in[1], in[2], in[3]}, dst{out[0], out[1], out[2], out[3]};
        const memory::dims wei{blobs[0].size[0], blobs[0].size[1], blobs[0].size[2], blobs[0].size[3]};
        const memory::dims strd{memory::dim(strides[0]), memory::dim(strides[1])};
        const memory::dims padL{memory::dim(pads_begin[0]), memory::dim(pads_begin[1])};
        const memory::dims padR{memory::dim(pads_end[0]), memory::dim(pads_end[1])};
        const memory::desc srcMd(src, Dt::f32, Tag::any), weiMd(wei, Dt::f32, Tag::any), dstMd(dst, Dt::f32, Tag::any);
        const memory::desc biasMd({wei[0]}, Dt::f32, Tag::x);
        const auto prop = dnnl::prop_kind::forward_inference;
        auto desc = blobs.size() > 1 ? dnnl::convolution_forward::desc(prop, algo, srcMd, weiMd, biasMd, dstMd, strd, padL, padR)
                                     : dnnl::convolution_forward::desc(prop, algo, srcMd, weiMd, dstMd, strd, padL, padR);
        dnnl::primitive_attr attr;
        attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
        if (withActivation && m_activ) {
            dnnl::post_ops ops;
            if (auto relu = m_activ.dynamicCast<cv::dnn::ReLULayer>())
                ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, relu->negativeSlope, 0.f);
            else if (auto relu6 = m_activ.dynamicCast<cv::dnn::ReLU6Layer>())
                ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, relu6->minValue, relu6->maxValue);
            attr.set_post_ops(ops);
        }
        return dnnl::convolution_forward::primitive_desc(desc, attr, cpuEngine());
    }

    bool activationIsPostOp() const {
        return m_activ && (m_activ.dynamicCast<cv::dnn::ReLULayer>() || m_activ.dynamicCast<cv::dnn::ReLU6Layer>());
    }

    // Picks the kernel for a shape and mode and makes its primitive descriptor (no JIT yet).
    Plan makePlan(const cv::dnn::MatShape& in, const cv::dnn::MatShape& out, ConvMode mode) const {
        Plan p;
        p.in = in;
        p.out = out;
        p.mode = mode;
        p.activ = m_activ.get();
        if (mode == ConvMode::OpenCV) return p;
        if (std::string why = unsupported(in, out, CV_32F); !why.empty()) {
            p.choice.why = why;
            return p;
        }
        const bool wino3x3 = kernel_size[0] == 3 && kernel_size[1] == 3 && strides[0] == 1 && strides[1] == 1;
        bool tryWino = mode == ConvMode::Winograd;
        if (mode == ConvMode::Auto) {
            tryWino = wino3x3 && in[1] >= kAutoWinogradMinInChannels && winogradOnThisCpu();
            if (!tryWino)
                p.choice.why = !wino3x3                                      ? "auto: not 3x3 stride 1"
                               : in[1] < kAutoWinogradMinInChannels          ? "auto: direct is faster with few input channels"
                                                                             : std::string("auto: ") + kNoWinogradOnCpu;
        }
        auto attempt = [&](dnnl::algorithm algo) -> bool {
            for (bool withActivation : {true, false}) {
                if (!withActivation && !m_activ) break;
                try {
                    p.pd = makePd(in, out, algo, withActivation);
                    p.postActivation = m_activ && (!withActivation || !activationIsPostOp());
                    return true;
                } catch (const dnnl::error&) {
                }
            }
            return false;
        };
        if (tryWino && attempt(dnnl::algorithm::convolution_winograd)) {
            p.choice.kernel = "winograd";
        } else if (attempt(dnnl::algorithm::convolution_direct)) {
            if (tryWino) p.choice.why = winogradOnThisCpu() ? "oneDNN has no Winograd for this shape" : kNoWinogradOnCpu;
            p.choice.kernel = "direct";
        } else {
            p.choice.why = "oneDNN has no kernel for this shape";
            return p;
        }
        p.impl = p.pd.impl_info_str();
        return p;
    }

    Plan& planFor(const cv::dnn::MatShape& in, const cv::dnn::MatShape& out, ConvMode mode) {
        // OpenCV re-runs setup (finalize, activation detached and fused again) whenever the
        // requested output changes: plans survive it, keyed by what they depend on.
        for (Plan& p : m_plans)
            if (p.in == in && p.out == out && p.mode == mode && p.activ == m_activ.get()) return p;
        if (m_plans.size() >= kMaxPlans) m_plans.erase(m_plans.begin());
        m_plans.push_back(makePlan(in, out, mode));
        Plan& p = m_plans.back();
        if (p.choice.kernel != "opencv") build(p);
        return p;
    }

    // Weights in the plan's layout: reordered once, shared with another plan that has the same.
    memory weightsFor(const memory::desc& desc) {
        for (const Plan& p : m_plans)
            if (p.weights && p.weights.get_desc() == desc) return p.weights;
        auto& eng = cpuEngine();
        const cv::Mat& w = blobs[0];
        CV_Assert(w.isContinuous());
        const memory::desc userMd({w.size[0], w.size[1], w.size[2], w.size[3]}, Dt::f32, Tag::oihw);
        memory userW(userMd, eng, w.data), weights(desc, eng);
        dnnl::stream s(eng);
        dnnl::reorder(userW, weights).execute(s, userW, weights);
        s.wait();
        return weights;
    }

    // Makes the primitives and buffers of a plan (JIT compilation happens here).
    void build(Plan& p) {
        auto& eng = cpuEngine();
        const auto& pd = p.pd;
        p.conv = dnnl::convolution_forward(pd);
        const memory::desc userSrc({p.in[0], p.in[1], p.in[2], p.in[3]}, Dt::f32, Tag::nchw);
        const memory::desc userDst({p.out[0], p.out[1], p.out[2], p.out[3]}, Dt::f32, Tag::nchw);
        p.userSrc = memory(userSrc, eng, DNNL_MEMORY_NONE);
        p.userDst = memory(userDst, eng, DNNL_MEMORY_NONE);
        p.reorderSrc = pd.src_desc() != userSrc;
        p.reorderDst = pd.dst_desc() != userDst;
        p.src = p.reorderSrc ? memory(pd.src_desc(), eng) : p.userSrc;
        p.dst = p.reorderDst ? memory(pd.dst_desc(), eng) : p.userDst;
        if (p.reorderSrc) p.srcReorder = dnnl::reorder(p.userSrc, p.src);
        if (p.reorderDst) p.dstReorder = dnnl::reorder(p.dst, p.userDst);
        p.scratch = memory(pd.scratchpad_desc(), eng);
        p.weights = weightsFor(pd.weights_desc());
        if (blobs.size() > 1 && !m_biasMem) {
            m_bias = blobs[1].isContinuous() ? blobs[1] : blobs[1].clone();
            m_biasMem = memory(memory::desc({memory::dim(m_bias.total())}, Dt::f32, Tag::x), eng, m_bias.data);
        }
        if (!m_stream) m_stream = dnnl::stream(eng);
        p.convArgs = {{DNNL_ARG_SRC, p.src.get()}, {DNNL_ARG_WEIGHTS, p.weights.get()}, {DNNL_ARG_DST, p.dst.get()},
                      {DNNL_ARG_SCRATCHPAD, p.scratch.get()}};
        if (blobs.size() > 1) p.convArgs.push_back({DNNL_ARG_BIAS, m_biasMem.get()});
        p.srcArgs = {{DNNL_ARG_FROM, p.userSrc.get()}, {DNNL_ARG_TO, p.src.get()}};
        p.dstArgs = {{DNNL_ARG_FROM, p.dst.get()}, {DNNL_ARG_TO, p.userDst.get()}};
    }

    static void execute(const dnnl::primitive& p, const dnnl::stream& s, const std::vector<dnnl_exec_arg_t>& args) {
        dnnl::error::wrap_c_api(dnnl_primitive_execute(p.get(), s.get(), int(args.size()), args.data()), "execute");
    }

    void run(Plan& p, const cv::Mat& in, cv::Mat& out) {
        // oneDNN runs on OpenMP threads, OpenCV on its own pool: the same count for both. The
        // setting belongs to the calling thread, so it is made here.
        const int threads = std::max(1, cv::getNumThreads());
        if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
        p.userSrc.set_data_handle(in.data);
        p.userDst.set_data_handle(out.data);
        if (p.reorderSrc) execute(p.srcReorder, m_stream, p.srcArgs);
        execute(p.conv, m_stream, p.convArgs);
        if (p.reorderDst) execute(p.dstReorder, m_stream, p.dstArgs);
        m_stream.wait();
        if (p.postActivation) {
            const int channels = out.size[1];
            const size_t plane = size_t(out.size[2]) * out.size[3];
            for (int n = 0; n < out.size[0]; ++n) {
                float* ptr = out.ptr<float>(n);
                cv::parallel_for_(cv::Range(0, channels), [&](const cv::Range& r) {
                    m_activ->forwardSlice(ptr + r.start * plane, ptr + r.start * plane, int(plane), plane, r.start, r.end);
                });
            }
        }
    }

    static void setShape(cv::dnn::MatShape& s, const cv::Mat& m) { s.assign(m.size.p, m.size.p + m.dims); }

    // Updates what report() says, only when it changed (strings are not copied per frame).
    template <class MakeChoice>
    void recordRun(const Plan* plan, ConvMode mode, MakeChoice makeChoice, const std::string& impl) {
        std::lock_guard<std::mutex> lock(m_infoMutex);
        if (m_ran && m_ranPlan == plan && m_ranMode == mode && m_ranIn == m_inShape) return;
        m_ran = true;
        m_ranPlan = plan;
        m_ranMode = mode;
        m_ranChoice = makeChoice();
        m_ranImpl = impl;
        m_ranIn = m_inShape;
    }

    cv::Ptr<cv::dnn::BaseConvolutionLayer> m_inner;
    cv::Ptr<cv::dnn::ActivationLayer> m_activ;
    std::string m_staticWhy;

    std::vector<Plan> m_plans;  // at most kMaxPlans
    memory m_biasMem;
    cv::Mat m_bias;
    dnnl::stream m_stream;

    // What ran last, for report() from another thread.
    mutable std::mutex m_infoMutex;
    mutable cv::dnn::MatShape m_lastIn;
    bool m_ran = false;
    const Plan* m_ranPlan = nullptr;
    cv::dnn::MatShape m_inShape, m_outShape;
    cv::dnn::MatShape m_ranIn;
    ConvMode m_ranMode = ConvMode::Auto;
    Choice m_ranChoice;
    std::string m_ranImpl;
};

}  // namespace

cv::Ptr<cv::dnn::Layer> FastConvLayer::create(cv::dnn::LayerParams& params) {
    return cv::Ptr<cv::dnn::Layer>(new OneDnnConvLayer(params));
}

std::string oneDnnVersion() {
    const dnnl_version_t* v = dnnl_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

}  // namespace cnnscope
