using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Recovery;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.Methods;

/// <summary>
/// What a method is built from: the run's start and options, and the shared pieces the runner made
/// before it (task policy, action box, input normalisation, step budget). The random stream is the
/// run's single one: a method that draws (model-based recovery's ensemble) draws in its place in
/// that stream, so a seed reproduces a run bit for bit.
/// </summary>
public sealed record SafetyMethodContext(OnlineRunOptions Options, OnlineStart Start, SoftActorCritic Policy, SquashedActionBox Box,
    Normalization Observations, long StepBudget, Xoshiro256StarStar Random)
{
    public SafetySettings Safety => Options.Safety;

    /// <summary>The environment's episode horizon T (dual-agent correction's Gamma depends on it).</summary>
    public required int Horizon { get; init; }

    public SafetyCritic Critic => Start.Critic ?? throw new BadInputException($"{Options.Algorithm.Name()} needs a safety critic");
}
