using OfflineSafety.Ingest.Logs;

namespace OfflineSafety.Ingest.Tests.Logs;

public sealed class ValidationTests : IDisposable
{
    private const string Header = "episode_id,step,obs_0,obs_1,action_0,reward,cost,next_obs_0,next_obs_1";
    private const string Good = "1,0,0,0,0,0,0,1,1";
    private readonly LogFiles _files = new();

    public void Dispose() => _files.Dispose();

    /// <summary>The single error of a file whose first data row is good and whose second is <paramref name="bad"/>.</summary>
    private string ErrorOf(string header, string bad, string name = "x.csv", string good = Good)
    {
        var ex = _files.Reject(name, $"{header}\n{good}\n{bad}\n");
        Assert.Equal(1, ex.ErrorCount);
        var text = ex.Errors[0].ToString();
        return text[(_files.Root.Length + 1)..];
    }

    [Theory]
    [InlineData("1,1,0,0,0,0,0,1", "x.csv:3:next_obs_1: missing field: the row has 8 fields, the header 9")]
    [InlineData("1,1,0,0,0,0,0,1,1,9", "x.csv:3:#10: extra field: the row has 10 fields, the header 9")]
    [InlineData("1,1,NaN,0,0,0,0,1,1", "x.csv:3:obs_0: not finite (NaN)")]
    [InlineData("1,1,0,0,-Infinity,0,0,1,1", "x.csv:3:action_0: not finite (-Infinity)")]
    [InlineData("1,1,0,0,0,1e39,0,1,1", "x.csv:3:reward: not finite (Infinity)")]
    [InlineData("1,1,0,0,0,0,nan,1,1", "x.csv:3:cost: not finite (NaN)")]
    [InlineData("1,1,0,0,0,0,-0.5,1,1", "x.csv:3:cost: negative cost (-0.5); costs are non-negative")]
    [InlineData("1,1,0,0,0,0,0,1,one", "x.csv:3:next_obs_1: not a number: 'one'")]
    [InlineData("1,1,0,,0,0,0,1,1", "x.csv:3:obs_1: missing value")]
    [InlineData("1,1,0,0,0,,0,1,1", "x.csv:3:reward: missing value")]
    [InlineData("1.5,1,0,0,0,0,0,1,1", "x.csv:3:episode_id: not an integer: '1.5'")]
    [InlineData("1,3,0,0,0,0,0,1,1", "x.csv:3:step: step 3 contradicts episode 1: expected 1 (steps rise by 1 within an episode, in file order)")]
    [InlineData("2,-1,0,0,0,0,0,1,1", "x.csv:3:step: negative step -1")]
    public void Each_bad_row_kind_is_one_error_naming_file_line_and_column(string bad, string expected) =>
        Assert.Equal(expected, ErrorOf(Header, bad));

    [Fact]
    public void Wrong_dimensions_name_the_row_that_fixed_the_dimension()
    {
        Assert.Equal("y.csv:3:obs: has 3 values, expected 2 (dimension set by " + Path.Combine(_files.Root, "y.csv") + ":2)",
            ErrorOf("obs,action,reward,cost,next_obs", "\"[1,2,3]\",[0],0,0,\"[1,2]\"", "y.csv", good: "\"[0,0]\",[0],0,0,\"[1,1]\""));
        var fromMetadata = Assert.Throws<LogRejectedException>(() => LogIngest.Read(
            [_files.Write("z.csv", "obs,action,reward,cost\n\"[1,2]\",\"[0,0]\",0,0\n")],
            new IngestSettings(new FieldMap(), ObsDim: 2, ActDim: 1)));
        Assert.EndsWith("z.csv:2:action: has 2 values, expected 1 (dimension set by dataset metadata)", fromMetadata.Errors[0].ToString());
    }

    [Fact]
    public void Flags_must_be_booleans_or_zero_and_one()
    {
        Assert.Equal("x.csv:3:unsafe: not a boolean (true/false/1/0): 'maybe'", ErrorOf(Header + ",unsafe", "1,1,0,0,0,0,0,1,1,maybe", good: Good + ",0"));
        Assert.Equal("x.csv:3:unsafe: not a boolean (true/false/1/0): '2'", ErrorOf(Header + ",unsafe", "1,1,0,0,0,0,0,1,1,2", good: Good + ",1.0"));
    }

    [Fact]
    public void File_level_problems_are_reported_at_row_0()
    {
        string Of(string text) => _files.Reject("h.csv", text).Errors[0].ToString()[(_files.Root.Length + 1)..];
        Assert.Equal("h.csv:0:obs: missing required column 'obs' (or obs_0, obs_1, ...); use --map obs=COLUMN if it has another name",
            Of("state,action,reward,cost\n"));
        Assert.Equal("h.csv:0:obs_1: missing column: flattened 'obs' has columns up to obs_2", Of("obs_0,obs_2,action,reward,cost\n"));
        Assert.Equal("h.csv:0:obs: both 'obs' and flattened 'obs_k' columns are present; give one layout", Of("obs,obs_0,action,reward,cost\n"));
        Assert.Equal("h.csv:0:reward: column appears twice", Of("obs,action,reward,reward,cost\n"));
        Assert.Equal("h.csv:0:(header): empty file: a header row is expected", Of(""));
    }

    [Fact]
    public void A_rejected_ingest_lists_the_first_five_errors_and_counts_all()
    {
        var rows = Enumerable.Range(0, 12).Select(i => $"{i},0,0,0,0,0,-1,1,1");
        var ex = _files.Reject("many.csv", Header + "\n" + string.Join("\n", rows) + "\n");
        Assert.Equal(12, ex.ErrorCount);
        Assert.Equal(5, ex.Errors.Count);
        Assert.Equal([2L, 3L, 4L, 5L, 6L], ex.Errors.Select(e => e.Row));
    }

    [Fact]
    public void Quarantine_keeps_valid_rows_and_returns_each_rejected_row_with_its_raw_text()
    {
        var r = _files.Read("q.csv", """
            episode_id,obs,action,reward,cost
            1,[0],[1],0,0
            1,[1],[1],0,0
            1,[2],[1],bad,0
            1,[3],[1],0,0
            1,[4],[1],0,0
            2,[9],[0],0,2,
            """.Replace("[0],[1]", "\"[0]\",\"[1]\""), quarantine: true);

        // Line 4 is rejected; line 3 then has no next observation and is rejected too (nothing silently lost).
        var t = r.Transitions;
        Assert.Equal([0f, 3f], t.Obs.ToArray());
        Assert.Equal([1f, 4f], t.NextObs.ToArray());
        Assert.Equal(3, r.Rejected);
        Assert.Collection(r.Rejects,
            a => { Assert.Equal((4L, "reward"), (a.Error.Row, a.Error.Column)); Assert.Equal("1,[2],[1],bad,0", a.RawText); },
            b => { Assert.Equal((3L, "next_obs"), (b.Error.Row, b.Error.Column)); Assert.Equal("1,[1],[1],0,0", b.RawText); Assert.Contains("row 4, which was rejected", b.Error.Reason); },
            c => { Assert.Equal(7L, c.Error.Row); Assert.StartsWith("extra field", c.Error.Reason); });
    }
}
