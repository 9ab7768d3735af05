namespace OfflineSafety.Ingest.Tests.Logs;

public sealed class LabelTests : IDisposable
{
    private readonly LogFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Unsafe_comes_from_its_column_when_given_else_from_cost()
    {
        var r = _files.Read("l.csv", """
            obs_0,action_0,reward,cost,unsafe,next_obs_0
            0,0,0,0,true,1
            0,0,0,5,false,1
            0,0,0,5,,1
            0,0,0,0,,1
            """);
        Assert.Equal([true, false, true, false], r.Transitions.Unsafe.ToArray());
        Assert.Equal([true, false, true, false], r.Transitions.Terminal.ToArray());
        Assert.Equal([false, false, false, false], r.Transitions.Truncated.ToArray());
        Assert.Contains("terminal: absent in 4 rows, set to unsafe (violations end episodes)", r.Notes);
        Assert.Contains("truncated: absent in 4 rows, set to false", r.Notes);
        Assert.Contains("unsafe: absent in 2 rows, derived as cost > 0", r.Notes);
    }

    [Fact]
    public void An_explicit_terminal_is_kept_even_when_it_differs_from_unsafe()
    {
        var r = _files.Read("t.csv", "obs_0,action_0,reward,cost,terminal,next_obs_0\n0,0,0,1,false,1\n0,0,0,0,true,1\n");
        Assert.Equal([true, false], r.Transitions.Unsafe.ToArray());
        Assert.Equal([false, true], r.Transitions.Terminal.ToArray());
        Assert.DoesNotContain(r.Notes, n => n.StartsWith("terminal:", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_cost_the_cost_is_zero_and_unsafe_is_required()
    {
        var r = _files.Read("u.csv", "obs_0,action_0,reward,unsafe,next_obs_0\n0,0,0,1,1\n");
        Assert.Equal(0f, r.Transitions.Cost[0]);
        Assert.True(r.Transitions.Unsafe[0]);
        Assert.Contains("cost: absent in 1 rows, set to 0", r.Notes);

        var ex = _files.Reject("none.csv", "obs_0,action_0,reward,next_obs_0\n0,0,0,1\n");
        Assert.EndsWith("none.csv:0:cost: missing required column: give 'cost' or 'unsafe' (use --map cost=COLUMN or unsafe=COLUMN)", ex.Errors[0].ToString());
    }
}
