using OfflineSafety.Meta.Online;

namespace OfflineSafety.Pipeline.Experiments;

/// <summary>One method's online run under one seed.</summary>
public sealed record MethodRun(string Method, int Seed, OnlineRunResult Result);

/// <summary>Progress of an experiment: the phase in words and the finished fraction.</summary>
public readonly record struct ExperimentProgress(string Phase, double Fraction);
