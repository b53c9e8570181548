// The oneDNN executor (see onednn_chain.hpp): one primitive per stage, tensors in oneDNN's own
// layout between stages, f32 NCHW made on request.
#include "core/model/onednn_chain.hpp"

#include "core/model/dense_backward.hpp"

#if CNNSCOPE_ONEDNN
#include <dnnl.hpp>

#include <chrono>
#include <optional>
#include <unordered_map>

namespace cnnscope {

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using Kind = ChainStage::Kind;
using Args = std::unordered_map<int, memory>;

namespace {

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// A primitive with its arguments, run in order.
struct Step {
    primitive p;
    Args args;
};

memory::dims dimsOf(const std::vector<int>& s) { return memory::dims(s.begin(), s.end()); }

tag plainTag(size_t rank) { return rank == 4 ? tag::nchw : tag::nc; }

}  // namespace

struct OneDnnChain::State {
    struct Op {
        ChainStage st;
        bool fusedIntoNext = false;  // conv / dense whose ReLU is its post-op
        bool alias = false;          // output is the input's memory (fused ReLU, identity, flatten)
        std::vector<int> outShape;
        memory out, ws;
        memory fwdWeights;           // conv / dense weights in the forward primitive's layout
        std::vector<Step> fwd;       // reorder of the input if needed, then the primitive
        std::string impl, kernel;
        // the forward primitive descriptors, hints for the backward
        std::optional<convolution_forward::primitive_desc> cpd;
        std::optional<pooling_v2_forward::primitive_desc> ppd;
        std::optional<inner_product_forward::primitive_desc> ipd;
        memory::desc inDesc;         // the memory this stage read (after its input reorder)
        // backward, planned on first use after a forward plan
        bool bwdPlanned = false;
        std::vector<Step> bwdPre;    // weights reorder (run once)
        memory bwdWeights;
        primitive bwd;               // conv / dense: backward data; pool: backward through the workspace
        memory::desc bwdDiffDst, bwdDiffSrc, bwdScratch;
    };

    engine eng{engine::kind::cpu, 0};
    stream strm{eng};
    bool bf16 = false, training = false, winograd = false;
    std::vector<Op> ops;
    std::vector<int> inShape;
    cv::Mat input;                   // the blob as given (f32 NCHW)
    memory inMem;
    size_t planned = 0;              // stages 0..planned-1 are planned for inShape
    memory planCur;                  // the output of the last planned stage
    std::vector<int> planIn;         // its shape as the next stage reads it
    double fwdMs = 0, bwdMs = 0;
    bool ran = false;
    size_t lastRun = 0;              // the last forward ran stages 0..lastRun
    // Every primitive's scratchpad is this one buffer (oneDNN's user-managed mode), grown to the
    // largest any primitive asks; the primitives run one after another on one stream. oneDNN's
    // library-managed scratchpad is per thread and tied to the thread that made the primitive:
    // run on another thread it wrote through that thread's (maybe none, a segfault), and a
    // primitive outliving its thread leaked it. With this one the chain runs on any thread.
    memory scratch;

    dt T() const { return bf16 ? dt::bf16 : dt::f32; }
    const memory& outOf(int k) const { return k < 0 ? inMem : ops[size_t(k)].out; }
    const std::vector<int>& shapeOf(int k) const { return k < 0 ? inShape : ops[size_t(k)].outShape; }

