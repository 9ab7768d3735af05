// Stand-in for the enum that src/Nn/Kernels/Gemm.cs (branch `gemm`) defines; delete on merge.
namespace OfflineSafety.Nn.Kernels;

public enum Activation { None, Relu, Tanh, Sigmoid }
