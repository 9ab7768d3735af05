using OfflineSafety.Pipeline.Reports;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// One method's violations minus another's, seed by seed, over the seeds both ran. The papers'
/// claims are of this form ("MESA violates less than Multi-Task"), and pairing by seed removes
/// what the seed decides for every method alike (the environment's draws, how early the task
/// policy learns), which is most of the spread of each method's own mean.
/// </summary>
/// <param name="Difference">Mean ± s.e. of first − second over <see cref="MeanError.Count"/> seeds.</param>
/// <param name="Fewer">Seeds where the first method violated less than the second.</param>
/// <param name="Tied">Seeds where both violated as often.</param>
/// <param name="More">Seeds where the first violated more.</param>
public sealed record PairedComparison(string First, string Second, MeanError Difference, int Fewer, int Tied, int More)
{
    /// <summary>
    /// Two-sided exact sign test over the untied seeds: the chance, were neither method better,
    /// of a split at least this lopsided. It assumes nothing about the differences' distribution,
    /// which at 3-20 seeds of violation counts no one can check.
    /// </summary>
    public double SignTestP
    {
        get
        {
            int n = Fewer + More;
            if (n == 0) return 1.0;
            int k = Math.Min(Fewer, More);
            double tail = 0, term = Math.Pow(0.5, n); // C(n, 0) / 2^n
            for (int i = 0; i <= k; i++)
            {
                tail += term;
                term = term * (n - i) / (i + 1);
            }
            return Math.Min(1.0, 2 * tail);
        }
    }

    /// <summary>The sign test's p for a table: three decimals, or two significant digits below 0.001 (18 of 18 seeds is 7.6e-06, not 0.000).</summary>
    public string SignTestPText => SignTestP >= 0.001
        ? SignTestP.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)
        : SignTestP.ToString("0.0e+00", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Every pair of methods in the order they first appear in <paramref name="runs"/>, first − second,
    /// where the two share at least two seeds (one seed has no spread to compare against).
    /// </summary>
    public static IReadOnlyList<PairedComparison> AllPairs(IReadOnlyList<MethodRun> runs) => AllPairs(runs, r => r.Result.Violations);

    /// <summary>First − second over their shared seeds; null when they share fewer than two.</summary>
    public static PairedComparison? Of(IReadOnlyList<MethodRun> runs, string first, string second) => Of(runs, first, second, r => r.Result.Violations);

    /// <summary>Runs shorter than this have no last fifth worth a test: fewer than 10 episodes each.</summary>
    public const int LastFifthMinimumEpisodes = 50;

    /// <summary>
    /// The same comparisons over the last fifth of every run's episodes: what the task policy has
    /// learnt by the end, where the papers' curves separate, rather than a sum dominated by the
    /// early episodes every method spends learning to move. Null unless every run has the same
    /// number of episodes, at least <see cref="LastFifthMinimumEpisodes"/> (a step budget ends runs
    /// at different episodes, and then "the last fifth" is not the same episodes for every method).
    /// </summary>
    public static LateEpisodes? LastFifth(IReadOnlyList<MethodRun> runs)
    {
        if (runs.Count == 0) return null;
        int episodes = runs[0].Result.Episodes.Count;
        if (episodes < LastFifthMinimumEpisodes || runs.Any(r => r.Result.Episodes.Count != episodes)) return null;
        int from = episodes - episodes / 5;
        var pairs = AllPairs(runs, r =>
        {
            int count = 0;
            var list = r.Result.Episodes;
            for (int e = from; e < episodes; e++) if (list[e].Violation) count++;
            return count;
        });
        return pairs.Count == 0 ? null : new LateEpisodes(from + 1, episodes, pairs);
    }

    private static IReadOnlyList<PairedComparison> AllPairs(IReadOnlyList<MethodRun> runs, Func<MethodRun, int> violations)
    {
        var methods = runs.Select(r => r.Method).Distinct().ToList();
        var pairs = new List<PairedComparison>();
        for (int i = 0; i < methods.Count; i++)
            for (int j = i + 1; j < methods.Count; j++)
                if (Of(runs, methods[i], methods[j], violations) is { } pair) pairs.Add(pair);
        return pairs;
    }

    private static PairedComparison? Of(IReadOnlyList<MethodRun> runs, string first, string second, Func<MethodRun, int> violations)
    {
        var a = runs.Where(r => r.Method == first).ToDictionary(r => r.Seed, violations);
        var differences = runs.Where(r => r.Method == second && a.ContainsKey(r.Seed))
            .Select(r => a[r.Seed] - violations(r)).ToList();
        if (differences.Count < 2) return null;
        return new PairedComparison(first, second, MeanError.Of(differences.Select(d => (double)d).ToList()),
            differences.Count(d => d < 0), differences.Count(d => d == 0), differences.Count(d => d > 0));
    }
}

/// <summary>Paired comparisons over episodes <paramref name="FirstEpisode"/>..<paramref name="LastEpisode"/> (1-based) of every run.</summary>
public sealed record LateEpisodes(int FirstEpisode, int LastEpisode, IReadOnlyList<PairedComparison> Pairs);
