using System.Text.Json;
using OfflineSafety.Testing;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>`--mesa-outer-lr`, shared by `experiment critics` and `experiment mesa`.</summary>
public sealed class MesaOuterRateCliTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("mesa", "0")]
    [InlineData("mesa", "NaN")]
    [InlineData("critics", "-0.5")]
    public async Task A_rate_that_is_not_positive_and_finite_is_a_one_line_error_before_any_work(string experiment, string rate) =>
        await OffsafeProcess.AssertRefusedInOneLineAsync(["experiment", experiment, "--env", "navigation1", "--quick", "--mesa-outer-lr", rate],
            $"--mesa-outer-lr must be a positive finite rate, got {rate}");

    [Fact]
    public async Task The_online_experiment_meta_trains_with_the_rate_given_and_says_so_in_its_command()
    {
        async Task<JsonElement> Json(params string[] more)
        {
            var run = await OffsafeProcess.RunAsync(null, ["experiment", "mesa", "--env", "navigation1", "--quick", "--seeds", "1", "--episodes", "3",
                "--methods", "mesa", "--store", _dir.Path, "--json", .. more], TimeSpan.FromMinutes(2));
            Assert.True(run.ExitCode == 0, run.Stderr);
            return JsonDocument.Parse(run.Stdout).RootElement;
        }
        var quickRate = await Json();
        var tinyRate = await Json("--mesa-outer-lr", "1e-9");

        static Task<string> Report(JsonElement json) => File.ReadAllTextAsync(json.GetProperty("report").GetString()!);
        Assert.DoesNotContain("--mesa-outer-lr", await Report(quickRate));
        Assert.Contains("--episodes 3 --mesa-outer-lr 1E-09 --methods mesa`", await Report(tinyRate));
        // A prior that barely leaves its initialisation drives the switch otherwise than the quick one.
        Assert.NotEqual(quickRate.GetProperty("results").GetRawText(), tinyRate.GetProperty("results").GetRawText());
    }
}