    // Attributes for every primitive here: the user-managed scratchpad (see `scratch`).
    static primitive_attr attr() {
        primitive_attr a;
        a.set_scratchpad_mode(scratchpad_mode::user);
        return a;
    }
    // args with the scratchpad a primitive of `pd` needs (none when it needs none).
    Args withScratch(Args args, const memory::desc& need) {
        const size_t bytes = need.get_size();
        if (bytes == 0) return args;
        if (!scratch || scratch.get_desc().get_size() < bytes)
            scratch = memory({{memory::dim(bytes)}, dt::u8, tag::x}, eng);  // steps planned before keep the smaller one
        args[DNNL_ARG_SCRATCHPAD] = scratch;
        return args;
    }
    template <class P, class PD>
    Step step(const PD& pd, Args args) { return {P(pd), withScratch(std::move(args), pd.scratchpad_desc())}; }
    Step reorderStep(const memory& from, const memory& to) {
        return step<reorder>(reorder::primitive_desc(from, to, attr()), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
    }
    void runNow(Step s) { s.p.execute(strm, s.args); }
    void copyInto(const memory& from, const memory& to) { runNow(reorderStep(from, to)); }

    // mem in `want`'s layout: itself or a reorder appended to steps.
    memory adapt(const memory& mem, const memory::desc& want, std::vector<Step>& steps) {
        if (mem.get_desc() == want) return mem;
        memory r(want, eng);
        steps.push_back(reorderStep(mem, r));
        return r;
    }
    void run(std::vector<Step>& steps) {
        for (Step& s : steps) s.p.execute(strm, s.args);
    }
    memory reordered(const memory& mem, const memory::desc& want) {
        if (mem.get_desc() == want) return mem;
        memory r(want, eng);
        copyInto(mem, r);
        return r;
    }

    primitive_attr reluAttr(bool relu) const {
        primitive_attr a = attr();
        if (relu) {
            post_ops po;
            po.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
            a.set_post_ops(po);
        }
        return a;
    }
    prop_kind prop() const { return training ? prop_kind::forward_training : prop_kind::forward_inference; }

    void planConv(Op& op, memory& cur, const std::vector<int>& in) {
        const ChainStage& s = op.st;
        const int O = s.weights.size[0], I = in[1];
        const int Ho = (in[2] + s.pt + s.pb - s.kh) / s.sh + 1, Wo = (in[3] + s.pl + s.pr - s.kw) / s.sw + 1;
        op.outShape = {1, O, Ho, Wo};
        memory::desc src(dimsOf(in), T(), tag::any), wd({O, I, s.kh, s.kw}, T(), tag::any), bd({O}, dt::f32, tag::x),
            dd(dimsOf(op.outShape), T(), tag::any);
        // Inference even in a chain built for the backward: a convolution keeps no workspace, and
        // oneDNN has Winograd for inference only (forward_training fell back to direct, 2.2x the
        // time). planBackward makes its own training descriptor as the backward's hint.
        auto make = [&](algorithm alg) {
            return convolution_forward::primitive_desc(
                convolution_forward::desc(prop_kind::forward_inference, alg, src, wd, bd, dd, {s.sh, s.sw}, {s.pt, s.pl}, {s.pb, s.pr}),
                reluAttr(op.fusedIntoNext), eng);
        };
        op.kernel = "direct";
        const bool wino = winograd && !bf16 && s.kh == 3 && s.kw == 3 && s.sh == 1 && s.sw == 1 && I >= 16;
        if (wino) {
            try {
                op.cpd = make(algorithm::convolution_winograd);
                op.kernel = "winograd";
            } catch (const dnnl::error&) {
                // no Winograd for this shape or CPU: direct below
            }
        }
        if (!op.cpd || op.kernel == "direct") op.cpd = make(algorithm::convolution_direct);
        memory w = weightsFor(op, op.cpd->weights_desc(), {O, I, s.kh, s.kw});
        memory b({{O}, dt::f32, tag::x}, eng, const_cast<float*>(op.st.bias.ptr<float>()));
        memory x = adapt(cur, op.cpd->src_desc(), op.fwd);
        op.inDesc = x.get_desc();
        op.out = memory(op.cpd->dst_desc(), eng);
        op.fwd.push_back(step<convolution_forward>(
            *op.cpd, {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, op.out}}));
        op.impl = op.cpd->impl_info_str();
    }

    void planPool(Op& op, memory& cur, const std::vector<int>& in) {
        const ChainStage& s = op.st;
        auto outSide = [&](int n, int k, int st, int p0, int p1) {
            const int span = n + p0 + p1 - k;
            int o = (s.ceil ? (span + st - 1) / st : span / st) + 1;
            if (s.ceil && (o - 1) * st >= n + p0) --o;  // the last window starts inside (as OpenCV)
            return o;
        };
        const int Ho = outSide(in[2], s.kh, s.sh, s.pt, s.pb), Wo = outSide(in[3], s.kw, s.sw, s.pl, s.pr);
        op.outShape = {1, in[1], Ho, Wo};
        const int padB = std::max(s.pb, (Ho - 1) * s.sh + s.kh - in[2] - s.pt);
        const int padR = std::max(s.pr, (Wo - 1) * s.sw + s.kw - in[3] - s.pl);
        memory::desc dd(dimsOf(op.outShape), T(), tag::any);
        op.ppd = pooling_v2_forward::primitive_desc(
            pooling_v2_forward::desc(prop(), algorithm::pooling_max, cur.get_desc(), dd, {s.sh, s.sw}, {s.kh, s.kw},
                                     {0, 0}, {s.pt, s.pl}, {padB, padR}),
            attr(), eng);
        op.inDesc = cur.get_desc();
        op.out = memory(op.ppd->dst_desc(), eng);
        Args a{{DNNL_ARG_SRC, cur}, {DNNL_ARG_DST, op.out}};
        if (training) {
            op.ws = memory(op.ppd->workspace_desc(), eng);
            a[DNNL_ARG_WORKSPACE] = op.ws;
        }
        op.fwd.push_back(step<pooling_v2_forward>(*op.ppd, a));
        op.impl = op.ppd->impl_info_str();
    }

