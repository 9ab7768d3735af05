using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Ingest.Logs;
using OfflineSafety.Storage;
using OfflineSafety.Testing;

namespace OfflineSafety.Ingest.Tests.Logs;

/// <summary>HDF5 files as D4RL, DSRL and Minari ship them, written by h5py (never by our own code).</summary>
public sealed class Hdf5LogReaderTests : IDisposable
{
    private readonly LogFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string H5(string name, string body) => H5py.Write(Path.Combine(_files.Root, name), body);

    private static LogIngestResult Read(string path, string? map, bool quarantine = false) =>
        LogIngest.Read([path], new IngestSettings(FieldMap.Parse(map), Quarantine: quarantine));

    /// <summary>Reads with tiny blocks, so rows cross the reader's block boundaries.</summary>
    private static LogIngestResult ReadInSmallBlocks(string path, string map)
    {
        var sink = new TransitionAssembler(new IngestSettings(FieldMap.Parse(map)));
        using var stream = File.OpenRead(path);
        new Hdf5LogReader(blockValues: 4).Read(stream, path, sink, null, CancellationToken.None);
        return sink.Finish();
    }

    // D4RL: float32 arrays, bool terminals/timeouts, next_observations given, no costs; infos/ and metadata/ groups beside.
    private const string D4rl = """
        f.create_dataset('observations', data=np.arange(12, dtype=np.float32).reshape(6, 2))
        f.create_dataset('next_observations', data=(np.arange(12, dtype=np.float32) + 100).reshape(6, 2))
        f.create_dataset('actions', data=np.array([[0.5], [0.25], [0], [1], [1], [1]], dtype=np.float32))
        f.create_dataset('rewards', data=np.array([1, 2, 3, 4, 5, 6], dtype=np.float32))
        f.create_dataset('terminals', data=np.array([0, 0, 1, 0, 0, 0], dtype=bool))
        f.create_dataset('timeouts', data=np.array([0, 0, 0, 0, 0, 1], dtype=bool))
        f.create_dataset('infos/qpos', data=np.zeros((6, 3)))
        f.create_dataset('metadata/algorithm', data='SAC')
        """;

    [Fact]
    public void A_d4rl_file_without_costs_is_rejected_unless_a_label_is_mapped()
    {
        var path = H5("d4rl.hdf5", "with h5py.File(path, 'w') as f:\n" + Indent(D4rl));
        var error = Assert.Throws<LogRejectedException>(() => Read(path, "d4rl"));
        Assert.Equal($"{path}:0:costs", $"{error.Errors[0].File}:{error.Errors[0].Row}:{error.Errors[0].Column}");
        Assert.Contains("give 'costs' or 'unsafe'", error.Message);
        Assert.DoesNotContain('\n', error.Message);

        var labelled = H5("d4rl-labelled.h5", "with h5py.File(path, 'w') as f:\n" + Indent(D4rl)
            + "    f.create_dataset('crashed', data=np.array([0, 0, 1, 0, 0, 0], dtype=np.float32))\n");
        var r = Read(labelled, "d4rl,unsafe=crashed");
        var t = r.Transitions;
        Assert.Equal(6, t.Count);
        Assert.Equal(2, r.Episodes);
        Assert.Equal([0L, 0, 0, 1, 1, 1], t.EpisodeId.ToArray());
        Assert.Equal([0, 1, 2, 0, 1, 2], t.Step.ToArray());
        Assert.Equal([false, false, true, false, false, false], t.Unsafe.ToArray());
        Assert.Equal([false, false, true, false, false, false], t.Terminal.ToArray());
        Assert.Equal([false, false, false, false, false, true], t.Truncated.ToArray());
        Assert.Equal([0f, 0, 0, 0, 0, 0], t.Cost.ToArray());
        Assert.Equal([0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], t.Obs.ToArray());
        Assert.Equal(100f, t.NextObs[0]);
        Assert.Equal([0.5f, 0.25f, 0, 1, 1, 1], t.Action.ToArray());
        Assert.Equal([1f, 2, 3, 4, 5, 6], t.Reward.ToArray());
        Assert.Contains(r.Notes, n => n.Contains("ignored: infos, metadata", StringComparison.Ordinal));
    }

    // DSRL: float64 observations, float32 flags (0.0/1.0) and costs, gzip-compressed in chunks, no next_observations.
    private const string Dsrl = """
        with h5py.File(path, 'w') as f:
            kw = dict(compression='gzip', chunks=True)
            f.create_dataset('observations', data=np.arange(21, dtype=np.float64).reshape(7, 3), **kw)
            f.create_dataset('actions', data=np.arange(14, dtype=np.float64).reshape(7, 2) / 10, **kw)
            f.create_dataset('rewards', data=np.ones(7, dtype=np.float64), **kw)
            f.create_dataset('costs', data=np.array([0, 0, 2, 0, 0, 0, 0.5], dtype=np.float32), **kw)
            f.create_dataset('terminals', data=np.array([0, 0, 1, 0, 0, 0, 0], dtype=np.float32), **kw)
            f.create_dataset('timeouts', data=np.array([0, 0, 0, 0, 0, 0, 1], dtype=np.float32), **kw)
        """;

