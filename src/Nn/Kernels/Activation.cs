using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace OfflineSafety.Nn.Kernels;

/// <summary>Element-wise nonlinearity fused into <see cref="Gemm.LinearForward"/>.</summary>
public enum Activation { None, Relu, Tanh, Sigmoid }
