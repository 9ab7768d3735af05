using System.CommandLine;
using OfflineSafety.Errors;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// `--mesa-outer-lr R` of `experiment critics` and `experiment mesa`: MESA's outer Adam rate alpha_2
/// instead of the budget's (the paper's 1e-5 at the paper budget), so the offline and the online
/// experiment can be asked the same question.
/// </summary>
internal sealed class MesaOuterRateOption
{
    public Option<float?> Option { get; } = new("--mesa-outer-lr") { Description = "Override MESA's outer Adam rate (paper: 1e-5; --quick: 1e-3)." };

    /// <summary>The value or null when not given, refused in one line unless positive and finite.</summary>
    public float? Get(ParseResult p) => p.GetValue(Option) switch
    {
        null => null,
        { } r when float.IsFinite(r) && r > 0f => r,
        { } r => throw new BadInputException($"--mesa-outer-lr must be a positive finite rate, got {r}"),
    };
}
