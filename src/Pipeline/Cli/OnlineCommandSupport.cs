using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Pipeline.Experiments;
using Spectre.Console;
using OfflineSafety.Pipeline.Cli.Output;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>What the online, experiment and demo commands share: progress bars, result rows and report folders.</summary>
internal static class OnlineCommandSupport
{
    /// <summary>Runs <paramref name="work"/> with its progress on stderr (<see cref="PhaseDisplay"/>).</summary>
    public static T WithPhases<T>(string title, Func<Action<ExperimentProgress>, T> work) => PhaseDisplay.Run(title, work);

    /// <summary>One "results" row of the --json contract.</summary>
    public static object ResultJson(MethodRun r) => new
    {
        method = r.Method,
        seed = r.Seed,
        violations = r.Result.Violations,
        successes = r.Result.Successes,
        ratio = r.Result.Ratio,
        @return = r.Result.MeanReturn,
        lifetimeRegret = r.Result.LifetimeRegret,
    };

    /// <summary>One "paired" row of the --json contract: first − second violations over their shared seeds.</summary>
    public static object PairedJson(PairedComparison c) => new
    {
        first = c.First,
        second = c.Second,
        seeds = c.Difference.Count,
        meanDifference = c.Difference.Mean,
        standardError = c.Difference.StandardError,
        fewer = c.Fewer,
        tied = c.Tied,
        more = c.More,
        signTestP = c.SignTestP,
    };

    /// <summary>Violations paired by seed, one row per pair of methods (<see cref="PairedComparison"/>).</summary>
    public static Table PairedTable(IReadOnlyList<PairedComparison> pairs, string title = "violations paired by seed (first - second)")
    {
        var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape(title))
            .AddColumn(new TableColumn("first").NoWrap()).AddColumn(new TableColumn("second").NoWrap());
        foreach (var c in new[] { "seeds", "difference", "fewer/tied/more", "sign test p" }) table.AddColumn(new TableColumn(c).RightAligned().NoWrap());
        foreach (var c in pairs)
            table.AddRow(Markup.Escape(c.First), Markup.Escape(c.Second), c.Difference.Count.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(ExperimentReport.Format(c.Difference)), $"{c.Fewer}/{c.Tied}/{c.More}", c.SignTestPText);
        return table;
    }

    public static Table SummaryTable(IReadOnlyList<MethodSummary> summaries)
    {
        var table = new Table().Border(TableBorder.Simple).AddColumn(new TableColumn("method").NoWrap());
        foreach (var c in new[] { "seeds", "violations", "successes", "ratio", "mean return", "lifetime regret" }) table.AddColumn(new TableColumn(c).RightAligned().NoWrap());
        foreach (var s in summaries)
            table.AddRow(Markup.Escape(s.Method), s.Seeds.ToString(CultureInfo.InvariantCulture), Markup.Escape(ExperimentReport.Format(s.Violations)),
                Markup.Escape(ExperimentReport.Format(s.Successes)), Markup.Escape(ExperimentReport.Format(s.Ratio, "0.000")), Markup.Escape(ExperimentReport.Format(s.Return)),
                Markup.Escape(ExperimentReport.Format(s.LifetimeRegret)));
        return table;
    }
}
