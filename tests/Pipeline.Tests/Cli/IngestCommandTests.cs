using System.Text.Json;

namespace OfflineSafety.Pipeline.Tests.Cli;

public sealed class IngestCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "offsafe-ingest-cli-" + Guid.NewGuid().ToString("N"));

    public IngestCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private string Write(string name, string text)
    {
        File.WriteAllText(Path.Combine(_dir, name), text);
        return name;
    }

    [Fact]
    public async Task A_bad_file_rejects_the_whole_ingest_with_located_errors_and_creates_nothing()
    {
        Write("good.csv", "obs_0,action_0,reward,cost,next_obs_0\n0,0,0,0,1\n");
        var lines = new List<string> { "obs_0,action_0,reward,cost,next_obs_0" };
        for (int i = 0; i < 8; i++) lines.Add(i % 2 == 0 ? "0,0,0,-1,1" : "0,0,x,0,1");
        Write("bad.csv", string.Join('\n', lines) + "\n");

        var r = await OffsafeProcess.RunAsync(_dir, "ingest", "good.csv", "bad.csv", "--dataset", "robot", "--create", "--env", "Nav1", "--store", "st");

        Assert.Equal(1, r.ExitCode);
        var err = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("bad.csv:2:cost: negative cost (-1); costs are non-negative", err[0]);
        Assert.Equal("bad.csv:3:reward: not a number: 'x'", err[1]);
        Assert.Equal(6, err.Length);
        Assert.StartsWith("offsafe: ingest rejected: 8 errors (5 shown); no version created", err[5]);
        Assert.Equal("", r.Stdout);
        Assert.False(Directory.Exists(Path.Combine(_dir, "st", "datasets", "robot")), "a rejected ingest must not create the dataset");
    }

    [Fact]
    public async Task Unknown_dataset_without_create_and_missing_columns_are_one_line_errors()
    {
        Write("a.csv", "obs_0,action_0,reward,cost\n0,0,0,0\n");
        var r = await OffsafeProcess.RunAsync(_dir, "ingest", "a.csv", "--dataset", "nope", "--store", "st");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("dataset 'nope' does not exist", r.Stderr);
        Assert.Contains("--create --env", r.Stderr);

        Write("b.csv", "obs_0,act,reward,cost\n0,0,0,0\n");
        r = await OffsafeProcess.RunAsync(_dir, "ingest", "b.csv", "--dataset", "d", "--create", "--env", "E", "--store", "st");
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("b.csv:0:action: missing required column 'action' (or action_0, action_1, ...)", r.Stderr);
    }
}
