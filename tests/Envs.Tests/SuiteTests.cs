using System.Security.Cryptography;
using System.Text;
using OfflineSafety.Envs.Suites;
using OfflineSafety.Ingest.Transitions;

namespace OfflineSafety.Envs.Tests;

/// <summary>
/// The generated suites against MESA's reported dataset statistics (thesis ch. 7, Table B.1).
/// Tolerances: the training figures are means over 20-25 variants of 10K-20K rows, so they are
/// held to +-15% of the paper's number. Test sets are 10-34 rollouts whose violations cluster
/// within rollouts, so one set's count is far noisier than binomial; there the paper's count
/// must lie within two standard deviations (measured over 12 seeds) of our mean.
/// </summary>
public class SuiteTests
{
    private static readonly SuiteGenerator Generator = new();

    [Theory]
    [InlineData("navigation1", 680, 0.15)]
    [InlineData("cartpole-length", 4500, 0.15)]
    // Navigation 2's variants spread widely (per-variant sd about 285 of about 1,060), so a 25-variant
    // mean moves by about +-5% with the seed and our long-run mean sits about 12% under the paper's.
    [InlineData("navigation2", 1200, 0.20)]
    public void Training_violations_match_the_paper(string env, int paperViolations, double tolerance)
    {
        var suite = Generate(env, seed: 1);
        double mean = suite.Training.Average(v => v.Summary.Violations);
        Assert.InRange(mean, (1 - tolerance) * paperViolations, (1 + tolerance) * paperViolations);
    }

    [Fact]
    public void Navigation2_recovery_rl_pretraining_data_keeps_its_anywhere_rollouts()
    {
        var definition = EnvironmentRegistry.Default.Get("navigation2");
        var suitePolicy = definition.Collection.CreatePolicy(3);
        var pretrainingPolicy = definition.PretrainingRecipe.CreatePolicy(3);
        static int FarStarts(Collection.IRolloutPolicy policy, ISafetyEnvironment env)
        {
            int far = 0;
            for (int i = 0; i < 400; i++)
            {
                var start = policy.BeginRollout(env);
                // Face bands reach at most 5 units beyond the box [-30, -20] x [-7.5, 7.5].
                if (start[0] < -35 || start[0] > -15 || start[1] > 15 || start[1] < -15) far++;
            }
            return far;
        }
        var env = definition.CreateForCollection(definition.Variants.Parse("b1=1,b2=1"), 1);
        Assert.Equal(0, FarStarts(suitePolicy, env));
        Assert.InRange(FarStarts(pretrainingPolicy, env), 40, 100); // a quarter start anywhere, most of those far away
    }

    [Theory]
    [InlineData("navigation1", 15)]
    [InlineData("navigation2", 36)]
    [InlineData("cartpole-length", 200)]
    public void Test_set_violations_are_consistent_with_the_paper(string env, int paperViolations)
    {
        var (mean, sd) = TestSetViolations(env);
        Assert.True(Math.Abs(mean - paperViolations) <= 2 * sd, $"{env}: mean {mean:F1} sd {sd:F1} vs paper {paperViolations}");
    }

    /// <summary>
    /// The papers' navigation test sets hold violations 2.2x (Navigation 1) and 1.5x (Navigation 2)
    /// as densely as their training data. Collected the same way, only a test variant with faster
    /// dynamics than the training range does that; a draw from the training range gives about 1x.
    /// </summary>
    [Theory]
    [InlineData("navigation1")]
    [InlineData("navigation2")]
    public void Navigation_test_sets_are_denser_in_violations_than_training_data(string env)
    {
        var definition = EnvironmentRegistry.Default.Get(env);
        var suite = Generate(env, seed: 1);
        double trainingRate = suite.Training.Average(v => (double)v.Summary.Violations / v.Summary.Rows);
        var (mean, _) = TestSetViolations(env);
        double testRate = mean / definition.Defaults.TestTransitions;
        Assert.InRange(testRate / trainingRate, 1.3, 2.5);
    }

