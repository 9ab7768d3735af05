using System.CommandLine;
using OfflineSafety.Errors;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`--seeds N` of the experiments (default 3), refused in one line below 1.</summary>
internal sealed class SeedsOption(string description)
{
    public Option<int> Option { get; } = new("--seeds") { Description = description, DefaultValueFactory = _ => 3 };

    public int Get(ParseResult p)
    {
        int n = p.GetValue(Option);
        return n >= 1 ? n : throw new BadInputException($"--seeds must be at least 1, got {n}");
    }
}
