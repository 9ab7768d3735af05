using System.CommandLine;
using System.Text.RegularExpressions;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>The `offsafe` command tree. Each area contributes one command group from its own file.</summary>
public static partial class OffsafeCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("offsafe: safe reinforcement learning from logged transitions.");
        root.Options.Add(CommonOptions.Store);
        root.Options.Add(CommonOptions.Json);
        root.Subcommands.Add(ParquetCommands.Create());
        root.Subcommands.Add(EnvsCommands.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(DatasetsCommands.Create());
        root.Subcommands.Add(MetaTrainCommand.Create());
        root.Subcommands.Add(FitPriorCommand.Create());
        root.Subcommands.Add(PlansCommands.Create());
        root.Subcommands.Add(RunsCommands.Create());
        root.Subcommands.Add(SchedulerCommand.Create());
        root.Subcommands.Add(AdaptCommand.Create());
        root.Subcommands.Add(EvalCriticCommand.Create());
        root.Subcommands.Add(ModelsCommands.Create());
        root.Subcommands.Add(ExperimentCommands.Create());
        root.Subcommands.Add(OnlineCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        return root;
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/>. A command line that does not parse (an unknown
    /// option, a missing required one, a value of the wrong type or outside its choices) is a user
    /// error like any other: one line on stderr naming the option, exit 1, instead of
    /// System.CommandLine's page of help after the message.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Build().Parse(args);
        if (parsed.Errors.Count == 0) return await parsed.InvokeAsync();
        var path = new List<string>();
        for (var c = parsed.CommandResult; c is not null; c = c.Parent as System.CommandLine.Parsing.CommandResult) path.Insert(0, c.Command.Name);
        string command = string.Join(' ', path);
        string problems = string.Join(' ', parsed.Errors.Select(e => Sentence(Whitespace().Replace(e.Message, " ").Trim())));
        Console.Error.WriteLine($"offsafe: {problems} ('{command} --help' lists the options)");
        return CommandAction.Failure;
    }

    private static string Sentence(string message) => message.EndsWith('.') ? message : message + ".";

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
