namespace OfflineSafety.Ingest.Tests.Logs;

public sealed class JsonlLogReaderTests : IDisposable
{
    private readonly LogFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Array_and_flattened_vectors_in_any_key_order_are_read()
    {
        var r = _files.Read("a.jsonl", """
            {"obs": [1, 2], "action": [0.5], "reward": 1, "cost": 0, "next_obs": [3, 4], "episode_id": 4, "step": 0, "extra": {"x": [1]}}
            {"step": 1, "episode_id": 4, "obs_1": 4, "obs_0": 3, "action_0": -0.5, "reward": "2.5", "unsafe": true, "next_obs_0": 5, "next_obs_1": 6, "variant": "L=1.0"}

            """);

        var t = r.Transitions;
        Assert.Equal(2, t.Count);
        Assert.Equal([1f, 2f, 3f, 4f], t.Obs.ToArray());
        Assert.Equal([3f, 4f, 5f, 6f], t.NextObs.ToArray());
        Assert.Equal([0.5f, -0.5f], t.Action.ToArray());
        Assert.Equal([1f, 2.5f], t.Reward.ToArray());
        Assert.Equal([false, true], t.Unsafe.ToArray());
        Assert.Equal([false, true], t.Terminal.ToArray()); // terminal absent: follows unsafe
        Assert.Equal(0f, t.Cost[1]);                          // cost absent: 0
        Assert.Equal("L=1.0", t.Variant[1]);
        Assert.Equal("default", t.Variant[0]);
        Assert.Contains("columns mapped to no field were ignored: extra", r.Notes);
    }

    [Fact]
    public void Bare_NaN_written_by_python_is_named_as_non_finite_in_its_column()
    {
        var ex = _files.Reject("nan.jsonl",
            "{\"obs\": [1], \"action\": [0], \"reward\": 0, \"cost\": 0}\n" +
            "{\"obs\": [1], \"action\": [0], \"reward\": NaN, \"cost\": 0}\n");
        Assert.EndsWith("nan.jsonl:2:reward: not finite (NaN or Infinity)", ex.Errors[0].ToString());
    }

    [Fact]
    public void A_malformed_line_is_rejected_and_the_following_lines_are_still_read()
    {
        var r = _files.Read("bad.jsonl",
            "{\"obs\": [1], \"action\": [0], \"reward\": 0, \"cost\": 0, \"next_obs\": [2]}\n" +
            "{\"obs\": [1], \"action\": [0], \"reward\": 0,\n" +
            "{\"obs\": [3], \"action\": [0], \"reward\": 0, \"cost\": 1, \"next_obs\": [4]}\n", quarantine: true);

        Assert.Equal(2, r.Transitions.Count);
        var reject = Assert.Single(r.Rejects);
        Assert.Equal(2, reject.Error.Row);
        Assert.StartsWith("malformed JSON", reject.Error.Reason);
        Assert.Equal("{\"obs\": [1], \"action\": [0], \"reward\": 0,", reject.RawText);
    }
}
