namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>Step 8, finding 6: environment ids on --create and empty dataset names are one clean line.</summary>
public sealed class IngestValidationCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "offsafe-ingest-validation-" + Guid.NewGuid().ToString("N"));

    public IngestValidationCliTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "a.csv"), "obs_0,obs_1,action_0,action_1,reward,cost\n0,0,1,1,1,0\n1,1,1,1,1,0\n");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task An_unknown_env_id_on_create_is_refused_in_one_line_listing_the_known_ids()
    {
        var r = await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "d", "--create", "--env", "bogus_env", "--store", "st");

        Assert.Equal(1, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("unknown environment 'bogus_env'", lines[0]);
        Assert.Contains("navigation1, navigation2, cartpole-length, extraction", lines[0]);
        Assert.Contains("--allow-unknown-env", lines[0]);
        Assert.False(Directory.Exists(Path.Combine(_dir, "st", "datasets", "d")), "a refused ingest must not create the dataset");
    }

    [Fact]
    public async Task A_known_env_id_or_an_unknown_one_with_the_flag_is_accepted()
    {
        var r = await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "nav", "--create", "--env", "navigation1", "--store", "st", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        r = await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "robot", "--create", "--env", "my-robot-v2", "--allow-unknown-env", "--store", "st", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        // Appending to an existing dataset does not re-check its env id.
        r = await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "robot", "--store", "st", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
    }

    [Fact]
    public async Task An_empty_dataset_name_is_one_clean_line()
    {
        var r = await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "", "--store", "st");

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("offsafe: dataset name is empty", r.Stderr.Trim());
    }

    [Fact]
    public async Task A_huge_variant_is_one_short_line()
    {
        var r = await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "d", "--create", "--env", "navigation1",
            "--variant", new string('v', 100_000), "--store", "st");

        Assert.Equal(1, r.ExitCode);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(r.Stderr.Length < 200, r.Stderr.Length.ToString());
        Assert.Contains("(100000 bytes)", r.Stderr);
    }
}