    void planDense(Op& op, memory& cur, const std::vector<int>& in) {
        const ChainStage& s = op.st;
        const int O = s.weights.rows;
        memory::dims wdims{O};
        for (size_t i = 1; i < in.size(); ++i) wdims.push_back(in[i]);
        op.outShape = {1, O};
        // f32: the weights in the model's own (out, in) rows, used in place (the with-top VGG19's
        // fc1 alone is 411 MB; oneDNN's gemm inner product takes them as they are at batch 1).
        memory::desc src(dimsOf(in), T(), tag::any), wd(wdims, T(), denseWeightsTag(wdims.size())), bd({O}, dt::f32, tag::x),
            dd({1, O}, T(), tag::any);
        op.ipd = inner_product_forward::primitive_desc(inner_product_forward::desc(prop(), src, wd, bd, dd),
                                                       reluAttr(op.fusedIntoNext), eng);
        memory w = weightsFor(op, op.ipd->weights_desc(), wdims);
        memory b({{O}, dt::f32, tag::x}, eng, const_cast<float*>(s.bias.ptr<float>()));
        memory x = adapt(cur, op.ipd->src_desc(), op.fwd);
        op.inDesc = x.get_desc();
        op.out = memory(op.ipd->dst_desc(), eng);
        op.fwd.push_back(step<inner_product_forward>(
            *op.ipd, {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_BIAS, b}, {DNNL_ARG_DST, op.out}}));
        op.impl = op.ipd->impl_info_str();
    }

    void planRelu(Op& op, memory& cur) {
        auto pd = eltwise_forward::primitive_desc(
            eltwise_forward::desc(prop(), algorithm::eltwise_relu, cur.get_desc(), 0.f, 0.f), attr(), eng);
        op.inDesc = cur.get_desc();
        op.out = memory(pd.dst_desc(), eng);
        op.fwd.push_back(step<eltwise_forward>(pd, {{DNNL_ARG_SRC, cur}, {DNNL_ARG_DST, op.out}}));
        op.impl = pd.impl_info_str();
    }

    // A new input shape: nothing planned yet (stages are planned when a forward first reaches them).
    void reset(const std::vector<int>& shape) {
        inShape = shape;
        input.create(int(shape.size()), shape.data(), CV_32F);
        inMem = memory({dimsOf(shape), dt::f32, tag::nchw}, eng, input.ptr<float>());
        planned = 0;
        planCur = inMem;
        planIn = shape;
    }

    // Plans stages planned..last (their primitives, output memories and weights in the layout
    // each primitive wants; the weights are kept across input sizes while that layout holds).
    void plan(size_t last) {
        for (; planned <= last && planned < ops.size(); ++planned) {
            Op& op = ops[planned];
            memory& cur = planCur;
            const std::vector<int>& in = planIn;
            op.fwd.clear();
            op.bwdPlanned = false;
            op.ws = memory();
            op.impl.clear();
            op.cpd.reset();
            if (op.alias) {
                op.out = cur;
                op.inDesc = cur.get_desc();
                op.outShape = in;
                if (op.st.kind == Kind::Flatten) {
                    int n = 1;
                    for (size_t i = 1; i < in.size(); ++i) n *= in[i];
                    op.outShape = {1, n};  // what a reader sees; the memory keeps its dims for the dense layer
                }
            } else if (op.st.kind == Kind::Conv) {
                planConv(op, cur, in);
            } else if (op.st.kind == Kind::MaxPool) {
                planPool(op, cur, in);
            } else if (op.st.kind == Kind::Dense) {
                planDense(op, cur, in);
            } else {
                planRelu(op, cur);
            }
            planCur = op.out;
            if (op.st.kind != Kind::Flatten) planIn = op.outShape;
        }
        strm.wait();
    }

