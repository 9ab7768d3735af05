namespace OfflineSafety.Testing;

/// <summary>The checkout the tests were built from: the nearest folder above the test binaries holding OfflineSafety.sln.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "OfflineSafety.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no OfflineSafety.sln above {AppContext.BaseDirectory}");
    }
}
