using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Export;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Onnx;
using OfflineSafety.Nn.Randomness;
using Xunit.Abstractions;

namespace OfflineSafety.Meta.Tests.Export;

/// <summary>
/// The exported graph, run in ONNX Runtime 1.32 (CPU), gives what our engine gives on 1,000 random
/// raw inputs, for every critic shape we train. Tolerance: absolute 1e-5 on the sigmoid outputs (they
/// lie in [0, 1], so absolute is the meaningful measure); the two engines sum the GEMMs in different
/// orders, so bit equality is not expected.
/// </summary>
public sealed class CriticOnnxExportTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-5f;
    private const int Rows = 1000;

    public static TheoryData<string, int, int, int> Critics => new()
    {
        { "2x256", 2, 2, 2 },     // Recovery RL's twin-head critic
        { "3x100", 1, 2, 2 },     // MESA's meta-critic
        { "2x256", 1, 4, 1 },     // one head on the wider net, cart-pole sizes
        { "3x100", 2, 7, 3 },     // twin heads on the deeper net
        { "16", 1, 3, 2 },        // one hidden layer
        { "64,32,16,8", 2, 5, 4 },
    };

    [Theory]
    [MemberData(nameof(Critics))]
    public void Onnx_runtime_scores_the_export_like_Score(string hidden, int heads, int obsDim, int actDim)
    {
        var random = new Xoshiro256StarStar(11);
        var critic = RandomCritic(CriticArchitecture.Parse(hidden, heads), obsDim, actDim, random);
        var (obs, action) = RawInputs(critic.Normalization, Rows, random);

        var bytes = Export(critic);
        var outputs = OnnxRuntimeSession.Run(bytes, ("obs", obs, [Rows, obsDim]), ("action", action, [Rows, actDim]));

        var risk = new float[Rows];
        critic.Score(obs, action, Rows, risk);
        AssertClose(risk, outputs["risk"], "risk");
        AssertClose(HeadOutputs(critic, obs, action, Rows), outputs["q_risk"], "q_risk");
        // The heads are not all equal, so max over them is really exercised.
        if (heads > 1) Assert.Contains(Enumerable.Range(0, Rows), i => outputs["q_risk"][2 * i] != outputs["q_risk"][2 * i + 1]);
    }

    [Fact]
    public void Batches_larger_than_Score_chunk_and_a_single_row_match()
    {
        var random = new Xoshiro256StarStar(12);
        var critic = RandomCritic(CriticArchitecture.TwoBy256, 2, 2, random);
        var bytes = Export(critic);
        foreach (int rows in new[] { 1, 2500 })
        {
            var (obs, action) = RawInputs(critic.Normalization, rows, random);
            var outputs = OnnxRuntimeSession.Run(bytes, ("obs", obs, [rows, 2]), ("action", action, [rows, 2]));
            var risk = new float[rows];
            critic.Score(obs, action, rows, risk);
            AssertClose(risk, outputs["risk"], $"risk of {rows} rows");
        }
    }

    public static TheoryData<Activation> OutputActivations => [Activation.None, Activation.Sigmoid, Activation.Tanh];

    /// <summary>The MLP builder alone, with each output activation our networks use (critics take
    /// sigmoid; policies' means take none or tanh). Unbounded outputs are compared with
    /// |ours - ort| &lt;= 1e-5 max(1, |ours|).</summary>
    [Theory]
    [MemberData(nameof(OutputActivations))]
    public void Mlp_nodes_match_MlpPass_for_each_output_activation(Activation activation)
    {
        var random = new Xoshiro256StarStar(13);
        var shape = new MlpShape(6, [64, 64], 3, activation);
        var parameters = new float[shape.ParameterCount];
        shape.Initialize(parameters, random);
        var input = new float[Rows * 6];
        random.FillNormal(input, 0f, 2f);

        var mlp = MlpOnnxNodes.Build(shape, parameters, "x", "y", "");
        var graph = new OnnxGraph("mlp", mlp.Nodes, mlp.Initializers,
            [new("x", [OnnxDimension.Symbolic("N"), OnnxDimension.Fixed(6)])], [new("y", [OnnxDimension.Symbolic("N"), OnnxDimension.Fixed(3)])]);
        var outputs = OnnxRuntimeSession.Run(OnnxModelWriter.ToBytes(new OnnxModel(graph, "tests", "0", [])), ("x", input, [Rows, 6]));

        var ours = new MlpPass(shape, Rows).Forward(parameters, input, Rows).ToArray();
        var theirs = outputs["y"];
        Assert.Equal(ours.Length, theirs.Length);
        for (int i = 0; i < ours.Length; i++)
            Assert.True(MathF.Abs(ours[i] - theirs[i]) <= Tolerance * MathF.Max(1f, MathF.Abs(ours[i])), $"y[{i}]: ours {ours[i]}, ONNX Runtime {theirs[i]}");
    }

    [Fact]
    public void Model_declares_dynamic_batch_opset_and_metadata()
    {
        var critic = RandomCritic(CriticArchitecture.ThreeBy100, 2, 2, new Xoshiro256StarStar(14));
        var model = CriticOnnxExport.Build(critic, [new("model", "nav@3")]);
        Assert.Equal(17, model.OpsetVersion);
        Assert.Equal(["obs", "action"], model.Graph.Inputs.Select(i => i.Name));
        Assert.Equal(["q_risk", "risk"], model.Graph.Outputs.Select(o => o.Name));
        Assert.All(model.Graph.Inputs, i => Assert.Equal(OnnxDimension.Symbolic("N"), i.Shape[0]));
        Assert.Contains(new KeyValuePair<string, string>("model", "nav@3"), model.Metadata);
        Assert.Contains(new KeyValuePair<string, string>("heads", "1"), model.Metadata);
    }

    internal static byte[] Export(SafetyCritic critic)
    {
        using var stream = new MemoryStream();
        CriticOnnxExport.Write(critic, stream);
        return stream.ToArray();
    }

    /// <summary>A critic with a non-trivial normalisation and weights spread wide enough that the
    /// sigmoids are not all near 0.5.</summary>
    internal static SafetyCritic RandomCritic(CriticArchitecture architecture, int obsDim, int actDim, Xoshiro256StarStar random)
    {
        float[] Uniform(int n, float low, float high)
        {
            var a = new float[n];
            random.FillUniform(a, low, high);
            return a;
        }
        var normalization = new Normalization(Uniform(obsDim, -3f, 3f), Uniform(obsDim, 0.1f, 4f), Uniform(actDim, -0.5f, 0.5f),
            Uniform(actDim, 0.2f, 1f), Uniform(actDim, -1f, -1f), Uniform(actDim, 1f, 1f));
        var critic = SafetyCritic.Create(architecture, normalization, random);
        var p = critic.Parameters.Data;
        for (int i = 0; i < p.Length; i++) p[i] *= 2f;
        return critic;
    }

    internal static (float[] Obs, float[] Action) RawInputs(Normalization normalization, int rows, Xoshiro256StarStar random)
    {
        var obs = new float[rows * normalization.ObsDim];
        var action = new float[rows * normalization.ActDim];
        for (int i = 0; i < rows; i++)
        {
            for (int d = 0; d < normalization.ObsDim; d++)
                obs[i * normalization.ObsDim + d] = normalization.ObsMean[d] + 2f * normalization.ObsStd[d] * (float)random.NextNormal();
            for (int d = 0; d < normalization.ActDim; d++)
                action[i * normalization.ActDim + d] = normalization.ActionMean[d] + 2f * normalization.ActionStd[d] * (float)random.NextNormal();
        }
        return (obs, action);
    }

    // What Score computes before its max over heads: the network on normalised inputs.
    private static float[] HeadOutputs(SafetyCritic critic, float[] obs, float[] action, int rows)
    {
        int od = critic.ObsDim, ad = critic.ActDim;
        var input = new float[rows * (od + ad)];
        for (int i = 0; i < rows; i++)
        {
            critic.Normalization.NormalizeObs(obs.AsSpan(i * od, od), input.AsSpan(i * (od + ad), od));
            critic.Normalization.NormalizeAction(action.AsSpan(i * ad, ad), input.AsSpan(i * (od + ad) + od, ad));
        }
        return new MlpPass(critic.Shape, rows).Forward(critic.Parameters.Data, input, rows).ToArray();
    }

    private void AssertClose(float[] ours, float[] theirs, string what)
    {
        Assert.Equal(ours.Length, theirs.Length);
        float worst = 0f;
        int at = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            float d = MathF.Abs(ours[i] - theirs[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        output.WriteLine($"{what}: largest |ours - ONNX Runtime| = {worst:G3} over {ours.Length} values");
        Assert.True(worst <= Tolerance, $"{what}[{at}]: ours {ours[at]}, ONNX Runtime {theirs[at]} (|difference| {worst} > {Tolerance})");
    }
}