    // The stage's weights in `want`'s layout: the kept copy when it has that layout, the stage's
    // own when `want` is their layout (op.st holds them: conv weights are the stage's copy, dense
    // ones the model's, never changed in place; an ablation builds a new chain).
    memory weightsFor(Op& op, const memory::desc& want, memory::dims dims) {
        if (op.fwdWeights && op.fwdWeights.get_desc() == want) return op.fwdWeights;
        memory user({dims, dt::f32, plainTag(dims.size())}, eng, const_cast<float*>(op.st.weights.ptr<float>()));
        op.fwdWeights = reordered(user, want);
        return op.fwdWeights;
    }

    // Dense weights: f32 as the model has them (no copy), bf16 in the layout oneDNN picks.
    memory::format_tag denseWeightsTag(size_t dims) const { return T() == dt::f32 ? plainTag(dims) : tag::any; }
    // An f32 dense stage's data gradient is denseBackwardData's (the live rows only), not a primitive.
    bool ownDenseBackward() const { return T() == dt::f32; }

    memory plainMemory(const std::vector<int>& shape, const memory::desc& like, cv::Mat& m) {
        m.create(int(shape.size()), shape.data(), CV_32F);
        memory::dims d = like.dims();  // a flatten's reader gets the 4-D memory's values in NCHW order
        return memory({d, dt::f32, plainTag(d.size())}, eng, m.ptr<float>());
    }

    void planBackward(Op& op, int k);
    memory backStage(Op& op, int k, memory g, GradRelu mode);
};

void OneDnnChain::State::planBackward(Op& op, int k) {
    op.bwdPlanned = true;
    const ChainStage& s = op.st;
    const std::vector<int>& in = shapeOf(k - 1);
    if (op.st.kind == Kind::Conv) {
        const int O = s.weights.size[0], I = in[1];
        memory::desc ds(dimsOf(in), T(), tag::any), wd({O, I, s.kh, s.kw}, T(), tag::any), dd(dimsOf(op.outShape), T(), tag::any);
        const memory::desc bd({O}, dt::f32, tag::x);
        const auto hint = convolution_forward::primitive_desc(
            convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, ds, wd, bd, dd, {s.sh, s.sw}, {s.pt, s.pl},
                                      {s.pb, s.pr}),
            attr(), eng);
        auto pd = convolution_backward_data::primitive_desc(
            convolution_backward_data::desc(algorithm::convolution_direct, ds, wd, dd, {s.sh, s.sw}, {s.pt, s.pl}, {s.pb, s.pr}),
            attr(), eng, hint);
        memory user({{O, I, s.kh, s.kw}, dt::f32, tag::oihw}, eng, const_cast<float*>(s.weights.ptr<float>()));
        op.bwdWeights = reordered(user, pd.weights_desc());
        op.bwd = convolution_backward_data(pd);
        op.bwdScratch = pd.scratchpad_desc();
        op.bwdDiffDst = pd.diff_dst_desc(), op.bwdDiffSrc = pd.diff_src_desc();
    } else if (op.st.kind == Kind::MaxPool) {
        const ChainStage& p = op.st;
        memory::desc ds(dimsOf(in), T(), tag::any), dd(dimsOf(op.outShape), T(), tag::any);
        const int padB = std::max(p.pb, (op.outShape[2] - 1) * p.sh + p.kh - in[2] - p.pt);
        const int padR = std::max(p.pr, (op.outShape[3] - 1) * p.sw + p.kw - in[3] - p.pl);
        auto pd = pooling_v2_backward::primitive_desc(
            pooling_v2_backward::desc(algorithm::pooling_max, ds, dd, {p.sh, p.sw}, {p.kh, p.kw}, {0, 0}, {p.pt, p.pl},
                                      {padB, padR}),
            attr(), eng, *op.ppd);
        op.bwd = pooling_v2_backward(pd);
        op.bwdScratch = pd.scratchpad_desc();
        op.bwdDiffDst = pd.diff_dst_desc(), op.bwdDiffSrc = pd.diff_src_desc();
    } else if (op.st.kind == Kind::Dense && !ownDenseBackward()) {
        const memory::desc& src = op.inDesc;
        memory::desc ds(src.dims(), T(), tag::any), wd(op.ipd->weights_desc().dims(), T(), denseWeightsTag(op.ipd->weights_desc().dims().size())),
            dd({1, s.weights.rows}, T(), tag::any);
        auto pd = inner_product_backward_data::primitive_desc(inner_product_backward_data::desc(ds, wd, dd), attr(), eng, *op.ipd);
        const memory::dims wdims = op.ipd->weights_desc().dims();
        memory user({wdims, dt::f32, plainTag(wdims.size())}, eng, const_cast<float*>(s.weights.ptr<float>()));
        op.bwdWeights = reordered(user, pd.weights_desc());
        op.bwd = inner_product_backward_data(pd);
        op.bwdScratch = pd.scratchpad_desc();
        op.bwdDiffDst = pd.diff_dst_desc(), op.bwdDiffSrc = pd.diff_src_desc();
    }
    strm.wait();
}

