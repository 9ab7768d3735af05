using System.Text.Json;
using OfflineSafety.Testing;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`experiment critics --mesa-architecture`: MESA's network alone changes, and the results say which it was.</summary>
public sealed class CriticsExperimentMesaNetworkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_width_that_is_not_an_integer_is_a_one_line_error_before_any_work() =>
        await OffsafeProcess.AssertRefusedInOneLineAsync(["experiment", "critics", "--env", "navigation1", "--quick", "--mesa-architecture", "2x"],
            "hidden layer width '2x' in '2x' is not an integer");

    [Fact]
    public async Task Only_mesa_changes_with_its_network_and_the_results_record_the_network()
    {
        async Task<JsonElement> Json(params string[] more)
        {
            var run = await OffsafeProcess.RunAsync(null, ["experiment", "critics", "--env", "navigation1", "--seeds", "1", "--quick",
                "--mesa-iterations", "5", "--baseline-steps", "20", "--steps", "2", "--store", _dir.Path, "--json", .. more], TimeSpan.FromMinutes(4));
            Assert.True(run.ExitCode == 0, run.Stderr);
            return JsonDocument.Parse(run.Stdout).RootElement;
        }
        var code = await Json();
        var wide = await Json("--mesa-architecture", "32,32");

        Assert.Equal("3x100", code.GetProperty("mesaArchitecture").GetString());
        Assert.Equal("2x32", wide.GetProperty("mesaArchitecture").GetString());
        string Scores(JsonElement json, string method) => string.Join(";", json.GetProperty("results").EnumerateArray()
            .Where(r => r.GetProperty("method").GetString() == method).Select(r => r.GetRawText()));
        Assert.NotEqual(Scores(code, "mesa"), Scores(wide, "mesa"));
        foreach (var method in new[] { "multitask", "rrl", "gbm" })
            Assert.Equal(Scores(code, method), Scores(wide, method));
    }
}
