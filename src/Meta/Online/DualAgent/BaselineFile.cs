using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Serialization;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// A deterministic baseline actor as a safetensors file: the network's tensors by their torch names,
/// the observation normalisation as obs_mean / obs_std, and the shape in the metadata. What
/// `offsafe online --algo dual-agent --save-baseline FILE` writes and `--baseline FILE` reads.
/// </summary>
public static class BaselineFile
{
    private const string Kind = "offsafe-deterministic-actor";

    public static void Save(string path, DeterministicActor actor, Normalization observations)
    {
        var tensors = actor.Network.Parameters.Select(p => new SafeTensor(p.Name!, p.Shape, p.Data.ToArray())).ToList();
        tensors.Add(new SafeTensor("obs_mean", [observations.ObsDim], observations.ObsMean.ToArray()));
        tensors.Add(new SafeTensor("obs_std", [observations.ObsDim], observations.ObsStd.ToArray()));
        SafeTensors.Save(path, tensors, new Dictionary<string, string>
        {
            ["kind"] = Kind,
            ["obs_dim"] = actor.ObsDim.ToString(CultureInfo.InvariantCulture),
            ["act_dim"] = actor.ActDim.ToString(CultureInfo.InvariantCulture),
            ["hidden"] = string.Join(",", actor.Hidden),
        });
    }

    /// <summary>Reads a baseline and checks it fits (<paramref name="obsDim"/>, <paramref name="actDim"/>); bad files are user errors naming the file.</summary>
    public static FrozenActorBaseline Load(string path, int obsDim, int actDim)
    {
        if (!File.Exists(path)) throw new BadInputException($"--baseline: no file '{path}' (expected td3, controller or a baseline .safetensors file)");
        SafeTensorsContent content;
        try
        {
            content = SafeTensors.Load(path);
        }
        catch (InvalidDataException e)
        {
            throw new BadInputException($"--baseline: {e.Message}");
        }
        if (!content.Metadata.TryGetValue("kind", out var kind) || kind != Kind)
            throw new BadInputException($"{path}: not a baseline actor file (metadata kind is '{kind ?? "missing"}', expected '{Kind}')");
        int fileObs = Int(content, path, "obs_dim"), fileAct = Int(content, path, "act_dim");
        if (fileObs != obsDim || fileAct != actDim)
            throw new BadInputException($"{path}: baseline acts on ({fileObs}, {fileAct}) but the environment is ({obsDim}, {actDim})");
        int[] hidden;
        try
        {
            hidden = content.Metadata["hidden"].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(h => int.Parse(h, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException)
        {
            throw new BadInputException($"{path}: metadata 'hidden' is missing or not a comma-separated list of widths");
        }
        var actor = new DeterministicActor(obsDim, actDim, hidden, new Xoshiro256StarStar(0));
        foreach (var p in actor.Network.Parameters) Copy(content, path, p.Name!, p);
        var mean = Vector(content, path, "obs_mean", obsDim);
        var std = Vector(content, path, "obs_std", obsDim);
        var observations = Normalization.Identity(obsDim, actDim) with { ObsMean = mean, ObsStd = std };
        return new FrozenActorBaseline(actor, observations, Path.GetFileName(path));
    }

    private static int Int(SafeTensorsContent content, string path, string key) =>
        content.Metadata.TryGetValue(key, out var text) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
            ? value
            : throw new BadInputException($"{path}: metadata '{key}' is missing or not an integer");

    private static void Copy(SafeTensorsContent content, string path, string name, Tensor into)
    {
        var entry = content.Tensors.FirstOrDefault(t => t.Name == name) ?? throw new BadInputException($"{path}: no tensor '{name}'");
        if (!entry.Shape.AsSpan().SequenceEqual(into.Shape))
            throw new BadInputException($"{path}: tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], expected {into.ShapeText}");
        entry.Values.CopyTo(into.Data);
    }

    private static float[] Vector(SafeTensorsContent content, string path, string name, int length)
    {
        var entry = content.Tensors.FirstOrDefault(t => t.Name == name) ?? throw new BadInputException($"{path}: no tensor '{name}'");
        return entry.Values.Length == length ? entry.Values : throw new BadInputException($"{path}: '{name}' has {entry.Values.Length} values, expected {length}");
    }
}
