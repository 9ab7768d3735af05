using OfflineSafety.Errors;
using OfflineSafety.Ingest.Logs;

namespace OfflineSafety.Ingest.Tests.Logs;

public sealed class PresetTests : IDisposable
{
    private readonly LogFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void D4rl_without_next_observations_splits_episodes_at_terminals_or_timeouts_and_links_rows()
    {
        // Episode 0: three steps ending in a timeout (the last has no following observation: dropped).
        // Episode 1: two steps ending in a crash (terminal: kept with next_obs = obs).
        var r = _files.Read("d4rl.csv", """
            observations_0,actions_0,rewards,costs,terminals,timeouts
            0,1,0.5,0,0.0,0.0
            1,1,0.5,0,0.0,0.0
            2,1,0.5,0,0.0,1.0
            10,-1,0,0,0.0,0.0
            11,-1,0,3,1.0,0.0
            """, map: "d4rl");

        var t = r.Transitions;
        Assert.Equal(4, t.Count);
        Assert.Equal([0f, 1f, 10f, 11f], t.Obs.ToArray());
        Assert.Equal([1f, 2f, 11f, 11f], t.NextObs.ToArray());
        Assert.Equal([0L, 0L, 1L, 1L], t.EpisodeId.ToArray());
        Assert.Equal([0, 1, 0, 1], t.Step.ToArray());
        Assert.Equal([false, false, false, true], t.Unsafe.ToArray());
        Assert.Equal([false, false, false, true], t.Terminal.ToArray());
        Assert.Equal(2, r.Episodes);
        Assert.Contains(r.Notes, n => n.StartsWith("dropped 1 non-terminal rows", StringComparison.Ordinal));
        Assert.Contains(r.Notes, n => n.StartsWith("next_obs: 1 terminal rows", StringComparison.Ordinal));
    }

    [Fact]
    public void D4rl_with_next_observations_uses_them_and_keeps_every_row()
    {
        var r = _files.Read("dsrl.jsonl", """
            {"observations": [0, 0], "next_observations": [1, 1], "actions": [1], "rewards": 1, "costs": 0, "terminals": false, "timeouts": false}
            {"observations": [1, 1], "next_observations": [2, 2], "actions": [1], "rewards": 1, "costs": 0, "terminals": false, "timeouts": true}
            {"observations": [5, 5], "next_observations": [6, 6], "actions": [0], "rewards": 0, "costs": 1, "terminals": true, "timeouts": false}
            """, map: "dsrl");

        var t = r.Transitions;
        Assert.Equal(3, t.Count);
        Assert.Equal([1f, 1f, 2f, 2f, 6f, 6f], t.NextObs.ToArray());
        Assert.Equal([0L, 0L, 1L], t.EpisodeId.ToArray());
        Assert.Equal([0, 1, 0], t.Step.ToArray());
        Assert.Equal([false, true, false], t.Truncated.ToArray());
        Assert.Equal([false, false, true], t.Unsafe.ToArray());
    }

    [Fact]
    public void Minari_episodes_carry_one_more_observation_than_actions()
    {
        // Episode 3 ends in a crash; episode 9 in a time limit. Each has a final observation row with no action.
        var r = _files.Read("minari.csv", """
            episode_id,observations,actions,rewards,costs,terminations,truncations
            3,"[0, 0]","[1]",1,0,false,false
            3,"[1, 0]","[1]",1,2,true,false
            3,"[2, 0]",,,,,
            9,"[5, 5]","[0]",0,0,false,true
            9,"[5, 6]",,,,,
            """, map: "minari");

        var t = r.Transitions;
        Assert.Equal(3, t.Count);
        Assert.Equal([1f, 0f, 2f, 0f, 5f, 6f], t.NextObs.ToArray());
        Assert.Equal([3L, 3L, 9L], t.EpisodeId.ToArray());
        Assert.Equal([0, 1, 0], t.Step.ToArray());
        Assert.Equal([false, true, false], t.Terminal.ToArray());
        Assert.Equal([false, false, true], t.Truncated.ToArray());
        Assert.Equal([0f, 2f, 0f], t.Cost.ToArray());
        Assert.Equal(2, r.Episodes);
        Assert.DoesNotContain(r.Notes, n => n.StartsWith("dropped", StringComparison.Ordinal));
    }

    [Fact]
    public void Minari_episodes_as_one_json_line_each_expand_to_steps_plus_a_final_observation()
    {
        var r = _files.Read("minari.jsonl", """
            {"episode_id": 4, "observations": [[0, 0], [1, 0], [2, 0]], "actions": [[1], [1]], "rewards": [1, 1], "costs": [0, 2], "terminations": [false, true], "truncations": [false, false], "variant": "L=0.5"}
            {"episode_id": 5, "observations": [[7, 7], [8, 8]], "actions": [[0]], "rewards": [0], "costs": [0], "terminations": [false], "truncations": [true]}
            {"episode_id": 6, "observations": [[7, 7], [8, 8]], "actions": [[0], [1]], "rewards": [0, 0], "costs": [0, 0], "terminations": [false, false], "truncations": [false, true]}
            """, map: "minari", quarantine: true);

        var t = r.Transitions;
        Assert.Equal(3, t.Count);
        Assert.Equal([0f, 0f, 1f, 0f, 7f, 7f], t.Obs.ToArray());
        Assert.Equal([1f, 0f, 2f, 0f, 8f, 8f], t.NextObs.ToArray());
        Assert.Equal([4L, 4L, 5L], t.EpisodeId.ToArray());
        Assert.Equal([0, 1, 0], t.Step.ToArray());
        Assert.Equal([false, true, false], t.Terminal.ToArray());
        Assert.Equal([false, false, true], t.Truncated.ToArray());
        Assert.Equal("L=0.5", t.Variant[1]);
        var reject = Assert.Single(r.Rejects);
        Assert.Equal("3:observations: has 2 observations for 2 actions; an episode holds one more observation than actions",
            $"{reject.Error.Row}:{reject.Error.Column}: {reject.Error.Reason}");
    }

    [Fact]
    public void Interleaved_episodes_link_each_row_to_the_next_row_of_its_own_episode()
    {
        var r = _files.Read("interleaved.csv", """
            episode_id,step,obs_0,action_0,reward,cost
            1,0,10,0,0,0
            2,5,20,0,0,0
            1,1,11,0,0,0
            2,6,21,0,0,0
            1,2,12,0,0,0
            """);

        var t = r.Transitions;
        Assert.Equal(3, t.Count);
        var byObs = Enumerable.Range(0, t.Count).ToDictionary(i => t.ObsRow(i)[0], i => (t.NextObsRow(i)[0], t.Step[i]));
        Assert.Equal((11f, 0), byObs[10f]);
        Assert.Equal((12f, 1), byObs[11f]);
        Assert.Equal((21f, 5), byObs[20f]);
    }

    [Fact]
    public void Explicit_pairs_adjust_a_preset_and_unknown_names_are_refused()
    {
        var map = FieldMap.Parse("d4rl, unsafe=crashed");
        Assert.Equal("observations", map.Column(LogField.Obs));
        Assert.Equal("crashed", map.Column(LogField.Unsafe));
        Assert.Equal("timeouts", map.Column(LogField.Truncated));
        Assert.Contains("unknown field 'speed'", Assert.Throws<BadInputException>(() => FieldMap.Parse("speed=v")).Message);
        Assert.Contains("neither a preset", Assert.Throws<BadInputException>(() => FieldMap.Parse("rlds")).Message);
    }
}