// g: the gradient at stage k's output (in its output's layout) -> at its input (in the layout
// of stage k-1's output).
memory OneDnnChain::State::backStage(Op& op, int k, memory g, GradRelu mode) {
    const memory::desc below = outOf(k - 1).get_desc();
    std::vector<Step> steps;
    memory r;
    switch (op.st.kind) {
        case Kind::Identity:
        case Kind::Flatten: return g;
        case Kind::Relu: {
            const memory& y = op.out;
            if (mode != GradRelu::Deconv) {
                auto hint = eltwise_forward::primitive_desc(
                    eltwise_forward::desc(prop_kind::forward_training, algorithm::eltwise_relu_use_dst_for_bwd, y.get_desc(), 0.f, 0.f), attr(), eng);
                auto pd = eltwise_backward::primitive_desc(
                    eltwise_backward::desc(algorithm::eltwise_relu_use_dst_for_bwd, y.get_desc(), y.get_desc(), 0.f, 0.f), attr(), eng, hint);
                memory gy = adapt(g, y.get_desc(), steps);
                r = memory(pd.diff_src_desc(), eng);
                steps.push_back(step<eltwise_backward>(pd, {{DNNL_ARG_DST, y}, {DNNL_ARG_DIFF_DST, gy}, {DNNL_ARG_DIFF_SRC, r}}));
            } else {
                r = g;
            }
            if (mode != GradRelu::Grad) {
                auto pd = eltwise_forward::primitive_desc(
                    eltwise_forward::desc(prop_kind::forward_inference, algorithm::eltwise_relu, r.get_desc(), 0.f, 0.f), attr(), eng);
                memory o(pd.dst_desc(), eng);
                steps.push_back(step<eltwise_forward>(pd, {{DNNL_ARG_SRC, r}, {DNNL_ARG_DST, o}}));
                r = o;
            }
            break;
        }
        case Kind::Dense:
            if (ownDenseBackward()) {  // f32 weights as the model has them: only the rows with a gradient are read
                const int outs = op.st.weights.rows, ins = int(op.st.weights.total() / size_t(outs));
                memory gd = adapt(g, memory::desc({1, outs}, dt::f32, tag::ab), steps);
                run(steps);
                steps.clear();
                strm.wait();
                const memory::dims sd = op.inDesc.dims();
                r = memory({sd, dt::f32, plainTag(sd.size())}, eng);
                denseBackwardData(static_cast<const float*>(gd.get_data_handle()), outs, op.st.weights.ptr<float>(), ins,
                                  static_cast<float*>(r.get_data_handle()));
                break;
            }
            [[fallthrough]];
        case Kind::Conv:
        case Kind::MaxPool: {  // the primitive planBackward made: data gradient through weights or pool winners
            memory gd = adapt(g, op.bwdDiffDst, steps);
            r = memory(op.bwdDiffSrc, eng);
            Args args{{DNNL_ARG_DIFF_DST, gd}, {DNNL_ARG_DIFF_SRC, r}};
            if (op.st.kind == Kind::MaxPool) args[DNNL_ARG_WORKSPACE] = op.ws;
            else args[DNNL_ARG_WEIGHTS] = op.bwdWeights;
            steps.push_back({op.bwd, withScratch(args, op.bwdScratch)});
            break;
        }
    }
    // The gradient of the stage below in that stage's own layout (f32 NCHW for the input blob,
    // whose gradient is kept in the chain's precision until read).
    memory::desc want = k == 0 ? memory::desc(below.dims(), T(), plainTag(below.dims().size())) : below;
    r = adapt(r, want, steps);
    run(steps);
    return r;
}