    [Fact]
    public void A_dsrl_file_with_costs_splits_episodes_and_labels_unsafe_from_cost()
    {
        var path = H5("dsrl.h5", Dsrl);
        foreach (var r in new[] { Read(path, "dsrl"), ReadInSmallBlocks(path, "dsrl") })
        {
            var t = r.Transitions;
            // Row 3 is terminal (kept, next_obs = obs); row 7 times out with no next row: dropped, as D4RL's loaders do.
            Assert.Equal(6, t.Count);
            Assert.Equal([0L, 0, 0, 1, 1, 1], t.EpisodeId.ToArray());
            Assert.Equal([0f, 0, 2, 0, 0, 0], t.Cost.ToArray());
            Assert.Equal([false, false, true, false, false, false], t.Unsafe.ToArray());
            Assert.Equal([false, false, true, false, false, false], t.Terminal.ToArray());
            Assert.Equal([3f, 4, 5], t.NextObs.Slice(0, 3).ToArray());
            Assert.Equal([6f, 7, 8], t.NextObs.Slice(6, 3).ToArray());
            Assert.Equal([0.4f, 0.5f], t.Action.Slice(4, 2).ToArray());
            Assert.Contains(r.Notes, n => n.StartsWith("dropped 1 non-terminal rows", StringComparison.Ordinal));
            Assert.Contains(r.Notes, n => n.StartsWith("next_obs: 1 terminal rows", StringComparison.Ordinal));
        }
    }

    // Minari: episode groups (written out of id order), T+1 observations, bool terminations/truncations, costs, infos groups.
    private const string Minari = """
        with h5py.File(path, 'w') as f:
            def episode(i, obs, actions, rewards, costs, term, trunc):
                g = f.create_group(f'episode_{i}')
                g.attrs['id'] = i
                g.create_dataset('observations', data=np.array(obs, dtype=np.float64))
                g.create_dataset('actions', data=np.array(actions, dtype=np.float32))
                g.create_dataset('rewards', data=np.array(rewards, dtype=np.float64))
                g.create_dataset('costs', data=np.array(costs, dtype=np.float64))
                g.create_dataset('terminations', data=np.array(term, dtype=bool))
                g.create_dataset('truncations', data=np.array(trunc, dtype=bool))
                g.create_dataset('infos/success', data=np.zeros(len(actions), dtype=bool))
            episode(10, [[50, 0], [51, 0]], [[9]], [1], [0], [False], [False])
            episode(0, [[0, 0], [1, 0], [2, 0], [3, 0]], [[1], [1], [1]], [1, 1, 1], [0, 0, 1.5], [False, False, True], [False, False, False])
            episode(2, [[20, 0], [21, 0], [22, 0]], [[2], [2]], [0, 0], [0, 0], [False, False], [False, True])
            f.attrs['total_episodes'] = 3
        """;

