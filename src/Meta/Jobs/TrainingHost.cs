using OfflineSafety.Meta.Training;

namespace OfflineSafety.Meta.Jobs;

/// <summary>
/// Runs a job's training phase: the CLI draws a progress bar around it, a service can record the
/// job's progress. <paramref name="train"/> takes the progress callback the host wants.
/// </summary>
public delegate T TrainingHost<T>(string title, Func<Action<TrainingProgress>, T> train);
