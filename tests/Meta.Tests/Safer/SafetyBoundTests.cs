using OfflineSafety.Meta.Safer;
using OfflineSafety.Nn.Autodiff;
using Xunit.Abstractions;

namespace OfflineSafety.Meta.Tests.Safer;

public sealed class SafetyBoundTests(ITestOutputHelper output)
{
    // One-dimensional latents: radius = |z|. Sorted: .1s .2s .3s .4u .5s .9u (s safe, u unsafe).
    private static readonly float[] Safe = [0.1f, -0.2f, 0.3f, -0.5f];
    private static readonly float[] Unsafe = [-0.4f, 0.9f];

    [Fact]
    public void A_zero_bound_stops_midway_before_the_first_unsafe_latent()
        => Assert.Equal(0.35f, SafetyBound.Calibrate(Safe, Unsafe, 1, 0f), 5);

    [Fact]
    public void A_bound_admits_unsafe_latents_up_to_its_share()
    {
        // Five innermost: one unsafe of five = 20 % <= 20 %; six: two of six = 33 % > 20 %.
        Assert.Equal(0.7f, SafetyBound.Calibrate(Safe, Unsafe, 1, 0.2f), 5);
        // 33 % <= 45 %: the box holds everything, just past the outermost latent.
        float all = SafetyBound.Calibrate(Safe, Unsafe, 1, 0.45f);
        Assert.True(all > 0.9f && all < 0.902f, $"eta {all}");
    }

    [Fact]
    public void The_box_measures_the_largest_component()
    {
        // Two dimensions: radius = max |z_i|. Safe radii 0.3, 0.6; unsafe radius 0.5 (from its second component).
        float[] safe = [0.1f, 0.3f, -0.6f, 0.2f];
        float[] bad = [0.05f, -0.5f];
        Assert.Equal(0.4f, SafetyBound.Calibrate(safe, bad, 2, 0f), 5);
        Assert.Equal(0.5, SafetyBound.UnsafeFractionInside(safe, bad, 2, 0.55f), 6);
        Assert.Equal(0.0, SafetyBound.UnsafeFractionInside(safe, bad, 2, 0.4f), 6);
    }

    [Fact]
    public void A_tie_never_hides_an_unsafe_latent_in_a_box_judged_safe()
    {
        // A safe and an unsafe latent at the same radius: a zero bound must stop below both.
        Assert.Equal(0.25f, SafetyBound.Calibrate([0.1f, 0.4f], [0.4f], 1, 0f), 5);
    }

    [Fact]
    public void With_an_unsafe_latent_innermost_the_box_shrinks_to_half_its_radius()
        => Assert.Equal(0.05f, SafetyBound.Calibrate([0.3f], [0.1f], 1, 0f), 6);

    [Fact]
    public void The_calibration_of_the_paper_stays_at_or_below_each_bound_on_held_out_data()
    {
        var (safe, bad) = ToySkills.Generate(60, 30, 16, seed: 11);
        var (heldSafe, heldUnsafe) = ToySkills.Generate(30, 30, 16, seed: 12);
        var fit = new SaferPriorTrainer(SaferPriorSettings.For(PriorVariant.Safer) with { Steps = 600, BatchSize = 64, FlowHidden = [32, 32], EncoderWidth = 16, Seed = 2 })
            .Fit(safe, bad);
        var curve = SafetyBound.HeldOutCurve(fit.Prior, safe, bad, heldSafe, heldUnsafe, SafetyBound.PaperBounds);
        Assert.Equal(4, curve.Count);
        for (int i = 1; i < curve.Count; i++) Assert.True(curve[i].Eta >= curve[i - 1].Eta, "a looser bound never gives a smaller box");
        // Held-out data is another draw, so allow sampling noise of a few points above each bound.
        foreach (var point in curve) output.WriteLine($"bound {point.Bound:P0}: eta {point.Eta:F3}, held-out unsafe share inside {point.UnsafeRate:P1} of {point.Samples}");
        foreach (var point in curve) Assert.True(point.UnsafeRate <= point.Bound + 0.05, $"bound {point.Bound}: held-out unsafe share {point.UnsafeRate:F3} inside eta {point.Eta:F3}");
    }

