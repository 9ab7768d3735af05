using System.Diagnostics;
using System.Text.Json;
using OfflineSafety.Pipeline.Cli;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>Runs the real `offsafe` executable (the built offsafe.dll) as a child process.</summary>
public class EnvsCliTests
{
    private static (int Code, string Stdout, string Stderr) Offsafe(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(OffsafeCli).Assembly.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Envs_list_json_describes_the_three_environments()
    {
        var (code, stdout, _) = Offsafe("envs", "list", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var envs = doc.RootElement.GetProperty("environments").EnumerateArray().ToList();
        Assert.Equal(["navigation1", "navigation2", "cartpole-length"], envs.Select(e => e.GetProperty("id").GetString()));
        var cartpole = envs[2];
        Assert.Equal(4, cartpole.GetProperty("observation").GetProperty("dim").GetInt32());
        Assert.Equal(-1, cartpole.GetProperty("action").GetProperty("low")[0].GetDouble());
        Assert.Equal(200, cartpole.GetProperty("horizon").GetInt32());
        Assert.Equal(20_000, cartpole.GetProperty("suite_defaults").GetProperty("transitions_per_variant").GetInt32());
        Assert.Equal("Infinity", envs[0].GetProperty("observation").GetProperty("high")[0].GetString());
        Assert.Contains("< 4", envs[0].GetProperty("rules").GetProperty("success").GetString());
    }

    [Fact]
    public void Generate_json_reports_each_variant_and_says_nothing_was_persisted()
    {
        var (code, stdout, stderr) = Offsafe("generate", "--env", "cartpole-length", "--variants", "2", "--transitions", "300",
            "--test-transitions", "60", "--seed", "5", "--dataset", "cp", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.False(root.GetProperty("persisted").GetBoolean());
        var variants = root.GetProperty("variants").EnumerateArray().ToList();
        Assert.Equal([300, 300, 60], variants.Select(v => v.GetProperty("rows").GetInt32()));
        Assert.Equal("L=1.000", variants[2].GetProperty("variant").GetString());
        Assert.Equal("test", variants[2].GetProperty("role").GetString());
        Assert.Contains("was NOT written", stderr);
    }

    [Theory]
    [InlineData("cartpole-length", "b1=1,b2=1", "variant 'b1=1,b2=1': expected L=<number>")]
    [InlineData("navigation3", "auto", "unknown environment 'navigation3'")]
    public void Generate_rejects_bad_input_with_one_line(string env, string testVariant, string message)
    {
        var (code, stdout, stderr) = Offsafe("generate", "--env", env, "--test-variant", testVariant, "--seed", "1", "--dataset", "x");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
