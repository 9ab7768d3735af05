namespace OfflineSafety.Meta.Online.Methods;

/// <summary>Unconstrained: SAC on the task reward alone, with no safety layer; the lower bound on violations avoided.</summary>
public sealed class UnconstrainedMethod : ISafetyMethod;
