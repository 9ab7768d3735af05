using System.CommandLine;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe bench`: benchmarks, one subcommand per area, each in its own file.</summary>
public static class BenchCommands
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks (timings are wall-clock on this machine; run on a quiet machine).");
        bench.Subcommands.Add(EnvsBenchCommand.Create());
        return bench;
    }
}
