using System.CommandLine;
using OfflineSafety.Envs;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>`--env ID` of the experiments: one of the registered environments, which the help lists.</summary>
internal sealed class EnvironmentOption
{
    public EnvironmentOption()
    {
        var ids = EnvironmentRegistry.Default.All.Select(d => d.Id).ToArray();
        Option = new("--env") { Description = string.Join(" | ", ids) + ".", Required = true };
        Option.AcceptOnlyFromAmong(ids);
    }

    public Option<string> Option { get; }

    public EnvironmentDefinition Get(ParseResult p) => EnvironmentRegistry.Default.Get(p.GetValue(Option)!);
}
