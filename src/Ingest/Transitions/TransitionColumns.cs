namespace OfflineSafety.Ingest.Transitions;

/// <summary>
/// Column names of the transition schema (architecture.md, "Transition schema") and the label
/// convention version recorded in dataset metadata (algorithms.md section 0).
/// </summary>
public static class TransitionColumns
{
    public const string EpisodeId = "episode_id";
    public const string Step = "step";
    public const string Variant = "variant";
    public const string Source = "source";
    public const string Obs = "obs";
    public const string Action = "action";
    public const string NextObs = "next_obs";
    public const string Reward = "reward";
    public const string Cost = "cost";
    public const string Unsafe = "unsafe";
    public const string Terminal = "terminal";
    public const string Truncated = "truncated";

    /// <summary>Version 1: `unsafe` labels the resulting state s'; `terminal` means no bootstrap; `truncated` is a time limit.</summary>
    public const int LabelConventionVersion = 1;

    public static readonly IReadOnlyList<string> All =
        [EpisodeId, Step, Variant, Source, Obs, Action, NextObs, Reward, Cost, Unsafe, Terminal, Truncated];
}
