using System.CommandLine;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>The `offsafe` command tree. Each area contributes one command group from its own file.</summary>
public static class OffsafeCli
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
}
