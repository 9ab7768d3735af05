using System.Globalization;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Nn.Onnx;

namespace OfflineSafety.Meta.Export;

/// <summary>
/// A safety critic as an ONNX model (opset <see cref="OnnxModel.DefaultOpsetVersion"/>) that scores
/// raw inputs exactly as <see cref="SafetyCritic.Score"/> does, normalisation included, so a job with
/// any ONNX runtime needs nothing else from us:
/// <list type="bullet">
/// <item>inputs <c>obs</c> float32 [N, obs_dim] and <c>action</c> float32 [N, act_dim], N free;</item>
/// <item>output <c>q_risk</c> float32 [N, heads]: each head's sigmoid output;</item>
/// <item>output <c>risk</c> float32 [N]: the pessimistic max over heads, equal to Score's output (with
/// one head, that head).</item>
/// </list>
/// The graph is Concat, Sub mean, Div std (the same float32 operations as
/// <see cref="Normalization"/>), then Gemm/Relu per layer, Sigmoid, ReduceMax. docs/onnx.md shows
/// how to run it.
/// </summary>
public static class CriticOnnxExport
{
    public const string ObsInput = "obs";
    public const string ActionInput = "action";
    public const string HeadsOutput = "q_risk";
    public const string RiskOutput = "risk";
    public const string BatchDimension = "N";
    public const string ProducerName = "OfflineSafety";

    /// <summary>Writes <paramref name="critic"/> as an ONNX file to <paramref name="destination"/>.
    /// <paramref name="metadata"/> (e.g. <see cref="MetadataOf"/> of its model card) goes into the
    /// file's metadata_props.</summary>
    public static void Write(SafetyCritic critic, Stream destination, IReadOnlyList<KeyValuePair<string, string>>? metadata = null) =>
        OnnxModelWriter.Write(Build(critic, metadata), destination);

    /// <summary>The model <see cref="Write"/> serialises.</summary>
    public static OnnxModel Build(SafetyCritic critic, IReadOnlyList<KeyValuePair<string, string>>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(critic);
        var norm = critic.Normalization;
        var mean = new float[norm.ObsDim + norm.ActDim];
        var std = new float[mean.Length];
        norm.ObsMean.CopyTo(mean, 0);
        norm.ActionMean.CopyTo(mean, norm.ObsDim);
        norm.ObsStd.CopyTo(std, 0);
        norm.ActionStd.CopyTo(std, norm.ObsDim);

        var mlp = MlpOnnxNodes.Build(critic.Shape, critic.Parameters.Data, "normalized", HeadsOutput, "");
        List<OnnxNode> nodes =
        [
            new("Concat", [ObsInput, ActionInput], ["input"], "concat") { Attributes = [new OnnxIntAttribute("axis", 1)] },
            new("Sub", ["input", "input_mean"], ["centred"], "normalize.sub"),
            new("Div", ["centred", "input_std"], ["normalized"], "normalize.div"),
            .. mlp.Nodes,
            new("ReduceMax", [HeadsOutput], [RiskOutput], "pessimistic_max")
            {
                Attributes = [new OnnxIntsAttribute("axes", [1]), new OnnxIntAttribute("keepdims", 0)],
            },
        ];
        List<OnnxTensor> initializers = [new("input_mean", [mean.Length], mean), new("input_std", [std.Length], std), .. mlp.Initializers];
        var batch = OnnxDimension.Symbolic(BatchDimension);
        var graph = new OnnxGraph("safety_critic", nodes, initializers,
            [new(ObsInput, [batch, OnnxDimension.Fixed(critic.ObsDim)]), new(ActionInput, [batch, OnnxDimension.Fixed(critic.ActDim)])],
            [new(HeadsOutput, [batch, OnnxDimension.Fixed(critic.Heads)]), new(RiskOutput, [batch])])
        {
            Documentation = $"Safety critic Q_risk(s, a) {critic.Architecture}: raw obs and action in, per-head sigmoid risk and their max out.",
        };
        List<KeyValuePair<string, string>> properties =
        [
            new("obs_dim", critic.ObsDim.ToString(CultureInfo.InvariantCulture)),
            new("act_dim", critic.ActDim.ToString(CultureInfo.InvariantCulture)),
            new("heads", critic.Heads.ToString(CultureInfo.InvariantCulture)),
            new("hidden", string.Join(",", critic.Architecture.Hidden)),
            .. metadata ?? [],
        ];
        return new OnnxModel(graph, ProducerName, CodeVersion.Current, properties);
    }

    /// <summary>What a consumer of the file wants to know from the model card: which model it is and
    /// the threshold at which its risk counts as unsafe.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> MetadataOf(ModelCard card) =>
    [
        new("model", card.Reference),
        new("eps_risk", card.EpsRisk.ToString("R", CultureInfo.InvariantCulture)),
        new("gamma_risk", card.GammaRisk.ToString("R", CultureInfo.InvariantCulture)),
        new("dataset", card.Lineage.Dataset.ToString()),
    ];
}
