using System.CommandLine;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>Options every command accepts (architecture.md, "Interfaces that users touch").</summary>
public static class CommonOptions
{
    public static readonly Option<string> Store = new("--store")
    {
        Description = "Store root: a directory, or az://ACCOUNT/CONTAINER[/PREFIX] with AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_SAS_TOKEN set (default $OFFSAFE_STORE, else ./.offsafe).",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("OFFSAFE_STORE") is { Length: > 0 } s ? s : ".offsafe",
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print one JSON object (or JSON lines where stated) on stdout, for scripts.",
        Recursive = true,
    };
}
