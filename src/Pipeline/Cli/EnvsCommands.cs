using System.CommandLine;
using System.Globalization;
using OfflineSafety.Envs;
using OfflineSafety.Envs.Spaces;
using Spectre.Console;
using OfflineSafety.Pipeline.Cli.Output;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`offsafe envs`: what the built-in simulators are and how their suites are drawn.</summary>
public static class EnvsCommands
{
    public static Command Create()
    {
        var envs = new Command("envs", "Built-in simulators with dynamics variants.");
        var list = new Command("list", "List environments: spaces, variant parameters and distributions, horizon, rules.");
        CommandAction.Set(list, (parseResult, _) => List(EnvironmentRegistry.Default, parseResult.GetValue(CommonOptions.Json)));
        envs.Subcommands.Add(list);
        return envs;
    }

    private static int List(EnvironmentRegistry registry, bool json)
    {
        if (json)
        {
            var environments = registry.All.Select(d => new
            {
                id = d.Id,
                title = d.Title,
                observation = Space(d.ObservationSpace, d.ObservationNames),
                action = Space(d.ActionSpace, d.ActionNames),
                horizon = d.Horizon,
                variant_parameters = d.Variants.ParameterNames,
                training_distribution = d.Variants.TrainingDistribution,
                test_variant = d.Variants.TestVariantRule,
                rules = d.Rules.ToDictionary(r => r.Name, r => r.Description),
                collection = new
                {
                    description = d.Collection.Description,
                    rollout_steps = d.Collection.RolloutSteps,
                    violation_ends_rollout = d.Collection.ViolationEndsRollout,
                },
                online_pretraining_collection = d.PretrainingRecipe.Description,
                suite_defaults = d.Defaults,
            });
            CliOutput.WriteJson(new { environments }, CliOutput.SnakeCaseJson);
            return 0;
        }
        var stdout = CliOutput.Stdout();
        foreach (var d in registry.All)
        {
            var table = new Table().Title($"[bold]{Markup.Escape(d.Id)}[/]: {Markup.Escape(d.Title)}").AddColumn("property").AddColumn("value");
            table.AddRow("observation", Markup.Escape(Describe(d.ObservationSpace, d.ObservationNames)));
            table.AddRow("action", Markup.Escape(Describe(d.ActionSpace, d.ActionNames)));
            table.AddRow("horizon", d.Horizon.ToString(CultureInfo.InvariantCulture));
            table.AddRow("variant parameters", Markup.Escape(string.Join(", ", d.Variants.ParameterNames)));
            table.AddRow("training variants", Markup.Escape(d.Variants.TrainingDistribution));
            table.AddRow("test variant (auto)", Markup.Escape(d.Variants.TestVariantRule));
            foreach (var rule in d.Rules) table.AddRow(Markup.Escape(rule.Name), Markup.Escape(rule.Description));
            table.AddRow("offline data", Markup.Escape(d.Collection.Description));
            if (d.PretrainingCollection is { } pretraining)
                table.AddRow("online pretraining data", Markup.Escape(pretraining.Description));
            table.AddRow("suite defaults", Markup.Escape(
                $"{d.Defaults.TrainingVariants} x {d.Defaults.TransitionsPerVariant} training + {d.Defaults.TestTransitions} test transitions"));
            stdout.Write(table);
        }
        return 0;
    }

    private static object Space(BoxSpace space, IReadOnlyList<string> names) =>
        new { dim = space.Dim, names, low = space.Low.ToArray(), high = space.High.ToArray() };

    private static string Describe(BoxSpace space, IReadOnlyList<string> names) =>
        $"{space.Dim}-D box: " + string.Join(", ", names.Select((n, i) => $"{n} in [{Bound(space.Low[i])}, {Bound(space.High[i])}]"));

    private static string Bound(float value) => float.IsInfinity(value)
        ? (value > 0 ? "+inf" : "-inf")
        : value.ToString("0.###", CultureInfo.InvariantCulture);
}