    private static (double Mean, double Sd) TestSetViolations(string env)
    {
        var definition = EnvironmentRegistry.Default.Get(env);
        var counts = Enumerable.Range(1, 12).Select(seed => (double)Generator.Generate(
            new SuiteRequest(env, 0, 1, "auto", definition.Defaults.TestTransitions, (ulong)seed)).Test.Summary.Violations).ToList();
        double mean = counts.Average();
        return (mean, Math.Sqrt(counts.Sum(c => (c - mean) * (c - mean)) / (counts.Count - 1)));
    }

    [Fact]
    public void Defaults_reproduce_the_paper_suite_shapes()
    {
        var suite = Generate("navigation2", seed: 2);
        Assert.Equal(25, suite.Training.Count);
        Assert.All(suite.Training, v => Assert.Equal(10_000, v.Batch.Count));
        Assert.Equal(200, suite.Test.Batch.Count);
        Assert.Equal(SuiteRole.Test, suite.Test.Variant.Role);
        Assert.Equal(25, suite.Test.Variant.Ordinal);
        Assert.Equal(25L << 32, suite.Test.Batch.EpisodeId[0]);
        Assert.All(suite.Test.Batch.Variant.ToArray(), v => Assert.Equal(suite.Test.Variant.Variant.Id, v));
    }

    [Fact]
    public void Same_seed_gives_identical_rows_and_other_seeds_differ()
    {
        static string Run(ulong seed, string env) => string.Join(",",
            Generator.Generate(new SuiteRequest(env, 3, 2000, "auto", 300, seed)).All.Select(v => Hash(v.Batch)));
        foreach (var env in new[] { "navigation1", "navigation2", "cartpole-length" })
        {
            Assert.Equal(Run(7, env), Run(7, env));
            Assert.NotEqual(Run(7, env), Run(8, env));
        }
    }

    [Fact]
    public void A_variant_does_not_depend_on_how_many_others_are_generated()
    {
        var small = Generator.Generate(new SuiteRequest("navigation1", 2, 500, "auto", 100, 4));
        var large = Generator.Generate(new SuiteRequest("navigation1", 5, 500, "auto", 100, 4));
        Assert.Equal(Hash(small.Training[1].Batch), Hash(large.Training[1].Batch));
        Assert.Equal(Hash(small.Test.Batch).Length, Hash(large.Test.Batch).Length);
        Assert.Equal(small.Test.Variant.Variant, large.Test.Variant.Variant);
    }

    [Fact]
    public void Progress_reaches_the_total_and_cancellation_stops_generation()
    {
        var seen = new List<SuiteProgress>();
        Generator.Generate(new SuiteRequest("cartpole-length", 2, 20_000, "auto", 1000, 1), seen.Add);
        Assert.Equal(41_000, seen[^1].RowsTotal);
        Assert.Equal(41_000, seen[^1].RowsDone);
        Assert.Equal(3, seen[^1].VariantsDone);
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Second.RowsDone >= p.First.RowsDone));

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Generator.Generate(new SuiteRequest("navigation1", 2, 100, "auto", 10, 1), null, cts.Token));
    }

    private static GeneratedSuite Generate(string env, ulong seed)
    {
        var d = EnvironmentRegistry.Default.Get(env).Defaults;
        return Generator.Generate(new SuiteRequest(env, d.TrainingVariants, d.TransitionsPerVariant, "auto", d.TestTransitions, seed));
    }

    internal static string Hash(TransitionBatch b)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int i = 0; i < b.Count; i++)
        {
            sha.AppendData(BitConverter.GetBytes(b.EpisodeId[i]));
            sha.AppendData(BitConverter.GetBytes(b.Step[i]));
            sha.AppendData(Encoding.UTF8.GetBytes(b.Variant[i] + "\0" + b.Source[i] + "\0"));
            foreach (var v in b.ObsRow(i)) sha.AppendData(BitConverter.GetBytes(v));
            foreach (var v in b.ActionRow(i)) sha.AppendData(BitConverter.GetBytes(v));
            foreach (var v in b.NextObsRow(i)) sha.AppendData(BitConverter.GetBytes(v));
            sha.AppendData(BitConverter.GetBytes(b.Reward[i]));
            sha.AppendData(BitConverter.GetBytes(b.Cost[i]));
            sha.AppendData([(byte)(b.Unsafe[i] ? 1 : 0), (byte)(b.Terminal[i] ? 1 : 0), (byte)(b.Truncated[i] ? 1 : 0)]);
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }
}
