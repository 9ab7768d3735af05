using System.CommandLine;
using OfflineSafety.Errors;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`--workers N` of the multi-seed experiments: seeds side by side (<see cref="Experiments.SeedParallel"/>).</summary>
internal sealed class WorkersOption
{
    public Option<int> Option { get; } = new("--workers")
    {
        Description = "Seeds run side by side (default 1). Every run is the same episodes for any value; only the wall time changes: set it to the cores you can spare.",
        DefaultValueFactory = _ => 1,
    };

    /// <summary>The value, refused in one line below 1.</summary>
    public int Get(ParseResult p)
    {
        int n = p.GetValue(Option);
        return n >= 1 ? n : throw new BadInputException($"--workers must be at least 1, got {n}");
    }
}
