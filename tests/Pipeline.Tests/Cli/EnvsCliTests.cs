using System.Diagnostics;
using System.Text.Json;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>Runs the real `offsafe` executable (the built offsafe.dll) as a child process.</summary>
public class EnvsCliTests
{
    private static (int Code, string Stdout, string Stderr) Offsafe(params string[] args)
    {
        var r = OffsafeProcess.Run(args);
        return (r.ExitCode, r.Stdout, r.Stderr);
    }

    [Fact]
    public void Envs_list_json_describes_the_built_in_environments()
    {
        var (code, stdout, _) = Offsafe("envs", "list", "--json");
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var envs = doc.RootElement.GetProperty("environments").EnumerateArray().ToList();
        Assert.Equal(["navigation1", "navigation2", "cartpole-length", "extraction", "cartpole-mujoco", "halfcheetah-disabled", "ant-disabled"],
            envs.Select(e => e.GetProperty("id").GetString()));
        Assert.Equal(17, envs[5].GetProperty("observation").GetProperty("dim").GetInt32());
        Assert.Equal(400_000, envs[6].GetProperty("suite_defaults").GetProperty("transitions_per_variant").GetInt32());
        var cartpole = envs[2];
        Assert.Equal(4, cartpole.GetProperty("observation").GetProperty("dim").GetInt32());
        Assert.Equal(-1, cartpole.GetProperty("action").GetProperty("low")[0].GetDouble());
        Assert.Equal(200, cartpole.GetProperty("horizon").GetInt32());
        Assert.Equal(20_000, cartpole.GetProperty("suite_defaults").GetProperty("transitions_per_variant").GetInt32());
        Assert.Equal("Infinity", envs[0].GetProperty("observation").GetProperty("high")[0].GetString());
        Assert.Contains("< 4", envs[0].GetProperty("rules").GetProperty("success").GetString());
        var extraction = envs[3];
        Assert.Equal(6, extraction.GetProperty("observation").GetProperty("dim").GetInt32());
        Assert.Equal(40, extraction.GetProperty("suite_defaults").GetProperty("training_variants").GetInt32());
        Assert.Contains("touching the container", extraction.GetProperty("rules").GetProperty("violation").GetString());
    }

    [Fact]
    public async Task Generate_writes_the_suite_as_one_dataset_version_with_variant_parameters()
    {
        string store = Path.Combine(Path.GetTempPath(), "offsafe-generate-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, stdout, _) = Offsafe("generate", "--env", "cartpole-length", "--variants", "2", "--transitions", "300",
                "--test-transitions", "60", "--seed", "5", "--dataset", "cp", "--store", store, "--json");
            Assert.Equal(0, code);
            using var doc = JsonDocument.Parse(stdout);
            var root = doc.RootElement;
            long version = root.GetProperty("version").GetInt64();
            var variants = root.GetProperty("variants").EnumerateArray().ToList();
            Assert.Equal([300, 300, 60], variants.Select(v => v.GetProperty("rows").GetInt32()));
            Assert.Equal("L=1.000", variants[2].GetProperty("variant").GetString());
            Assert.Equal("test", variants[2].GetProperty("role").GetString());

            var datasets = new DatasetStore(new LocalObjectStore(store));
            var reference = new DatasetReference("cp", version.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var rows = await datasets.ReadAsync(reference);
            Assert.Equal(660, rows.Count);
            Assert.Equal(60, rows.Variant.ToArray().Count(v => v == "L=1.000"));
            var metadata = DatasetStore.MetadataOf("cp", await datasets.SnapshotAsync(reference));
            Assert.Equal("cartpole-length", metadata.EnvId);
            Assert.Equal(1.0, metadata.VariantParams["L=1.000"]["L"], 6);
            Assert.Equal(3, metadata.VariantParams.Count);

            // --overwrite: the next version holds only the new suite; without it, rows add up.
            var (again, againOut, againErr) = Offsafe("generate", "--env", "cartpole-length", "--variants", "2", "--transitions", "100",
                "--test-transitions", "20", "--seed", "6", "--dataset", "cp", "--store", store, "--overwrite");
            Assert.True(again == 0, againErr);
            Assert.Contains("replaced 660 rows in 3 files", againOut);
            Assert.Equal(220, (await datasets.ReadAsync(new DatasetReference("cp", null))).Count);
            Assert.Equal(660, (await datasets.ReadAsync(reference)).Count);
        }
        finally
        {
            if (Directory.Exists(store)) Directory.Delete(store, recursive: true);
        }
    }

    [Fact]
    public void Generate_runs_a_mujoco_suite_with_the_papers_held_out_joint()
    {
        DebianPackages.EnsureInstalled("libmujoco2.2.2");
        string store = Path.Combine(Path.GetTempPath(), "offsafe-generate-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, stdout, stderr) = Offsafe("generate", "--env", "halfcheetah-disabled", "--variants", "2", "--transitions", "1500",
                "--test-transitions", "1000", "--seed", "5", "--dataset", "hc", "--store", store, "--json");
            Assert.True(code == 0, stderr);
            using var doc = JsonDocument.Parse(stdout);
            var variants = doc.RootElement.GetProperty("variants").EnumerateArray().ToList();
            Assert.Equal(["joint=1,power=0.000", "joint=2,power=0.000", "joint=5,power=0.000"], variants.Select(v => v.GetProperty("variant").GetString()));
            Assert.Equal([1500, 1500, 1000], variants.Select(v => v.GetProperty("rows").GetInt32()));
        }
        finally
        {
            if (Directory.Exists(store)) Directory.Delete(store, recursive: true);
        }
    }

    [Theory]
    [InlineData("cartpole-length", "b1=1,b2=1", "variant 'b1=1,b2=1': expected L=<number>")]
    [InlineData("navigation3", "auto", "unknown environment 'navigation3'")]
    [InlineData("halfcheetah-disabled", "joint=6,power=0", "joint must be 0..5")]
    public void Generate_rejects_bad_input_with_one_line(string env, string testVariant, string message)
    {
        var (code, stdout, stderr) = Offsafe("generate", "--env", env, "--test-variant", testVariant, "--seed", "1", "--dataset", "x");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        Assert.Contains(message, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
