using System.Reflection;

namespace OfflineSafety.Meta.Registry;

/// <summary>
/// The version of the code that trained a model: the assembly's informational version, which the
/// SDK suffixes with the git commit ("1.0.0+3f2a...") when the build sees the repository.
/// </summary>
public static class CodeVersion
{
    public static string Current { get; } =
        typeof(CodeVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CodeVersion).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