OneDnnChain::OneDnnChain() = default;
OneDnnChain::~OneDnnChain() = default;
OneDnnChain::OneDnnChain(OneDnnChain&&) noexcept = default;
OneDnnChain& OneDnnChain::operator=(OneDnnChain&&) noexcept = default;

Expected<OneDnnChain> OneDnnChain::create(std::vector<ChainStage> stages, bool bf16, bool training, bool winograd) {
    return guard([&]() -> Expected<OneDnnChain> {
        OneDnnChain c;
        c.m = std::make_unique<State>();
        c.m->bf16 = bf16;
        c.m->training = training;
        c.m->winograd = winograd;
        for (size_t i = 0; i < stages.size(); ++i) {
            State::Op op;
            op.st = std::move(stages[i]);
            c.m->ops.push_back(std::move(op));
        }
        auto& ops = c.m->ops;
        for (size_t i = 0; i < ops.size(); ++i) {
            const Kind k = ops[i].st.kind;
            const bool prevFuses = i > 0 && ops[i - 1].fusedIntoNext;
            ops[i].fusedIntoNext = (k == Kind::Conv || k == Kind::Dense) && i + 1 < ops.size() && ops[i + 1].st.kind == Kind::Relu;
            ops[i].alias = k == Kind::Identity || k == Kind::Flatten || (k == Kind::Relu && prevFuses);
            // After a flatten the data is (1, N): a convolution or pool there is not a plain chain's.
            if (k == Kind::Flatten)
                for (size_t j = i + 1; j < ops.size(); ++j)
                    if (ops[j].st.kind == Kind::Conv || ops[j].st.kind == Kind::MaxPool)
                        return Error{"a convolution or pooling after a flatten ('" + ops[j].st.name + "')"};
        }
        return c;
    });
}

bool OneDnnChain::bf16() const { return m->bf16; }
size_t OneDnnChain::size() const { return m->ops.size(); }
const ChainStage& OneDnnChain::stage(size_t k) const { return m->ops[k].st; }
bool OneDnnChain::readable(size_t k) const { return !m->ops[k].fusedIntoNext; }
std::string OneDnnChain::impl(size_t k) const { return k < m->planned ? m->ops[k].impl : std::string(); }
std::string OneDnnChain::kernel(size_t k) const { return k < m->planned ? m->ops[k].kernel : std::string(); }
double OneDnnChain::lastForwardMs() const { return m->fwdMs; }
double OneDnnChain::lastBackwardMs() const { return m->bwdMs; }
std::vector<int> OneDnnChain::shape(int k) const { return m->shapeOf(k); }

Status OneDnnChain::forward(const cv::Mat& blob, size_t last) {
    if (blob.dims != 4 || blob.size[0] != 1 || blob.type() != CV_32F || !blob.isContinuous())
        return Error{"the executor needs a continuous (1, C, H, W) float32 blob"};
    if (last >= m->ops.size()) return Error{"stage out of range"};
    return guard([&]() -> Status {
        const auto t0 = std::chrono::steady_clock::now();
        const std::vector<int> shape(blob.size.p, blob.size.p + 4);
        if (shape != m->inShape) m->reset(shape);
        if (last >= m->planned) m->plan(last);
        blob.copyTo(m->input);  // same shape: keeps the buffer inMem wraps
        for (size_t k = 0; k <= last; ++k) m->run(m->ops[k].fwd);
        m->strm.wait();
        m->ran = true;
        m->lastRun = last;
        m->fwdMs = msSince(t0);
        return {};
    });
}

Status OneDnnChain::read(size_t k, cv::Mat& out) {
    if (!m->ran || k > m->lastRun) return Error{"stage " + std::to_string(k) + " did not run in the last forward"};
    if (!readable(k)) return Error{"the pre-ReLU output of '" + m->ops[k].st.name + "' is not kept (its ReLU is fused)"};
    return guard([&]() -> Status {
        const memory& src = m->ops[k].out;
        cv::Mat tmp;
        memory dst = m->plainMemory(m->ops[k].outShape, src.get_desc(), tmp);
        m->copyInto(src, dst);
        m->strm.wait();
        const std::vector<int>& s = m->ops[k].outShape;
        if (out.empty() || out.dims != int(s.size()) || !std::equal(s.begin(), s.end(), out.size.p) || out.type() != CV_32F)
            out.create(int(s.size()), s.data(), CV_32F);
        std::copy_n(tmp.ptr<float>(), tmp.total(), out.ptr<float>());
        return {};
    });
}

