using System.Text.Json;

namespace OfflineSafety.Pipeline.Tests.Cli;

/// <summary>Step 8: `offsafe ingest` skips content the dataset holds, and a failed --create leaves no dataset.</summary>
public sealed class IngestIdempotenceTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "offsafe-ingest-idem-" + Guid.NewGuid().ToString("N"));

    public IngestIdempotenceTests()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "a.csv"), "obs_0,action_0,reward,cost,next_obs_0\n0,0,0,0,1\n0,0,0,1,1\n");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private async Task<JsonElement> IngestJsonAsync(params string[] extra)
    {
        var r = await OffsafeProcess.RunAsync(_dir, ["ingest", "a.csv", "--dataset", "d", "--create", "--env", "E", "--allow-unknown-env", "--store", "st", "--json", .. extra], TimeSpan.FromMinutes(3));
        Assert.True(r.ExitCode == 0, r.Stderr);
        return JsonDocument.Parse(r.Stdout).RootElement.Clone();
    }

    [Fact]
    public async Task The_same_file_twice_is_skipped_with_a_note_and_exit_0_and_allow_duplicate_appends_it()
    {
        Assert.Equal(1, (await IngestJsonAsync()).GetProperty("version").GetInt64());

        var again = await IngestJsonAsync();
        Assert.Equal(1, again.GetProperty("version").GetInt64()); // the current version: nothing was committed
        Assert.Equal(0, again.GetProperty("rows").GetInt64());
        Assert.False(again.GetProperty("committed").GetBoolean());
        Assert.Equal("a.csv", Assert.Single(again.GetProperty("skipped").EnumerateArray()).GetString());
        Assert.Contains(again.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("a.csv: skipped, its content (sha256 ", StringComparison.Ordinal));

        var text = await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "d", "--store", "st");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("note: all input files are already in the dataset; nothing committed", text.Stdout);

        var forced = await IngestJsonAsync("--allow-duplicate");
        Assert.Equal(2, forced.GetProperty("version").GetInt64());
        Assert.Equal(2, forced.GetProperty("rows").GetInt64());
    }

    [Fact]
    public async Task A_create_ingest_that_fails_after_reading_leaves_no_dataset()
    {
        var r = await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "d", "--create", "--env", "E", "--allow-unknown-env", "--store", "st",
            "--variant", new string('v', 300));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("offsafe: ", r.Stderr);

        var list = await OffsafeProcess.RunAsync(_dir, "datasets", "list", "--store", "st", "--json");
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Empty(JsonDocument.Parse(list.Stdout).RootElement.GetProperty("datasets").EnumerateArray());
    }
}
