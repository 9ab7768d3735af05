using Microsoft.Extensions.Time.Testing;
using OfflineSafety.Pipeline.Cli.Output;
using OfflineSafety.Pipeline.Experiments;

namespace OfflineSafety.Pipeline.Tests.Cli;

public sealed class PhaseProgressLinesTests
{
    [Fact]
    public void Phases_report_how_far_into_their_episodes_they_are_and_the_fraction_only_grows()
    {
        var seen = new List<ExperimentProgress>();
        var phases = new PhaseProgress(seen.Add, total: 4);
        phases.Begin(0, "seed 0: training");
        phases.Begin(1, "seed 1: training");
        phases.Begin(0, "seed 0: online");
        var episodes0 = phases.Episodes(0, 4);
        var episodes1 = phases.Episodes(1, 4);
        phases.Begin(1, "seed 1: online");
        for (int i = 0; i < 4; i++)
        {
            episodes0(default!);
            episodes1(default!);
        }
        phases.Done();

        Assert.Equal(seen.Select(p => p.Fraction).Order(), seen.Select(p => p.Fraction));
        // Both training phases finished (2 of 4) and seed 0 is 1 of its 4 episodes in: 2.25 / 4.
        var first = seen.First(p => p.Detail == "episode 1/4");
        Assert.Equal(("seed 0: online", 2.25 / 4), (first.Phase, first.Fraction));
        Assert.Equal(1.0, seen[^2].Fraction); // every episode of both online phases
        Assert.Equal(new ExperimentProgress("done", 1), seen[^1]);
    }

    [Fact]
    public void A_report_says_where_the_seeds_beside_it_stand_and_an_ended_seed_drops_out()
    {
        var seen = new List<ExperimentProgress>();
        var phases = new PhaseProgress(seen.Add, total: 4);
        phases.Begin(4, "seed 4: online mesa");
        phases.Begin(5, "seed 5: online mesa");
        var episodes4 = phases.Episodes(4, 10);
        var episodes5 = phases.Episodes(5, 10);
        episodes5(default!);
        episodes4(default!);
        episodes4(default!);

        // Nothing finished yet; seed 4 is 2 and seed 5 1 of 10 episodes in: 0.3 / 4.
        Assert.Equal(("seed 4: online mesa", "episode 2/10", "seed 5: online mesa (episode 1/10)"), (seen[^1].Phase, seen[^1].Detail, seen[^1].Alongside));
        Assert.Equal(0.3 / 4, seen[^1].Fraction, 12);
        Assert.Equal("mesa: seed 4: online mesa (episode 2/10) | seed 5: online mesa (episode 1/10)", PlainPhaseLines.Describe("mesa", seen[^1]));

        phases.End(5); // seed 5 is done: it counts as finished and is no longer described
        phases.Begin(4, "seed 4: online multitask");
        Assert.Equal(new ExperimentProgress("seed 4: online multitask", 2.0 / 4), seen[^1]);
    }

    [Fact]
    public void Phases_count_the_work_they_declare_so_a_short_phase_is_a_small_share()
    {
        var seen = new List<ExperimentProgress>();
        var phases = new PhaseProgress(seen.Add, total: 100);
        phases.Begin(0, "seed 0: MESA meta-training", work: 1);
        phases.Begin(0, "seed 0: online mesa", work: 99);
        Assert.Equal(0.01, seen[^1].Fraction, 12); // a one-second fit is 1%, not half, of the run
        var episodes = phases.Episodes(0, 10);
        episodes(default!);
        Assert.Equal((1 + 9.9) / 100, seen[^1].Fraction, 12);
        phases.Begin(0, "seed 0: zero-work phase", work: 0); // an unselected critic source
        Assert.Equal(1.0, seen[^1].Fraction, 12);
    }

    [Fact]
    public void A_log_gets_a_line_per_new_phase_and_at_most_one_a_minute_within_a_phase()
    {
        var time = new FakeTimeProvider();
        var log = new StringWriter();
        var lines = new PlainPhaseLines(log, "experiment mesa ant-disabled", time, TimeSpan.FromSeconds(60));

        lines.Report(new ExperimentProgress("seed 0: online mesa", 0.5));
        lines.Report(new ExperimentProgress("seed 1: online mesa", 0.5));
        for (int episode = 1; episode <= 100; episode++)
        {
            // Two seeds side by side alternate their phases; that alone is no reason for a line.
            time.Advance(TimeSpan.FromSeconds(1));
            lines.Report(new ExperimentProgress("seed 0: online mesa", 0.5 + episode / 400.0, $"episode {episode}/100"));
            lines.Report(new ExperimentProgress("seed 1: online mesa", 0.5 + episode / 400.0, $"episode {episode}/100"));
        }
        lines.Report(new ExperimentProgress("done", 1));
        lines.Finish();

        string[] written = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            [
                "experiment mesa ant-disabled: seed 0: online mesa  50.0%  0:00:00",
                "experiment mesa ant-disabled: seed 1: online mesa  50.0%  0:00:00",
                "experiment mesa ant-disabled: seed 0: online mesa (episode 60/100)  65.0%  0:01:00",
                "experiment mesa ant-disabled: done  100.0%  0:01:40",
            ],
            written);
        Assert.DoesNotContain('\u001b', log.ToString()); // plain text: no colour or cursor codes
    }

    [Fact]
    public void A_log_gets_a_closing_line_when_the_work_did_not_report_its_end()
    {
        var time = new FakeTimeProvider();
        var log = new StringWriter();
        var lines = new PlainPhaseLines(log, "demo", time, TimeSpan.FromSeconds(60));
        lines.Report(new ExperimentProgress("training", 0.3));
        time.Advance(TimeSpan.FromMinutes(61) + TimeSpan.FromSeconds(5));
        lines.Finish();
        Assert.Equal("demo: training  30.0%  0:00:00\ndemo: done  100.0%  1:01:05\n", log.ToString().ReplaceLineEndings("\n"));
    }
}