    [Fact]
    public void A_minari_file_gives_one_episode_per_group_with_the_final_observation_as_last_next_obs()
    {
        var path = H5("main_data.hdf5", Minari);
        foreach (var r in new[] { Read(path, "minari"), ReadInSmallBlocks(path, "minari") })
        {
            var t = r.Transitions;
            Assert.Equal(6, t.Count);
            Assert.Equal(3, r.Episodes);
            Assert.Equal([0L, 0, 0, 2, 2, 10], t.EpisodeId.ToArray());
            Assert.Equal([0, 1, 2, 0, 1, 0], t.Step.ToArray());
            Assert.Equal([0f, 1, 2, 20, 21, 50], Every(t.Obs.ToArray(), 2));
            Assert.Equal([1f, 2, 3, 21, 22, 51], Every(t.NextObs.ToArray(), 2));
            Assert.Equal([1f, 1, 1, 2, 2, 9], t.Action.ToArray());
            Assert.Equal([false, false, true, false, false, false], t.Unsafe.ToArray());
            Assert.Equal([false, false, true, false, false, false], t.Terminal.ToArray());
            Assert.Equal([false, false, false, false, true, false], t.Truncated.ToArray());
            Assert.Equal([0f, 0, 1.5f, 0, 0, 0], t.Cost.ToArray());
            Assert.Contains(r.Notes, n => n.Contains("ignored: infos", StringComparison.Ordinal));
            Assert.DoesNotContain(r.Notes, n => n.StartsWith("dropped", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_minari_row_error_names_the_episode_group_and_the_row_within_it()
    {
        var path = H5("bad-minari.h5", Minari.Replace("[0, 0, 1.5]", "[0, np.nan, 1.5]", StringComparison.Ordinal));
        var error = Assert.Throws<LogRejectedException>(() => Read(path, "minari"));
        Assert.Equal($"{path}/episode_0:2:costs: not finite (NaN)", error.Errors[0].ToString());

        var r = Read(path, "minari", quarantine: true);
        Assert.Equal("{\"observations\":[1,0],\"actions\":[1],\"rewards\":1,\"costs\":\"NaN\",\"terminations\":0,\"truncations\":0}", r.Rejects[0].RawText);
    }

    [Fact]
    public void A_minari_episode_without_its_final_observation_is_a_shape_error()
    {
        var path = H5("short.h5", Minari.Replace("[[20, 0], [21, 0], [22, 0]]", "[[20, 0], [21, 0]]", StringComparison.Ordinal));
        var error = Assert.Throws<LogRejectedException>(() => Read(path, "minari"));
        Assert.Equal($"{path}/episode_2:0:observations: has 2 rows, expected 3: one per action plus the final observation", error.Errors[0].ToString());
    }

    [Fact]
    public void Wrong_shapes_and_types_are_one_line_file_errors()
    {
        var flatActions = H5("flat-actions.h5", Dsrl.Replace("np.arange(14, dtype=np.float64).reshape(7, 2) / 10", "np.zeros(7)", StringComparison.Ordinal));
        Assert.Equal($"{flatActions}:0:actions: expected a 2-D array (rows x values), found shape (7)",
            Assert.Throws<LogRejectedException>(() => Read(flatActions, "dsrl")).Errors[0].ToString());

        var shortCosts = H5("short-costs.h5", Dsrl.Replace("[0, 0, 2, 0, 0, 0, 0.5]", "[0, 0, 2]", StringComparison.Ordinal));
        Assert.Equal($"{shortCosts}:0:costs: has 3 rows, 'observations' has 7 (the flat layout holds one row per transition in every dataset)",
            Assert.Throws<LogRejectedException>(() => Read(shortCosts, "dsrl")).Errors[0].ToString());

        var text = H5("text.h5", Dsrl + "\n    del f['rewards']\n    f.create_dataset('rewards', data=np.array([b'a'] * 7))\n");
        Assert.StartsWith($"{text}:0:rewards: unsupported HDF5 type String",
            Assert.Throws<LogRejectedException>(() => Read(text, "dsrl")).Errors[0].ToString());

        var none = H5("none.h5", "with h5py.File(path, 'w') as f:\n    f.create_dataset('x', data=np.zeros(3))\n");
        Assert.StartsWith($"{none}:0:observations: missing required dataset 'observations' at the root (D4RL/DSRL flat layout) and no episode_<id> groups",
            Assert.Throws<LogRejectedException>(() => Read(none, "d4rl")).Errors[0].ToString());
    }

    [Fact]
    public void Hdf5_is_detected_by_extension_and_by_signature()
    {
        var path = H5("dsrl.h5", Dsrl);
        var renamed = Path.Combine(_files.Root, "dsrl.bin");
        File.Copy(path, renamed);
        using var stream = File.OpenRead(renamed);
        Assert.Equal(LogFormat.Hdf5, LogFormats.Detect(renamed, stream));
        Assert.Equal(LogFormat.Hdf5, LogFormats.Detect("x.hdf5", Stream.Null));
        Assert.Equal(LogFormat.Hdf5, LogFormats.Parse("hdf5"));
        Assert.Equal(6, Read(renamed, "dsrl").Transitions.Count);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("garbage")]
    public async Task A_corrupt_file_gets_a_one_line_error_and_creates_no_version(string damage)
    {
        var good = File.ReadAllBytes(H5("good.h5", Dsrl));
        var path = Path.Combine(_files.Root, "corrupt.h5");
        if (damage == "truncated") File.WriteAllBytes(path, good[..(good.Length / 2)]);
        else File.WriteAllBytes(path, [.. good[..8], .. Enumerable.Repeat((byte)0x5a, 4000)]);

        var store = new DatasetStore(new LocalObjectStore(Path.Combine(_files.Root, "store")));
        await store.CreateAsync("robot", new DatasetMetadata("E", 3, 2));
        var ingest = new DatasetIngest(store);
        var error = await Assert.ThrowsAsync<LogRejectedException>(() => ingest.RunAsync(new IngestRequest([path], "robot", FieldMap.Parse("dsrl"))));
        Assert.Single(error.Errors);
        Assert.Equal(0, error.Errors[0].Row);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("   at ", error.Message);
        Assert.Contains(damage == "truncated" ? "truncated HDF5 file: its superblock records" : "HDF5", error.Message);
        Assert.Equal(0, (await store.SnapshotAsync(DatasetReference.Parse("robot"))).Version);

        // Creating a dataset from a corrupt file leaves no dataset behind either.
        await Assert.ThrowsAsync<LogRejectedException>(() => ingest.RunAsync(new IngestRequest([path], "fresh", FieldMap.Parse("dsrl"), CreateWithEnv: "E")));
        Assert.DoesNotContain("fresh", await store.ListAsync());
    }

    private static float[] Every(float[] values, int stride) => [.. values.Where((_, i) => i % stride == 0)];

    private static string Indent(string body) => string.Join("", body.Split('\n').Select(l => "    " + l + "\n"));
}
