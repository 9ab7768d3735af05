using OfflineSafety.Meta.Online;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>One method's online run under one seed.</summary>
public sealed record MethodRun(string Method, int Seed, OnlineRunResult Result);

/// <summary>
/// Progress of an experiment: the phase in words, the finished fraction, and how far into the phase it
/// is in its own units ("episode 312/1000") where the phase counts any, and where the seeds running
/// beside it stand.
/// </summary>
public readonly record struct ExperimentProgress(string Phase, double Fraction, string? Detail = null, string? Alongside = null);
