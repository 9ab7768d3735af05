using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OfflineSafety.Bench.Parquet;
using Spectre.Console;


namespace OfflineSafety.Bench.Cli;

/// <summary>`offsafe-bench codecs`: page codecs side by side (our Snappy vs Snappier; ZSTD and LZ4_RAW for context).</summary>
public static class CodecsBenchCommand
{
    public static Command Create()
    {
        var rounds = new Option<int>("--rounds") { Description = "Alternating rounds per codec; the median is printed.", DefaultValueFactory = _ => 7 };
        var command = new Command("codecs", "Parquet page codecs on 1 MiB transition pages: our Snappy against Snappier 1.3.2, with ZSTD and LZ4_RAW.");
        command.Options.Add(rounds);
        BenchAction.Set(command, (parseResult, ct) =>
        {
            int r = parseResult.GetValue(rounds);
            if (r <= 0) throw new ArgumentException($"--rounds must be positive, got {r}");
            var figures = PageCodecBench.Run(r, ct);
            if (parseResult.GetValue(BenchCommands.Json))
            {
                Console.WriteLine(JsonSerializer.Serialize(figures.Select(f => new
                {
                    page = f.Page, codec = f.Codec, compress_mb_s = f.CompressMBps, decompress_mb_s = f.DecompressMBps, ratio = f.Ratio,
                })));
                return 0;
            }
            var table = new Table().AddColumns("page", "codec", "compress MB/s", "decompress MB/s", "size ratio");
            foreach (var f in figures)
                table.AddRow(f.Page, Markup.Escape(f.Codec), f.CompressMBps.ToString("F0", CultureInfo.InvariantCulture),
                    f.DecompressMBps.ToString("F0", CultureInfo.InvariantCulture), f.Ratio.ToString("F2", CultureInfo.InvariantCulture) + "x");
            BenchConsoles.Over(Console.Out, Console.IsOutputRedirected).Write(table);
            return 0;
        });
        return command;
    }
}
