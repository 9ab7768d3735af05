using System.CommandLine;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe bench`: benchmarks printed beside their anchors from the same run (bench/).</summary>
public static class BenchCommands
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks, each beside its anchor (DuckDB, PyTorch) measured in the same run.");
        bench.Subcommands.Add(ParquetBenchCommand.Create());
        return bench;
    }
}