Status OneDnnChain::backward(const std::vector<std::pair<int, cv::Mat>>& seeds, GradRelu mode, int stop, cv::Mat& grad) {
    if (!m->training) return Error{"the executor was not built for the backward"};
    if (!m->ran) return Error{"backward before forward"};
    int start = -1;
    for (const auto& [k, g] : seeds) {
        if (k < 0 || size_t(k) > m->lastRun) return Error{"a seed at a stage the last forward did not reach"};
        const std::vector<int>& s = m->shapeOf(k);
        if (g.type() != CV_32F || g.dims != int(s.size()) || !std::equal(s.begin(), s.end(), g.size.p))
            return Error{"the gradient seeded at '" + m->ops[size_t(k)].st.name + "' does not have the layer's shape"};
        start = std::max(start, k);
    }
    if (start < 0) return Error{"backward needs at least one seed"};
    if (start <= stop) return Error{"the seeds must lie above the stage where the backward stops"};
    return guard([&]() -> Status {
        const auto t0 = std::chrono::steady_clock::now();
        memory g;
        for (int k = start; k > stop; --k) {
            State::Op& op = m->ops[size_t(k)];
            for (const auto& [sk, sg] : seeds) {
                if (sk != k) continue;
                const memory::desc& d = m->outOf(k).get_desc();
                memory user({d.dims(), dt::f32, plainTag(d.dims().size())}, m->eng, const_cast<float*>(sg.ptr<float>()));
                memory add = m->reordered(user, d);
                if (add.get_data_handle() == user.get_data_handle()) {  // same layout: copy, the seed is the caller's
                    memory c(d, m->eng);
                    m->copyInto(user, c);
                    add = c;
                }
                if (!g) {
                    g = add;
                } else {
                    memory gd = m->reordered(g, d);
                    auto spd = sum::primitive_desc({1.f, 1.f}, {d, d}, m->eng, State::attr());
                    memory s(spd.dst_desc(), m->eng);
                    m->runNow(m->step<sum>(spd, {{DNNL_ARG_MULTIPLE_SRC, gd}, {DNNL_ARG_MULTIPLE_SRC + 1, add}, {DNNL_ARG_DST, s}}));
                    g = s;
                }
            }
            if (!op.bwdPlanned) m->planBackward(op, k);
            g = m->backStage(op, k, g, mode);
        }
        m->strm.wait();
        const std::vector<int>& s = m->shapeOf(stop);
        cv::Mat tmp;
        memory dst = m->plainMemory(s, g.get_desc(), tmp);
        m->copyInto(g, dst);
        m->strm.wait();
        tmp.reshape(1, int(s.size()), s.data()).copyTo(grad);
        m->bwdMs = msSince(t0);
        return {};
    });
}

}  // namespace cnnscope

#else  // built without oneDNN: create() says so; callers run OpenCV dnn.

namespace cnnscope {

struct OneDnnChain::State {};

OneDnnChain::OneDnnChain() = default;
OneDnnChain::~OneDnnChain() = default;
OneDnnChain::OneDnnChain(OneDnnChain&&) noexcept = default;
OneDnnChain& OneDnnChain::operator=(OneDnnChain&&) noexcept = default;

Expected<OneDnnChain> OneDnnChain::create(std::vector<ChainStage>, bool, bool, bool) {
    return Error{"built without oneDNN"};
}

bool OneDnnChain::bf16() const { return false; }
size_t OneDnnChain::size() const { return 0; }
const ChainStage& OneDnnChain::stage(size_t) const {
    static const ChainStage none;
    return none;
}
bool OneDnnChain::readable(size_t) const { return false; }
std::string OneDnnChain::impl(size_t) const { return {}; }
std::string OneDnnChain::kernel(size_t) const { return {}; }
double OneDnnChain::lastForwardMs() const { return 0; }
double OneDnnChain::lastBackwardMs() const { return 0; }
std::vector<int> OneDnnChain::shape(int) const { return {}; }
Status OneDnnChain::forward(const cv::Mat&, size_t) { return Error{"built without oneDNN"}; }
Status OneDnnChain::read(size_t, cv::Mat&) { return Error{"built without oneDNN"}; }
Status OneDnnChain::backward(const std::vector<std::pair<int, cv::Mat>>&, GradRelu, int, cv::Mat&) {
    return Error{"built without oneDNN"};
}

}  // namespace cnnscope
#endif
