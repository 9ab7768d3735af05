using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OfflineSafety.Bench.Serve;

namespace OfflineSafety.Bench.Cli;

/// <summary>`offsafe-bench serve`: evaluate latency and throughput under concurrent clients, and adaptation time, against `offsafe serve` on loopback.</summary>
public static class ServeBenchCommand
{
    public static Command Create()
    {
        var clients = new Option<int>("--clients") { Description = "Concurrent clients.", DefaultValueFactory = _ => 32 };
        var requests = new Option<int>("--requests") { Description = "Evaluate calls per client (at most).", DefaultValueFactory = _ => 200 };
        var seconds = new Option<int>("--seconds") { Description = "Time limit of the evaluate load.", DefaultValueFactory = _ => 30 };
        var steps = new Option<int>("--adapt-steps") { Description = "Adaptation steps (on 200 inline transitions).", DefaultValueFactory = _ => 100 };
        var nice = new Option<int>("--generator-nice")
        {
            Description = "Nice value of this load generator during the load (Linux; the server keeps 0). On a shared 2-core machine 10 keeps the clients from time-slicing the server's requests; 0 measures both at one priority.",
            DefaultValueFactory = _ => 10,
        };
        var offsafe = new Option<string?>("--offsafe") { Description = "Path of offsafe.dll (default: src/Pipeline's Release build)." };
        var command = new Command("serve", "The critic service on loopback: evaluate p50/p99 and requests/s under concurrent clients; adapt and a cached repeat.");
        foreach (var o in new Option[] { clients, requests, seconds, steps, nice, offsafe }) command.Options.Add(o);
        BenchAction.Set(command, async (p, ct) =>
        {
            string repository = FindRepository();
            string dll = p.GetValue(offsafe) ?? Path.Combine(repository, "src", "Pipeline", "bin", "Release", "net10.0", "offsafe.dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"{dll}: build it first (dotnet build src/Pipeline -c Release) or pass --offsafe");
            var folder = Directory.CreateTempSubdirectory("offsafe-bench-serve-");
            try
            {
                var f = await ServeLoadBench.RunAsync(dll, repository, folder.FullName, p.GetValue(clients), p.GetValue(requests),
                    TimeSpan.FromSeconds(p.GetValue(seconds)), p.GetValue(steps), p.GetValue(nice), ct);
                if (p.GetValue(BenchCommands.Json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(f));
                    return 0;
                }
                var c = CultureInfo.InvariantCulture;
                Console.WriteLine(string.Create(c, $"evaluate, 100 pairs a call, {f.Clients} clients, {f.Requests} calls in {f.Seconds:F1} s: {f.RequestsPerSecond:F0} requests/s; load generator at nice {(f.GeneratorNice is { } n ? n.ToString(c) : "0 (could not lower it)")}"));
                Console.WriteLine(string.Create(c, $"  server p50 {f.ServerP50:F3} ms (target < 1 ms), p99 {f.ServerP99:F3} ms (target < 5 ms); client p50 {f.ClientP50:F3} ms, p99 {f.ClientP99:F3} ms"));
                if (f.Gc.Mode.Length > 0)
                    Console.WriteLine(string.Create(c, $"  server gc ({f.Gc.Mode}): {f.Gc.AllocatedBytesPerRequest:F0} bytes allocated per evaluate; {f.Gc.Gen0} / {f.Gc.Gen1} / {f.Gc.Gen2} collections (gen 0 / 1 / 2), {f.Gc.PauseMs:F1} ms paused in all"));
                if (!double.IsNaN(f.ServerPoolThreads))
                    Console.WriteLine(string.Create(c, $"  server thread-pool workers after the load: {f.ServerPoolThreads:F0} ({Environment.ProcessorCount} cores)"));
                Console.WriteLine(string.Create(c, $"adapt {f.AdaptSteps} steps on {f.AdaptRows} transitions: {f.AdaptServerMs:F1} ms server time (target < 1000 ms); cached repeat {f.CachedAdaptServerMs:F3} ms, median of 21 (target < 5 ms)"));
                return 0;
            }
            finally
            {
                folder.Delete(recursive: true);
            }
        });
        return command;
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OfflineSafety.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("run the benchmark from inside the repository (OfflineSafety.sln not found above the executable)");
    }
}
