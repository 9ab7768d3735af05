using System.Text.RegularExpressions;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Datasets;
using OfflineSafety.Storage;

namespace OfflineSafety.Serve.Dashboard;

/// <summary>One experiment's report folder: runs/&lt;id&gt;/ with its README.md, SVG plots and results.</summary>
public sealed record ExperimentReport(string Id, DateTimeOffset Written, IReadOnlyList<string> Files)
{
    public IEnumerable<string> Plots => Files.Where(f => f.EndsWith(".svg", StringComparison.OrdinalIgnoreCase));
}

/// <summary>
/// The experiment reports in the store. `offsafe experiment ...` writes each into runs/&lt;id&gt;/ of the
/// store it ran on (the critics experiment through the object store, the online ones into the local
/// store's folder), so the service finds them by listing that prefix; nothing else lives there.
/// </summary>
public sealed partial class ExperimentReports(IObjectStore objects)
{
    public const string Prefix = "runs/";

    /// <summary>Every report, newest first.</summary>
    public async Task<IReadOnlyList<ExperimentReport>> ListAsync(CancellationToken ct)
    {
        var reports = new List<ExperimentReport>();
        await foreach (string prefix in objects.ListCommonPrefixesAsync(Prefix, ct))
        {
            string id = prefix[Prefix.Length..^1];
            if (!DatasetNames.IsValid(id)) continue;
            var files = new List<string>();
            var written = DateTimeOffset.MinValue;
            await foreach (var info in objects.ListAsync(prefix, ct))
            {
                string file = info.Key[prefix.Length..];
                if (!FilePattern().IsMatch(file)) continue;
                files.Add(file);
                if (info.LastModified > written) written = info.LastModified;
            }
            if (files.Count > 0) reports.Add(new ExperimentReport(id, written, files));
        }
        reports.Sort((a, b) => b.Written.CompareTo(a.Written));
        return reports;
    }

    /// <summary>One file of a report; names are checked so a request can never leave the report's folder.</summary>
    public async Task<byte[]> ReadAsync(string id, string file, CancellationToken ct)
    {
        if (!DatasetNames.IsValid(id) || !FilePattern().IsMatch(file))
            throw new BadInputException($"report file {Excerpts.Of(id + "/" + file)} is not REPORT/FILE with plain names");
        return await objects.TryReadAsync($"{Prefix}{id}/{file}", ct)
            ?? throw new NotFoundException($"report file '{id}/{file}' not found in store '{objects.Location}'");
    }

    /// <summary>A file directly in the report's folder: a plain name with an extension, no separators.</summary>
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}\\.[A-Za-z0-9]{1,10}$")]
    private static partial Regex FilePattern();
}