    [Fact]
    public void Measuring_by_environment_counts_what_the_check_calls_unsafe()
    {
        var (safe, bad) = ToySkills.Generate(20, 10, 16, seed: 13);
        var fit = new SaferPriorTrainer(SaferPriorSettings.For(PriorVariant.Parrot) with { Steps = 50, BatchSize = 32, FlowHidden = [8], Seed = 2 }).Fit(safe, bad);
        // An environment whose check flags a positive first action component.
        var point = SafetyBound.MeasureByEnvironment(fit.Prior, safe.Subset([0, 1, 2, 3, 4]), 0.15f, 2f, 200, (_, action) => action[0] > 0f, seed: 1);
        Assert.Equal(1000, point.Samples);
        Assert.InRange(point.UnsafeRate, 0.05, 0.95);
        var none = SafetyBound.MeasureByEnvironment(fit.Prior, safe.Subset([0]), 0f, 1f, 10, (_, _) => false, seed: 1);
        Assert.Equal(0.0, none.UnsafeRate);
    }
}

public sealed class ContextPosteriorTests
{
    [Fact]
    public void Kl_to_the_standard_normal_has_its_closed_form()
    {
        var tape = new Tape();
        var mean = tape.Constant([0f, 0f, 1f, -2f], 2, 2);
        var logStd = tape.Constant([0f, 0f, MathF.Log(0.5f), MathF.Log(2f)], 2, 2);
        var kl = SafetyContextEncoder.KlToStandardNormal(tape, new ContextPosterior(mean, logStd));
        Assert.Equal([2, 1], kl.Shape);
        Assert.Equal(0f, kl[0], 6);
        // Per dimension: 0.5 (mu^2 + sigma^2 - 1) - log sigma.
        double expected = 0.5 * (1 + 0.25 - 1) - Math.Log(0.5) + 0.5 * (4 + 4 - 1) - Math.Log(2);
        Assert.Equal(expected, kl[1], 5);
    }

    [Fact]
    public void Kl_gradients_are_those_of_the_closed_form()
    {
        var mean = Tensor.FromRows([0.3f, -1.2f], 1, 2);
        var logStd = Tensor.FromRows([-0.4f, 0.7f], 1, 2);
        mean.RequiresGrad = logStd.RequiresGrad = true;
        var tape = new Tape();
        tape.Backward(tape.Sum(SafetyContextEncoder.KlToStandardNormal(tape, new ContextPosterior(mean, logStd))));
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(mean[i], mean.Grad![i], 5);                                  // d/dmu = mu
            Assert.Equal(MathF.Exp(2 * logStd[i]) - 1f, logStd.Grad![i], 5);          // d/dlog sigma = sigma^2 - 1
        }
    }

    [Theory]
    [InlineData(ContextEncoderKind.Attention)]
    [InlineData(ContextEncoderKind.Flatten)]
    public void Reparameterised_contexts_carry_gradients_to_the_encoder(ContextEncoderKind kind)
    {
        var encoder = new SafetyContextEncoder(3, 4, 2, 8, kind, new Nn.Randomness.Xoshiro256StarStar(1));
        var tape = new Tape();
        var windows = tape.Constant(Enumerable.Range(0, 2 * 12).Select(i => MathF.Sin(i)).ToArray(), 2, 12);
        var q = encoder.Forward(tape, windows);
        var c = SafetyContextEncoder.Sample(tape, q, new Nn.Randomness.Xoshiro256StarStar(2));
        tape.Backward(tape.Sum(tape.Square(c)));
        foreach (var p in encoder.Parameters) Assert.True(p.Grad is not null && p.Grad.Any(g => g != 0f), $"{p.Name} got no gradient");
    }
}
