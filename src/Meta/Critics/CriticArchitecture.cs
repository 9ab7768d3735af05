using OfflineSafety.Errors;

namespace OfflineSafety.Meta.Critics;

/// <summary>
/// Shape of a safety critic: MLP [obs ++ act] -> hidden... -> heads, ReLU, sigmoid per head.
/// With two heads the critic is pessimistic: it reports max(Q1, Q2) in the target and at query time.
/// </summary>
public sealed record CriticArchitecture(int[] Hidden, int Heads)
{
    /// <summary>Recovery RL / thesis network: 2 x 256, twin heads.</summary>
    public static CriticArchitecture TwoBy256 => new([256, 256], 2);

    /// <summary>MESA code's meta-critic: 3 x 100, one head.</summary>
    public static CriticArchitecture ThreeBy100 => new([100, 100, 100], 1);

    public void Validate()
    {
        if (Hidden.Length == 0 || Hidden.Any(h => h <= 0)) throw new BadInputException($"hidden layer sizes must be positive, got [{string.Join(",", Hidden)}]");
        if (Heads is not (1 or 2)) throw new BadInputException($"a safety critic has one or two heads, got {Heads}");
    }

    /// <summary>Parses a preset name ("2x256", "3x100") or a comma list of widths.</summary>
    public static CriticArchitecture Parse(string text, int? heads = null)
    {
        var preset = text switch
        {
            "2x256" => TwoBy256,
            "3x100" => ThreeBy100,
            _ => new CriticArchitecture(text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(s => int.TryParse(s, out int w) ? w : throw new BadInputException($"hidden layer width '{s}' in '{text}' is not an integer")).ToArray(), 1),
        };
        var result = heads is { } h ? preset with { Heads = h } : preset;
        result.Validate();
        return result;
    }

    /// <summary>The widths as people write them: "2x256" when the layers are equal, "64,32" otherwise.</summary>
    public string Widths => Hidden.Distinct().Count() == 1 ? $"{Hidden.Length}x{Hidden[0]}" : string.Join(",", Hidden);

    public override string ToString() => $"[{string.Join("x", Hidden)}] heads={Heads}";
}
