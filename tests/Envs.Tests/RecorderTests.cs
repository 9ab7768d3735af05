using OfflineSafety.Envs;
using OfflineSafety.Envs.CartPole;
using OfflineSafety.Envs.Collection;
using OfflineSafety.Envs.Navigation;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Envs.Tests;

public class RecorderTests
{
    private sealed class ChunkSink : ITransitionSink
    {
        public List<TransitionBatch> Chunks { get; } = [];
        public void Write(TransitionBatch batch) => Chunks.Add(batch);
    }

    [Fact]
    public void Rows_chain_within_episodes_and_cut_rollouts_are_truncated()
    {
        var env = new CartPoleLength(new PoleLengthVariant(0.6), seed: 1, new EnvironmentOptions(false));
        var sink = new TransitionCollector(4, 1);
        var summary = new TransitionRecorder(env, sink).Record(new UniformRandomPolicy(2), transitions: 95, maxRolloutSteps: 30, firstEpisodeId: 1000);
        var b = sink.Batch;

        Assert.Equal(95, b.Count);
        Assert.Equal(4, summary.Episodes);                 // 30 + 30 + 30 + 5
        Assert.Equal(1004, summary.NextEpisodeId);
        Assert.Equal([1000L, 1001, 1002, 1003], b.EpisodeId.ToArray().Distinct());
        Assert.All(b.Variant.ToArray(), v => Assert.Equal("L=0.600", v));
        Assert.All(b.Source.ToArray(), s => Assert.Equal("uniform-random", s));
        for (int i = 0; i < b.Count; i++)
        {
            bool lastOfRollout = i == b.Count - 1 || b.EpisodeId[i + 1] != b.EpisodeId[i];
            Assert.Equal(lastOfRollout, b.Truncated[i]);
            Assert.Equal(b.Unsafe[i], b.Cost[i] == 1f);
            if (!lastOfRollout)
            {
                Assert.Equal(b.Step[i] + 1, b.Step[i + 1]);
                Assert.Equal(b.NextObsRow(i).ToArray(), b.ObsRow(i + 1).ToArray());
            }
        }
        Assert.Equal(summary.Violations, b.Unsafe.ToArray().Count(u => u));
    }

    [Fact]
    public void A_violation_ends_the_rollout_when_the_environment_says_so()
    {
        var env = new PointNavigation(NavigationLayout.Navigation1, new InputGainVariant(1.5, 1.5), seed: 1);
        var sink = new TransitionCollector(2, 2);
        var summary = new TransitionRecorder(env, sink).Record(new CorridorRandomPolicy(3), 5000, 10, 0);
        var b = sink.Batch;
        Assert.True(summary.Violations > 100);
        Assert.Equal(summary.Violations, summary.ViolatingEpisodes);
        for (int i = 0; i < b.Count; i++)
            if (b.Unsafe[i])
            {
                Assert.True(b.Terminal[i]);
                Assert.False(b.Truncated[i]);
                Assert.True(i == b.Count - 1 || b.EpisodeId[i + 1] != b.EpisodeId[i], $"row {i} continues after a violation");
            }
    }

    [Fact]
    public void Chunked_output_equals_one_batch()
    {
        TransitionBatch Run(int chunkRows, out int chunks)
        {
            var env = new PointNavigation(NavigationLayout.Navigation2, new InputGainVariant(0.9, 1.1), seed: 5);
            var sink = new ChunkSink();
            new TransitionRecorder(env, sink, chunkRows).Record(new ObstacleFacePolicy(NavigationLayout.Navigation2, 6), 1000, 10, 0);
            chunks = sink.Chunks.Count;
            var all = new TransitionBatch(2, 2);
            foreach (var c in sink.Chunks) all.AddRange(c);
            return all;
        }
        var whole = Run(4096, out int one);
        var pieces = Run(64, out int many);
        Assert.Equal(1, one);
        Assert.Equal(16, many);
        Assert.Equal(SuiteTests.Hash(whole), SuiteTests.Hash(pieces));
    }

    [Fact]
    public void Out_of_box_actions_are_recorded_as_executed()
    {
        var env = new PointNavigation(NavigationLayout.Navigation2, new InputGainVariant(1, 1), seed: 5);
        var sink = new TransitionCollector(2, 2);
        new TransitionRecorder(env, sink).Record(new OvershootingPolicy(), 10, 10, 0);
        Assert.All(sink.Batch.Action.ToArray(), a => Assert.Equal(1f, Math.Abs(a)));
    }

    private sealed class OvershootingPolicy : IRolloutPolicy
    {
        public string Name => "overshoot";
        public ReadOnlySpan<float> BeginRollout(ISafetyEnvironment environment) => environment.ResetTo([-50f, 20f]);
        public void Act(ReadOnlySpan<float> observation, Span<float> action) { action[0] = 3f; action[1] = -3f; }
    }
}
