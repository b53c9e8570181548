// The data gradient of a dense layer at batch 1, dx = g W, reading only the weight rows whose
// output gradient is not zero. Behind a ReLU most are (every unit the frame left dead): the
// backward of VGG19's fc1 then reads a part of its 411 MB instead of all of it. No oneDNN here.
#pragma once

namespace cnnscope {

// g: (out); W: (out, in) row-major; dx: (in), overwritten.
void denseBackwardData(const float* g, int out, const float* W, int in, float* dx);

}  // namespace cnnscope
