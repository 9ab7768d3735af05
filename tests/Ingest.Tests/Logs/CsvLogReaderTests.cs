using OfflineSafety.Ingest.Logs;

namespace OfflineSafety.Ingest.Tests.Logs;

public sealed class CsvLogReaderTests : IDisposable
{
    private readonly LogFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Flattened_columns_fill_vectors_in_element_order_whatever_the_column_order()
    {
        var r = _files.Read("a.csv", """
            episode_id,step,obs_1,obs_0,action_0,reward,cost,next_obs_0,next_obs_1,terminal,truncated,variant
            7,0,0.5,1.5,-1,0.25,0,2.5,3.5,false,false,b=0.7
            7,1,3.5,2.5,1,-0.5,2,4,5,true,false,b=0.7
            """);

        var t = r.Transitions;
        Assert.Equal(2, t.Count);
        Assert.Equal((2, 1), (t.ObsDim, t.ActDim));
        Assert.Equal([1.5f, 0.5f], t.ObsRow(0).ToArray());
        Assert.Equal([2.5f, 3.5f], t.NextObsRow(0).ToArray());
        Assert.Equal([1f], t.ActionRow(1).ToArray());
        Assert.Equal([7L, 7L], t.EpisodeId.ToArray());
        Assert.Equal([0, 1], t.Step.ToArray());
        Assert.Equal([0.25f, -0.5f], t.Reward.ToArray());
        Assert.Equal([false, true], t.Unsafe.ToArray());
        Assert.Equal([false, true], t.Terminal.ToArray());
        Assert.Equal("b=0.7", t.Variant[1]);
        Assert.Equal("a.csv", t.Source[0]);
        Assert.Equal(1, r.Episodes);
        Assert.Equal(1, r.Unsafe);
    }

    [Fact]
    public void Json_array_cells_and_rfc4180_quoting_are_read()
    {
        // A quoted source with a comma, doubled quotes and a line break inside; then an error two lines later
        // must still name the right file line.
        var r = _files.Read("b.csv", "obs,action,reward,cost,source\r\n" +
            "\"[0.1, 0.2]\",[1],1,0,\"rig \"\"A\"\", bay 2\"\r\n" +
            "\" [0.3,0.4] \",\"[-1]\",2,0.5,\"two\nlines\"\r\n" +
            "\"[0.5, 0.6]\",[0],3,0,plain\r\n");

        var t = r.Transitions;
        Assert.Equal(2, t.Count); // the last row has no following observation and is not terminal
        Assert.Equal([0.1f, 0.2f], t.ObsRow(0).ToArray());
        Assert.Equal([0.3f, 0.4f], t.NextObsRow(0).ToArray());
        // Row 2 costs 0.5, so it is unsafe and (terminal absent) terminal: row 3 starts a new episode.
        Assert.Equal([0.3f, 0.4f], t.NextObsRow(1).ToArray());
        Assert.Equal([0L, 0L], t.EpisodeId.ToArray());
        Assert.Equal("rig \"A\", bay 2", t.Source[0]);
        Assert.Equal("two\nlines", t.Source[1]);
        Assert.Equal([false, true], t.Unsafe.ToArray());
        Assert.Contains(r.Notes, n => n.StartsWith("dropped 1 non-terminal rows", StringComparison.Ordinal));

        var ex = _files.Reject("c.csv", "obs,action,reward,cost,source\n" +
            "[0.1],[1],1,0,\"x\ny\"\n" +
            "[0.2],[1],oops,0,z\n");
        Assert.Equal("c.csv:4:reward: not a number: 'oops'", ex.Errors[0].ToString()[(_files.Root.Length + 1)..]);

        var unquoted = _files.Reject("d.csv", "obs,action,reward,cost\n[0.5, 0.6],[0],3,0\n");
        Assert.EndsWith("d.csv:2:obs: unclosed array (in CSV, quote a cell whose array has commas): '[0.5'", unquoted.Errors[0].ToString());
    }

    [Fact]
    public void A_byte_order_mark_and_crlf_do_not_leak_into_names_or_values()
    {
        var r = _files.Read("bom.csv", "\uFEFFobs_0,action_0,reward,unsafe\r\n1,2,3,true\r\n");
        Assert.Equal(1, r.Transitions.Count);
        Assert.True(r.Transitions.Unsafe[0]);
        Assert.True(r.Transitions.Terminal[0]);
        Assert.Equal(1f, r.Transitions.NextObsRow(0)[0]); // terminal, nothing follows: next_obs = obs
    }

    [Fact]
    public void Columns_that_map_to_no_field_are_named_in_the_notes()
    {
        var r = _files.Read("n.csv", "obs_0,action_0,reward,cost,next_obs_0,colour\n1,2,3,0,4,red\n");
        Assert.Contains("columns mapped to no field were ignored: colour", r.Notes);
    }
}
