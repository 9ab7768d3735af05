using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.MetaLearning;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Tests.Autodiff;

[Collection(AllocationMeasurement.Name)]
public class TapeTests
{
    [Fact]
    public void NarrowLayerWeightGradientMatchesTheRecordedRule()
    {
        // A layer with four inputs takes its weight gradient through the transposed product when
        // backward runs unrecorded; the recorded rule (createGraph) goes through MatMul.
        var rng = new Xoshiro256StarStar(11);
        var x = Tensor.Matrix(256, 4);
        rng.FillNormal(x.Data);
        var w = Tensor.Matrix(64, 4);
        rng.FillNormal(w.Data);
        w.RequiresGrad = true;
        var b = Tensor.Matrix(1, 64);
        b.RequiresGrad = true;
        var tape = new Tape();
        float[] Gradient(bool createGraph)
        {
            tape.Reset();
            w.ZeroGrad();
            tape.Backward(tape.Sum(tape.Square(tape.Linear(x, w, b, Activation.Tanh))), createGraph);
            return (float[])w.Grad!.Clone();
        }
        var direct = Gradient(createGraph: false);
        var recorded = Gradient(createGraph: true);
        for (int i = 0; i < direct.Length; i++)
            Assert.True(Math.Abs(direct[i] - recorded[i]) <= 1e-4f * (1f + Math.Abs(recorded[i])), $"element {i}: {direct[i]} vs {recorded[i]}");
        Assert.Equal(direct, Gradient(createGraph: false));
    }

    [Fact]
    public void BackwardAccumulatesAcrossCallsLikeTorch()
    {
        var w = Tensor.FromVector([2f]);
        w.RequiresGrad = true;
        var tape = new Tape();
        tape.Backward(tape.Square(w));
        tape.Backward(tape.Scale(w, 3f));
        Assert.Equal(7f, w.Grad![0]);
        w.ZeroGrad();
        Assert.Equal(0f, w.Grad![0]);
    }

    [Fact]
    public void NoGradStopsRecording()
    {
        var w = Tensor.FromVector([2f]);
        w.RequiresGrad = true;
        var tape = new Tape();
        Tensor y;
        using (tape.NoGrad()) y = tape.Square(w);
        Assert.False(y.RequiresGrad);
        Assert.True(tape.IsRecording);
        var e = Assert.Throws<InvalidOperationException>(() => tape.Backward(y));
        Assert.Contains("does not depend", e.Message);
    }

    [Fact]
    public void DetachCutsTheGraph()
    {
        var w = Tensor.FromVector([3f]);
        w.RequiresGrad = true;
        var tape = new Tape();
        var loss = tape.Mul(w, tape.Detach(w));
        tape.Backward(loss);
        Assert.Equal(3f, w.Grad![0]);
    }

    [Fact]
    public void GradOfUnusedInputIsZero()
    {
        var a = Tensor.FromVector([1f]);
        var b = Tensor.FromVector([1f]);
        a.RequiresGrad = b.RequiresGrad = true;
        var tape = new Tape();
        var grads = new Tensor[2];
        tape.Grad(tape.Square(a), [a, b], grads);
        Assert.Equal(2f, grads[0][0]);
        Assert.Equal(0f, grads[1][0]);
        Assert.Null(a.Grad);
    }

    [Fact]
    public void ShapeErrorsNameTheShapes()
    {
        var tape = new Tape();
        var e = Assert.Throws<ArgumentException>(() => tape.Add(tape.Full(2, 3, 1), tape.Full(3, 2, 1)));
        Assert.Contains("[2, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => tape.MatMul(tape.Full(2, 3, 1), tape.Full(2, 3, 1)));
        Assert.Contains("inner dimensions", e.Message);
    }

    [Fact]
    public void TensorFromAnotherTapeIsRejected()
    {
        var t1 = new Tape();
        var t2 = new Tape();
        var x = t1.Full(1, 1, 1f);
        Assert.Throws<InvalidOperationException>(() => t2.Exp(x));
    }

    /// <summary>
    /// After warm-up, training steps reuse the tape's tensors: nothing is allocated, also when the
    /// GEMMs are large enough to be split over two threads (the caller's thread is measured; the
    /// workers only rent pooled packing buffers).
    /// </summary>
    [Theory]
    [InlineData(1, 32, 64)]
    [InlineData(2, 256, 256)]
    public void SteadyStateTrainingStepsDoNotAllocate(int threads, int batch, int width)
    {
        var rng = new Xoshiro256StarStar(1);
        var q = new Mlp(4, [width, width], 2, rng);
        var qt = new Mlp(4, [width, width], 2, rng);
        var adam = new Adam(q.Parameters, 3e-4f);
        var tape = new Tape(new ComputeOptions { Threads = threads });
        var s = Tensor.Matrix(batch, 2);
        var a = Tensor.Matrix(batch, 2);
        var c = Tensor.Matrix(batch, 1);
        rng.FillNormal(s.Data);
        rng.FillNormal(a.Data);
        var grads = new Tensor[q.Parameters.Count];
        var fast = new Tensor[q.Parameters.Count];
        void Step()
        {
            tape.Reset();
            Tensor y;
            using (tape.NoGrad()) y = tape.Add(c, tape.Scale(tape.Max(tape.Sigmoid(qt.Forward(tape, tape.Concat(s, a))), 1), 0.8f));
            var loss = tape.Mse(tape.Max(tape.Sigmoid(q.Forward(tape, tape.Concat(s, a))), 1), y);
            adam.ZeroGrad();
            tape.Backward(loss);
            Maml.Step(tape, loss, q.Parameters, 1e-3f, grads, fast);
            tape.Backward(tape.Mse(q.Forward(tape, tape.Concat(s, a), fast), tape.Expand(y, batch, 2)));
            GradientClipping.ClipGlobalNorm(q.Parameters, 40f);
            adam.Step();
            PolyakAveraging.Update(qt.Parameters, q.Parameters, 0.005f);
        }
        for (int i = 0; i < 3; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }
}
