namespace OfflineSafety.Ingest.Logs;

/// <summary>The transition fields a log column can supply (architecture.md, "Transition schema").</summary>
public enum LogField
{
    EpisodeId,
    Step,
    Variant,
    Source,
    Obs,
    Action,
    NextObs,
    Reward,
    Cost,
    Unsafe,
    Terminal,
    Truncated,
}

public static class LogFields
{
    public const int Count = (int)LogField.Truncated + 1;

    public static bool IsVector(LogField field) => field is LogField.Obs or LogField.Action or LogField.NextObs;

    public static bool IsText(LogField field) => field is LogField.Variant or LogField.Source;

    public static bool IsFlag(LogField field) => field is LogField.Unsafe or LogField.Terminal or LogField.Truncated;

    /// <summary>The schema name of a field, which is also the option key in <c>--map name=column</c>.</summary>
    public static string SchemaName(LogField field) => field switch
    {
        LogField.EpisodeId => "episode_id",
        LogField.Step => "step",
        LogField.Variant => "variant",
        LogField.Source => "source",
        LogField.Obs => "obs",
        LogField.Action => "action",
        LogField.NextObs => "next_obs",
        LogField.Reward => "reward",
        LogField.Cost => "cost",
        LogField.Unsafe => "unsafe",
        LogField.Terminal => "terminal",
        LogField.Truncated => "truncated",
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };

    public static bool TryParse(string schemaName, out LogField field)
    {
        for (int i = 0; i < Count; i++)
        {
            if (string.Equals(SchemaName((LogField)i), schemaName, StringComparison.OrdinalIgnoreCase))
            {
                field = (LogField)i;
                return true;
            }
        }
        field = default;
        return false;
    }
}
