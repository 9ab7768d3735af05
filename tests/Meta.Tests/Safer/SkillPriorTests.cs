using OfflineSafety.Errors;
using OfflineSafety.Ingest.Transitions;
using OfflineSafety.Meta.Registry;
using OfflineSafety.Meta.Safer;
using OfflineSafety.Storage;

namespace OfflineSafety.Meta.Tests.Safer;

public sealed class SkillPriorTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "offsafe-safer-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private static SaferFitResult Small(PriorVariant variant = PriorVariant.Safer, int steps = 60)
    {
        var (safe, bad) = ToySkills.Generate(20, 12, 16, seed: 5);
        return new SaferPriorTrainer(SaferPriorSettings.For(variant) with { Steps = steps, BatchSize = 32, FlowHidden = [16, 16], EncoderWidth = 8, Seed = 3 }).Fit(safe, bad);
    }

    [Fact]
    public void Decode_inverts_encode_and_log_density_is_in_raw_action_units()
    {
        var prior = Small().Prior;
        float[] state = [0.2f, -1f], context = new float[prior.ContextSize], window = [0.1f, 0.5f, 0.2f, -1f];
        prior.ContextMean(window, 2, context);
        float[] action = [0.4f, -0.1f], latent = new float[2], back = new float[2];
        prior.Encode(state, context, action, latent);
        prior.Decode(state, context, latent, back);
        Assert.Equal(action[0], back[0], 4);
        Assert.Equal(action[1], back[1], 4);
        // Change of variables in raw units: log p(a) = log N(z) + log|dz/da| (the normalisation's scale included).
        float eps = 1e-2f;
        float[] za = new float[2], zb = new float[2];
        double logDet = 0;
        // The flow's Jacobian is triangular per coupling but not overall; estimate it numerically.
        var j = new double[2, 2];
        for (int k = 0; k < 2; k++)
        {
            float[] plus = [.. action], minus = [.. action];
            plus[k] += eps;
            minus[k] -= eps;
            prior.Encode(state, context, plus, za);
            prior.Encode(state, context, minus, zb);
            for (int i = 0; i < 2; i++) j[i, k] = (za[i] - zb[i]) / (2.0 * eps);
        }
        logDet = Math.Log(Math.Abs(j[0, 0] * j[1, 1] - j[0, 1] * j[1, 0]));
        double expected = -0.5 * (latent[0] * latent[0] + latent[1] * latent[1]) - Math.Log(2 * Math.PI) + logDet;
        Assert.Equal(expected, prior.LogDensity(state, context, action), 2);
    }

    [Fact]
    public void Per_step_calls_allocate_nothing_after_the_first()
    {
        var prior = Small().Prior;
        float[] state = [0.2f, -1f], context = new float[prior.ContextSize], latent = [0.3f, -0.2f], action = new float[2];
        var window = new float[16 * 2];
        for (int i = 0; i < window.Length; i++) window[i] = MathF.Cos(i);
        for (int warm = 0; warm < 3; warm++)
        {
            prior.ContextMean(window, 16, context);
            prior.ContextMean(window, 5, context);
            prior.Decode(state, context, latent, action);
            prior.LogDensity(state, context, action);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            prior.ContextMean(window, 1 + i % 16, context);
            prior.Decode(state, context, latent, action);
            prior.LogDensity(state, context, action);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Context_mean_pads_a_short_window_as_training_did()
    {
        var prior = Small().Prior;
        var (safe, _) = ToySkills.Generate(1, 3, 16, seed: 9);
        // The third example of the episode has 3 real states; its stored window is padded in front.
        Assert.Equal(3, safe.Filled[2]);
        var fromShort = new float[prior.ContextSize];
        var fromStored = new float[prior.ContextSize];
        prior.ContextMean(safe.Window(2)[(13 * 2)..], 3, fromShort);
        var analysed = prior.Analyse(safe.Subset([2]));
        prior.ContextMean(safe.Window(2)[(13 * 2)..], 3, fromStored);
        Assert.Equal(fromShort, fromStored);
        float[] z = new float[2];
        prior.Encode(safe.State(2), fromShort, safe.Action(2), z);
        Assert.Equal(analysed.Latents[0], z[0], 4);
        Assert.Equal(analysed.Latents[1], z[1], 4);
    }

    [Fact]
    public void A_parrot_prior_has_no_context()
    {
        var prior = Small(PriorVariant.Parrot).Prior;
        Assert.Equal(0, prior.ContextSize);
        Assert.Null(prior.Encoder);
        var action = new float[2];
        prior.ContextMean([1f, 2f], 1, Span<float>.Empty);
        prior.Decode([0.1f, 0.2f], [], [0f, 0f], action);
        Assert.True(float.IsFinite(action[0]) && float.IsFinite(action[1]));
    }

    [Fact]
    public void The_divergence_rule_keeps_an_overweighted_unsafe_term_finite()
    {
        var (safe, bad) = ToySkills.Generate(20, 12, 16, seed: 5);
        var settings = SaferPriorSettings.For(PriorVariant.Safer) with
        {
            Steps = 300, BatchSize = 32, FlowHidden = [16, 16], EncoderWidth = 8, Lambda = 50f, Optimizer = PriorOptimizer.Adam, LearningRate = 1e-2f, Seed = 4,
        };
        var fit = new SaferPriorTrainer(settings).Fit(safe, bad);
        foreach (var p in fit.Prior.Flow.Parameters) Assert.All(p.Data.ToArray(), v => Assert.True(float.IsFinite(v)));
        // The clamp bounds the unsafe term: once every unsafe example is below the floor it stops pulling.
        Assert.True(fit.Metrics["unsafe_log_density"] < settings.UnsafeLogDensityFloor * 2 + 5, $"unsafe log p {fit.Metrics["unsafe_log_density"]}");
        Assert.True(double.IsFinite(fit.Metrics["safe_log_density"]));
    }

    [Fact]
    public async Task A_prior_round_trips_through_the_registry_with_its_lineage()
    {
        var fit = Small();
        var registry = new ModelRegistry(new LocalObjectStore(_root));
        var priors = new SkillPriorStore(registry);
        var lineage = new ModelLineage(new DatasetLineage("toy", 2, "table-1", ["a", "b"]), null, CodeVersion.Current);
        var stored = await priors.PublishAsync(SkillPriorStore.CardFor("toy-safer", fit, lineage), fit.Prior);
        Assert.Equal("toy-safer@1", stored.Reference);
        Assert.Equal(ModelCard.PriorKind, stored.Kind);

        var listing = await registry.ListAllAsync();
        var card = Assert.Single(listing.Cards);
        Assert.Equal("safer", card.Algorithm);
        Assert.Equal(fit.Prior.SafetyBound, card.Prior!.SafetyBound);
        Assert.Equal("toy@2", card.Lineage.Dataset.ToString());
        Assert.Null(card.Architecture);

        var loaded = (await priors.LoadAsync(ModelReference.Parse("toy-safer"))).Prior;
        Assert.Equal(fit.Prior.SafetyBound, loaded.SafetyBound);
        Assert.Equal(fit.Prior.Settings.Lambda, loaded.Settings.Lambda);
        float[] state = [0.3f, 0.7f], window = [0.1f, 0.2f, 0.3f, 0.7f], latent = [0.5f, -0.4f];
        float[] c1 = new float[8], c2 = new float[8], a1 = new float[2], a2 = new float[2];
        fit.Prior.ContextMean(window, 2, c1);
        loaded.ContextMean(window, 2, c2);
        Assert.Equal(c1, c2);
        fit.Prior.Decode(state, c1, latent, a1);
        loaded.Decode(state, c2, latent, a2);
        Assert.Equal(a1, a2);

        // A prior is not a critic: the critic path refuses it in one line, and the registry check accepts it.
        var ex = await Assert.ThrowsAsync<BadInputException>(() => registry.LoadAsync(ModelReference.Parse("toy-safer")));
        Assert.Contains("skill-prior, not a safety critic", ex.Message);
        Assert.Empty(await new RegistryCheck(registry).RunAsync());
    }

    [Fact]
    public void Dataset_rows_become_safe_and_unsafe_examples_with_episode_windows()
    {
        var batch = new TransitionBatch(1, 1);
        // Episode 1: three steps, succeeds. Episode 2: a violation at step 1. Rows arrive shuffled.
        void Add(long episode, int step, float obs, bool isUnsafe, bool terminal) =>
            batch.Add(episode, step, "v", "test", [obs], [obs * 10], [obs + 1], -1f, isUnsafe ? 1f : 0f, isUnsafe, terminal, false);
        Add(1, 2, 3f, false, true);
        Add(2, 1, 20f, true, false);
        Add(1, 0, 1f, false, false);
        Add(2, 0, 10f, false, false);
        Add(1, 1, 2f, false, false);
        Add(2, 2, 30f, false, true);
        var data = PriorData.From(batch, 2, successfulOnly: true, "toy@1");
        Assert.Equal(2, data.Episodes);
        Assert.Equal(1, data.SuccessfulEpisodes);
        Assert.Equal([1f, 2f, 3f], data.Safe.States);
        Assert.Equal([10f, 20f, 30f], data.Safe.Actions);
        Assert.Equal([0f, 1f, 1f, 2f, 2f, 3f], data.Safe.Windows);
        Assert.Equal([1, 2, 2], data.Safe.Filled);
        Assert.Equal([20f], data.Unsafe.States);
        Assert.Equal([10f, 20f], data.Unsafe.Windows);
    }

    [Fact]
    public void A_dataset_without_unsafe_or_without_safe_rows_is_refused_in_one_line()
    {
        var allSafe = new TransitionBatch(1, 1);
        allSafe.Add(1, 0, "v", "test", [0f], [0f], [0f], 0f, 0f, false, true, false);
        var noUnsafe = Assert.Throws<BadInputException>(() => PriorData.From(allSafe, 4, true, "calm@1"));
        Assert.Equal("dataset calm@1: no unsafe rows (no row has unsafe = true); a SAFER prior needs examples of violations", noUnsafe.Message);

        var allBad = new TransitionBatch(1, 1);
        allBad.Add(1, 0, "v", "test", [0f], [0f], [0f], 0f, 1f, true, true, false);
        allBad.Add(2, 0, "v", "test", [0f], [0f], [0f], 0f, 0f, false, false, true);
        var noSafe = Assert.Throws<BadInputException>(() => PriorData.From(allBad, 4, true, "wild@1"));
        Assert.Equal("dataset wild@1: no safe rows (none of its 2 episodes ends in success without a violation)", noSafe.Message);
        Assert.DoesNotContain('\n', noSafe.Message);
        // Without the success requirement the truncated, violation-free episode is safe data.
        Assert.Equal(1, PriorData.From(allBad, 4, false, "wild@1").Safe.Count);
    }
}
