/// The CUDA C source of the elementwise kernels, compiled to PTX at run time by NVRTC.
///
/// Every kernel mirrors a loop in `CPUBackend` operation for operation (same formulas, same dropout hash, same
/// arg-max tie rule), so CPU/GPU parity tests can use tight tolerances. Elementwise kernels use grid-stride loops.
enum CUDAKernelSource {
    /// Kernel names, as looked up in the compiled module.
    enum Name: String, CaseIterable {
        case activate = "augur_activate"
        case activationDerivative = "augur_activation_derivative"
        case dropout = "augur_dropout"
        case softmaxCrossEntropy = "augur_softmax_cross_entropy"
        case sgd = "augur_sgd"
        case adam = "augur_adam"
    }

    static let text = #"""
    #define AUGUR_LOOP(i, n) \
        for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
             i += (long long)blockDim.x * gridDim.x)

    __device__ __forceinline__ unsigned int augur_mix(unsigned int x) {
        x ^= x >> 16;
        x *= 0x7feb352dU;
        x ^= x >> 15;
        x *= 0x846ca68bU;
        x ^= x >> 16;
        return x;
    }

    extern "C" __global__ void augur_activate(int kind, const float* z, float* out, long long n) {
        AUGUR_LOOP(i, n) {
            float x = z[i];
            float y;
            if (kind == 0) {
                y = fmaxf(x, 0.0f);
            } else if (kind == 1) {
                y = tanhf(x);
            } else if (kind == 2) {
                y = 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
            } else {
                y = 1.0f / (1.0f + expf(-x));
            }
            out[i] = y;
        }
    }

    extern "C" __global__ void augur_activation_derivative(int kind, const float* z, float* g, long long n) {
        AUGUR_LOOP(i, n) {
            float x = z[i];
            if (kind == 0) {
                g[i] = x > 0.0f ? g[i] : 0.0f;
            } else if (kind == 1) {
                float t = tanhf(x);
                g[i] *= 1.0f - t * t;
            } else if (kind == 2) {
                float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
                float pdf = expf(-0.5f * x * x) * 0.39894228040143268f;
                g[i] *= cdf + x * pdf;
            } else {
                float s = 1.0f / (1.0f + expf(-x));
                g[i] *= s * (1.0f - s);
            }
        }
    }

    extern "C" __global__ void augur_dropout(float* values, long long n, unsigned int key, unsigned int threshold,
                                             float scale) {
        AUGUR_LOOP(i, n) {
            unsigned int bits = augur_mix(((unsigned int)i) ^ key) >> 8;
            values[i] = bits >= threshold ? values[i] * scale : 0.0f;
        }
    }

    extern "C" __global__ void augur_softmax_cross_entropy(const float* logits, const float* labels, int rows,
                                                           int classes, float* gradient, int has_gradient,
                                                           float scale, float* loss, float* correct) {
        int row = blockIdx.x * blockDim.x + threadIdx.x;
        if (row >= rows) return;
        const float* z = logits + (long long)row * classes;
        int label = (int)labels[row];
        float largest = z[0];
        int best = 0;
        for (int j = 1; j < classes; ++j) {
            if (z[j] > largest) { largest = z[j]; best = j; }
        }
        float total = 0.0f;
        for (int j = 0; j < classes; ++j) total += expf(z[j] - largest);
        loss[row] = logf(total) - (z[label] - largest);
        correct[row] = best == label ? 1.0f : 0.0f;
        if (has_gradient) {
            float inverse_total = 1.0f / total;
            float* g = gradient + (long long)row * classes;
            for (int j = 0; j < classes; ++j) {
                float probability = expf(z[j] - largest) * inverse_total;
                g[j] = (probability - (j == label ? 1.0f : 0.0f)) * scale;
            }
        }
    }

    extern "C" __global__ void augur_sgd(float* w, const float* dw, float* v, long long n, float rate, float momentum,
                                         int nesterov, float decay) {
        AUGUR_LOOP(i, n) {
            float g = dw[i] + decay * w[i];
            if (momentum == 0.0f) {
                w[i] -= rate * g;
            } else {
                float velocity = momentum * v[i] + g;
                v[i] = velocity;
                w[i] -= rate * (nesterov ? g + momentum * velocity : velocity);
            }
        }
    }

    extern "C" __global__ void augur_adam(float* w, const float* dw, float* m, float* v, long long n, float rate,
                                          float beta1, float beta2, float epsilon, float coupled_decay, float shrink,
                                          float inverse_correction1, float inverse_correction2) {
        AUGUR_LOOP(i, n) {
            float weight = w[i] * shrink;
            float g = dw[i] + coupled_decay * w[i];
            float first = beta1 * m[i] + (1.0f - beta1) * g;
            float second = beta2 * v[i] + (1.0f - beta2) * g * g;
            m[i] = first;
            v[i] = second;
            float denominator = sqrtf(second * inverse_correction2) + epsilon;
            w[i] = weight - rate * (first * inverse_correction1) / denominator;
        }
    }
    """#
}
