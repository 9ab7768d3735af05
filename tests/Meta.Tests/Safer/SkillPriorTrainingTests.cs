using OfflineSafety.Meta.Safer;
using Xunit.Abstractions;

namespace OfflineSafety.Meta.Tests.Safer;

public sealed class SkillPriorTrainingTests(ITestOutputHelper output)
{
    private static SaferPriorSettings Quick(PriorVariant variant, int seed = 1) => SaferPriorSettings.For(variant) with
    {
        Steps = 1500,
        BatchSize = 64,
        FlowHidden = [64, 64],
        EncoderWidth = 32,
        Seed = seed,
        ProgressEvery = 250,
    };

    private static double Mean(float[] v) => v.Average(x => (double)x);

    [Fact]
    public void Safer_gives_unsafe_actions_clearly_lower_likelihood_than_parrot()
    {
        var (safe, bad) = ToySkills.Generate(120, 30, 16, seed: 3);
        var (heldSafe, heldUnsafe) = ToySkills.Generate(40, 30, 16, seed: 4);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var safer = new SaferPriorTrainer(Quick(PriorVariant.Safer)).Fit(safe, bad, p => output.WriteLine($"safer {p}"));
        double saferSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var parrot = new SaferPriorTrainer(Quick(PriorVariant.Parrot)).Fit(safe, bad, p => output.WriteLine($"parrot {p}"));
        double parrotSeconds = clock.Elapsed.TotalSeconds;

        var contextParrot = new SaferPriorTrainer(Quick(PriorVariant.ContextParrot)).Fit(safe, bad);
        output.WriteLine($"held-out mean log p: Context-PARROT safe {Mean(contextParrot.Prior.Analyse(heldSafe).LogDensities):F2} unsafe {Mean(contextParrot.Prior.Analyse(heldUnsafe).LogDensities):F2} (KL {contextParrot.Metrics["kl"]:F3})");

        double saferSafe = Mean(safer.Prior.Analyse(heldSafe).LogDensities), saferUnsafe = Mean(safer.Prior.Analyse(heldUnsafe).LogDensities);
        double parrotSafe = Mean(parrot.Prior.Analyse(heldSafe).LogDensities), parrotUnsafe = Mean(parrot.Prior.Analyse(heldUnsafe).LogDensities);
        output.WriteLine($"held-out mean log p (normalised units): SAFER safe {saferSafe:F2} unsafe {saferUnsafe:F2} ({saferSeconds:F1} s); PARROT safe {parrotSafe:F2} unsafe {parrotUnsafe:F2} ({parrotSeconds:F1} s)");
        // Figure 1: unsafe actions are much less likely under SAFER than under PARROT ...
        Assert.True(saferUnsafe < parrotUnsafe - 2.0, $"SAFER unsafe {saferUnsafe:F2} vs PARROT unsafe {parrotUnsafe:F2}");
        // ... and the gap between safe and unsafe is wider, not bought by losing the safe data.
        Assert.True(saferSafe - saferUnsafe > parrotSafe - parrotUnsafe + 2.0);
        Assert.True(saferSafe > parrotSafe - 1.0, $"SAFER safe {saferSafe:F2} vs PARROT safe {parrotSafe:F2}");
    }
}
