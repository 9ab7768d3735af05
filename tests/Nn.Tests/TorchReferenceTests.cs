using System.Text.Json;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Layers;
using OfflineSafety.Nn.MetaLearning;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Nn.Tests;

/// <summary>
/// Numbers produced once by PyTorch (reference/make_reference.py) from the parameters stored in
/// reference.json: an MLP [3 -> 8 -> 8 -> 2] (ReLU, sigmoid output, MSE), its gradients, a
/// Hessian-vector product, Adam and SGD trajectories, clipping and MAML outer gradients.
/// </summary>
public class TorchReferenceTests
{
    static readonly JsonElement Reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "reference", "reference.json"))).RootElement;

    static float[] Floats(JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();

    static (Mlp Net, Tensor X, Tensor Y) Setup(string xKey = "x", string yKey = "y")
    {
        var mlp = Reference.GetProperty("mlp");
        var net = new Mlp(3, [8, 8], 2, new Xoshiro256StarStar(1), Activation.Relu, Activation.Sigmoid);
        int i = 0;
        foreach (var p in mlp.GetProperty("params").EnumerateArray())
        {
            Assert.Equal(p.GetProperty("name").GetString(), net.Parameters[i].Name);
            Floats(p.GetProperty("values")).CopyTo(net.Parameters[i].Data);
            i++;
        }
        var src = xKey == "x" ? mlp : Reference.GetProperty("maml");
        return (net, Tensor.FromRows(Floats(src.GetProperty(xKey)), 6, 3), Tensor.FromRows(Floats(src.GetProperty(yKey)), 6, 2));
    }

    static void AssertAllClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1.0, Math.Abs(expected[i])),
                $"{what}[{i}]: torch {expected[i]:G8}, ours {actual[i]:G8}");
    }

    static void AssertParams(JsonElement expected, IReadOnlyList<Tensor> parameters, double tolerance, string what)
    {
        int i = 0;
        foreach (var p in expected.EnumerateArray())
        {
            AssertAllClose(Floats(p), parameters[i].Data, tolerance, $"{what} {parameters[i].Name}");
            i++;
        }
    }

    static Tensor Loss(Tape tape, Mlp net, IReadOnlyList<Tensor> parameters, Tensor x, Tensor y) => tape.Mse(net.Forward(tape, x, parameters), y);

    [Fact]
    public void ForwardAndBackwardMatchTorch()
    {
        var (net, x, y) = Setup();
        var tape = new Tape();
        var output = net.Forward(tape, x);
        var loss = tape.Mse(output, y);
        tape.Backward(loss);
        var r = Reference.GetProperty("forward_backward");
        AssertAllClose(Floats(r.GetProperty("output")), output.Data, 1e-6, "output");
        Assert.Equal(r.GetProperty("loss").GetDouble(), loss.ToScalar(), 6);
        int i = 0;
        foreach (var g in r.GetProperty("grads").EnumerateArray())
        {
            AssertAllClose(Floats(g), net.Parameters[i].Grad, 1e-5, $"grad {net.Parameters[i].Name}");
            i++;
        }
    }

    [Fact]
    public void HessianVectorProductMatchesTorch()
    {
        var (net, x, y) = Setup();
        var tape = new Tape();
        var v = net.Parameters.Select(p =>
        {
            var t = p.Clone();
            t.RequiresGrad = false;
            for (int i = 0; i < t.Length; i++) t[i] = 0.1f * (i % 7) - 0.3f;
            return t;
        }).ToArray();
        var grads = new Tensor[net.Parameters.Count];
        tape.Grad(Loss(tape, net, net.Parameters, x, y), net.Parameters, grads, createGraph: true);
        var dot = tape.Sum(tape.Mul(grads[0], v[0]));
        for (int i = 1; i < grads.Length; i++) dot = tape.Add(dot, tape.Sum(tape.Mul(grads[i], v[i])));
        tape.Backward(dot);
        int k = 0;
        foreach (var hv in Reference.GetProperty("hvp").GetProperty("hv").EnumerateArray())
        {
            AssertAllClose(Floats(hv), net.Parameters[k].Grad, 1e-5, $"Hv {net.Parameters[k].Name}");
            k++;
        }
    }

    [Fact]
    public void AdamMatchesTorch()
    {
        var (net, x, y) = Setup();
        var r = Reference.GetProperty("adam");
        var adam = new Adam(net.Parameters, (float)r.GetProperty("lr").GetDouble());
        var tape = new Tape();
        var losses = Floats(r.GetProperty("losses"));
        for (int step = 0; step < 5; step++)
        {
            tape.Reset();
            adam.ZeroGrad();
            var loss = Loss(tape, net, net.Parameters, x, y);
            Assert.Equal(losses[step], loss.ToScalar(), 5);
            tape.Backward(loss);
            adam.Step();
        }
        AssertParams(r.GetProperty("params"), net.Parameters, 2e-6, "adam");
    }

    [Theory]
    [InlineData("sgd_momentum")]
    [InlineData("sgd_nesterov")]
    public void SgdMomentumMatchesTorch(string key)
    {
        var (net, x, y) = Setup();
        var r = Reference.GetProperty(key);
        float Get(string name) => r.TryGetProperty(name, out var v) ? (float)v.GetDouble() : 0f;
        var sgd = new SgdMomentum(net.Parameters, Get("lr"), Get("momentum"), 0f,
            r.TryGetProperty("nesterov", out var n) && n.GetBoolean(), Get("weight_decay"));
        var tape = new Tape();
        for (int step = 0; step < 5; step++)
        {
            tape.Reset();
            sgd.ZeroGrad();
            tape.Backward(Loss(tape, net, net.Parameters, x, y));
            sgd.Step();
        }
        AssertParams(r.GetProperty("params"), net.Parameters, 2e-6, key);
    }

    [Fact]
    public void GradientClippingMatchesTorch()
    {
        var (net, x, y) = Setup();
        var r = Reference.GetProperty("clip");
        var tape = new Tape();
        tape.Backward(Loss(tape, net, net.Parameters, x, y));
        float total = GradientClipping.ClipGlobalNorm(net.Parameters, (float)r.GetProperty("max_norm").GetDouble());
        Assert.Equal(r.GetProperty("total_norm").GetDouble(), total, 6);
        int i = 0;
        foreach (var g in r.GetProperty("grads").EnumerateArray())
        {
            AssertAllClose(Floats(g), net.Parameters[i].Grad, 1e-5, $"clipped grad {i}");
            i++;
        }
    }

    [Theory]
    [InlineData("second_order", MamlOrder.Second, false)]
    [InlineData("first_order", MamlOrder.First, false)]
    [InlineData("second_order_learned_lr", MamlOrder.Second, true)]
    public void MamlOuterGradientMatchesTorch(string key, MamlOrder order, bool learnedLr)
    {
        var (net, x, y) = Setup();
        var (_, x2, y2) = Setup("x2", "y2");
        var r = Reference.GetProperty("maml");
        float lr = (float)r.GetProperty("inner_lr").GetDouble();
        var expected = r.GetProperty(key);
        var lrs = new InnerLearningRates(net.Parameters.Count, lr);
        var tape = new Tape();
        var grads = new Tensor[net.Parameters.Count];
        var fast = new Tensor[net.Parameters.Count];
        var inner = Loss(tape, net, net.Parameters, x, y);
        if (learnedLr) Maml.Step(tape, inner, net.Parameters, lrs, grads, fast, order);
        else Maml.Step(tape, inner, net.Parameters, lr, grads, fast, order);
        var outer = Loss(tape, net, fast, x2, y2);
        tape.Backward(outer);
        Assert.Equal(expected.GetProperty("outer_loss").GetDouble(), outer.ToScalar(), 6);
        int i = 0;
        foreach (var g in expected.GetProperty("grads").EnumerateArray())
        {
            AssertAllClose(Floats(g), net.Parameters[i].Grad, 1e-5, $"{key} grad {net.Parameters[i].Name}");
            i++;
        }
        if (learnedLr)
            AssertAllClose(Floats(expected.GetProperty("lr_grads")), lrs.Parameters.Select(p => p.Grad![0]).ToArray(), 1e-5, "lr grads");
    }
}
