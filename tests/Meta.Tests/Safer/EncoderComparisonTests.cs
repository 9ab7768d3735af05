using System.Diagnostics;
using OfflineSafety.Meta.Safer;
using Xunit.Abstractions;

namespace OfflineSafety.Meta.Tests.Safer;

/// <summary>
/// The measured comparison docs/safer.md cites for the posterior's encoder: attention over the
/// window against an MLP over the flattened window, three seeds each, on the toy family whose
/// context only a window reveals. Both must learn to use the context (the KL term leaves zero and
/// unsafe actions fall far below safe ones); the printed table is the comparison.
/// Run: dotnet test tests/Meta.Tests -c Release --filter EncoderComparison --logger "console;verbosity=detailed"
/// </summary>
public sealed class EncoderComparisonTests(ITestOutputHelper output)
{
    [Fact]
    public void Attention_and_flatten_encoders_both_infer_the_context()
    {
        var (safe, bad) = ToySkills.Generate(120, 30, 16, seed: 3);
        var (heldSafe, heldUnsafe) = ToySkills.Generate(40, 30, 16, seed: 4);
        output.WriteLine("| encoder | seed | held-out log p safe | held-out log p unsafe | gap | KL | fit s |");
        output.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var kind in new[] { ContextEncoderKind.Attention, ContextEncoderKind.Flatten })
        {
            var gaps = new List<double>();
            foreach (int seed in new[] { 1, 2, 3 })
            {
                var settings = SaferPriorSettings.For(PriorVariant.Safer) with
                {
                    Encoder = kind, Steps = 1500, BatchSize = 64, FlowHidden = [64, 64], EncoderWidth = 32, Seed = seed,
                };
                var clock = Stopwatch.StartNew();
                var fit = new SaferPriorTrainer(settings).Fit(safe, bad);
                double seconds = clock.Elapsed.TotalSeconds;
                double s = fit.Prior.Analyse(heldSafe).LogDensities.Average(x => (double)x);
                double u = fit.Prior.Analyse(heldUnsafe).LogDensities.Average(x => (double)x);
                output.WriteLine($"| {kind} | {seed} | {s:F2} | {u:F2} | {s - u:F2} | {fit.Metrics["kl"]:F3} | {seconds:F1} |");
                Assert.True(fit.Metrics["kl"] > 0.1, $"{kind} seed {seed}: KL {fit.Metrics["kl"]:F3}, the context is unused");
                gaps.Add(s - u);
            }
            output.WriteLine($"| {kind} | mean | | | {gaps.Average():F2} | | |");
            Assert.True(gaps.Average() > 5, $"{kind}: mean gap {gaps.Average():F2}");
        }
    }
}
