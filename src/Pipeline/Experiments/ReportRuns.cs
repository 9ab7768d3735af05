using System.Globalization;
using System.Text;
using System.Text.Json;
using OfflineSafety.Errors;
using OfflineSafety.Ingest.Text;
using OfflineSafety.Meta.Online;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>
/// The runs of an experiment report as files: <c>runs.json</c> (one entry per run: method, seed,
/// algorithm, steps, seconds) and <c>episodes.csv</c> (every training episode of every run). Together
/// they hold everything the report's tables and curves are made of, so a later command can read a
/// report back (<c>experiment combine</c>) and compute exactly what the experiment printed.
/// </summary>
public static class ReportRuns
{
    public const string RunsFile = "runs.json";
    public const string EpisodesFile = "episodes.csv";

    private static readonly string[] Columns =
        ["method", "seed", "episode", "return", "steps", "violation", "success", "recovery_steps", "cumulative_violations", "cumulative_successes",
         "last_recovery_streak_start", "cost", "cumulative_cost"];

    private sealed record StoredRun(string Method, int Seed, string Algorithm, string RunId, long Steps, double Seconds, int RecordedTransitions, int Episodes);

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static string RunsJson(IReadOnlyList<MethodRun> runs) => JsonSerializer.Serialize(new
    {
        runs = runs.Select(r => new StoredRun(r.Method, r.Seed, r.Result.Algorithm.Name(), r.Result.RunId, r.Result.Steps, r.Result.Seconds,
            r.Result.RecordedTransitions, r.Result.Episodes.Count)),
    }, Json);

    /// <summary>
    /// Every training episode of every run, one row each (the curves' data, and what a per-seed
    /// diagnosis needs: when the violations came and whether the recovery policy was acting).
    /// </summary>
    public static string EpisodesCsv(IReadOnlyList<MethodRun> runs)
    {
        var csv = new StringBuilder(string.Join(',', Columns)).Append('\n');
        foreach (var r in runs)
            foreach (var e in r.Result.Episodes)
                csv.Append(CultureInfo.InvariantCulture,
                    $"{r.Method},{r.Seed},{e.Episode},{e.Return:R},{e.Steps},{(e.Violation ? 1 : 0)},{(e.Success ? 1 : 0)},{e.RecoverySteps},{e.CumulativeViolations},{e.CumulativeSuccesses},{e.LastRecoveryStreakStart},{e.Cost:R},{e.CumulativeCost:R}\n");
        return csv.ToString();
    }

    /// <summary>
    /// The runs of a report from its two files. <paramref name="name"/> names the report in errors;
    /// any malformed line is a <see cref="BadInputException"/> naming the file, line and field.
    /// </summary>
    public static IReadOnlyList<MethodRun> Read(string name, byte[] runsJson, byte[] episodesCsv)
    {
        StoredRun[] stored;
        try
        {
            using var doc = JsonDocument.Parse(runsJson);
            stored = doc.RootElement.GetProperty("runs").Deserialize<StoredRun[]>(Json) ?? [];
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new BadInputException($"{name}/{RunsFile}: not a runs file ({e.Message.Split('\n')[0]})");
        }
        var episodes = ReadEpisodes(name, episodesCsv);
        var runs = new List<MethodRun>(stored.Length);
        foreach (var s in stored)
        {
            var algorithm = OnlineAlgorithms.TryParse(s.Algorithm)
                ?? throw new BadInputException($"{name}/{RunsFile}: run {s.Method} seed {s.Seed}: unknown algorithm '{s.Algorithm}'");
            var list = episodes.TryGetValue((s.Method, s.Seed), out var found) ? found : [];
            if (list.Count != s.Episodes)
                throw new BadInputException($"{name}/{EpisodesFile}: run {s.Method} seed {s.Seed} has {list.Count} episodes, {RunsFile} says {s.Episodes}");
            runs.Add(new MethodRun(s.Method, s.Seed, new OnlineRunResult(s.RunId, algorithm, list, s.Steps, s.Seconds, s.RecordedTransitions)));
        }
        foreach (var key in episodes.Keys)
            if (!stored.Any(s => (s.Method, s.Seed) == key))
                throw new BadInputException($"{name}/{EpisodesFile}: episodes of {key.Item1} seed {key.Item2}, a run {RunsFile} does not list");
        return runs;
    }

    private static Dictionary<(string, int), List<EpisodeOutcome>> ReadEpisodes(string name, byte[] csv)
    {
        string file = $"{name}/{EpisodesFile}";
        using var reader = new CsvRecordReader(new MemoryStream(csv, writable: false));
        if (!reader.Read() || reader.FieldCount != Columns.Length
            || Enumerable.Range(0, Columns.Length).Any(i => Encoding.UTF8.GetString(reader.Field(i)) != Columns[i]))
            throw new BadInputException($"{file}: the header is not '{string.Join(',', Columns)}' (a report written before `experiment combine` existed cannot be read back)");
        var runs = new Dictionary<(string, int), List<EpisodeOutcome>>();
        var steps = new Dictionary<(string, int), long>();
        while (reader.Read())
        {
            if (reader.FieldCount == 1 && reader.Field(0).IsEmpty) continue;
            long line = reader.RecordLine;
            if (reader.FieldCount != Columns.Length)
                throw new BadInputException($"{file}: line {line}: {reader.FieldCount} fields, expected {Columns.Length}");
            string Text(int i) => Encoding.UTF8.GetString(reader.Field(i));
            int Int(int i) => int.TryParse(reader.Field(i), NumberStyles.Integer, CultureInfo.InvariantCulture, out int v)
                ? v : throw new BadInputException($"{file}: line {line}: field '{Columns[i]}': '{Text(i)}' is not an integer");
            double Real(int i) => double.TryParse(reader.Field(i), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v)
                ? v : throw new BadInputException($"{file}: line {line}: field '{Columns[i]}': '{Text(i)}' is not a finite number");
            bool Flag(int i) => Int(i) switch
            {
                0 => false,
                1 => true,
                _ => throw new BadInputException($"{file}: line {line}: field '{Columns[i]}': '{Text(i)}' is not 0 or 1"),
            };
            var key = (Text(0), Int(1));
            int episodeSteps = Int(4);
            long total = steps.GetValueOrDefault(key) + episodeSteps;
            steps[key] = total;
            var outcome = new EpisodeOutcome(Int(2), (float)Real(3), episodeSteps, Flag(5), Flag(6), Int(7), Int(8), Int(9), Real(11), Real(12))
            {
                CumulativeSteps = total,
                LastRecoveryStreakStart = Int(10),
            };
            if (!runs.TryGetValue(key, out var list)) runs[key] = list = [];
            list.Add(outcome);
        }
        return runs;
    }
}
