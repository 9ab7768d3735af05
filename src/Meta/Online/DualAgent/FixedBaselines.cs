using OfflineSafety.Envs.Controllers;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// A fixed baseline (Algorithm 1, line 8): it acts and never learns. It has no optimiser at all, and
/// a call to <see cref="Learn"/> is a bug in the caller.
/// </summary>
public abstract class FixedBaseline : IBaselinePolicy
{
    public abstract string Name { get; }
    public bool Learnable => false;
    public long Updates => 0;

    public abstract void Act(ReadOnlySpan<float> rawObs, Span<float> squashed);

    public void Act(SacBatch batch, ReplayBuffer buffer, Span<float> squashed)
    {
        int ad = batch.ActDim;
        for (int i = 0; i < batch.Size; i++) Act(buffer.ObsRow(batch.Rows[i]), squashed.Slice(i * ad, ad));
    }

    public void Learn(SacBatch batch, Xoshiro256StarStar random) =>
        throw new InvalidOperationException($"baseline '{Name}' is fixed: it has no optimiser to step");
}

/// <summary>A scripted controller as the baseline, its raw actions mapped into squashed units.</summary>
public sealed class ControllerBaseline(IController controller, SquashedActionBox box) : FixedBaseline
{
    private readonly float[] _raw = new float[box.Dim];

    public override string Name => controller.Name;

    public override void Act(ReadOnlySpan<float> rawObs, Span<float> squashed)
    {
        controller.Act(rawObs, _raw);
        box.ToSquashed(_raw, squashed);
    }
}

/// <summary>A stored deterministic actor (e.g. a TD3 baseline saved by an earlier run), frozen, with the observation normalisation it was trained with.</summary>
public sealed class FrozenActorBaseline(DeterministicActor actor, Normalization observations, string name) : FixedBaseline
{
    private readonly float[] _normObs = new float[actor.ObsDim];

    public override string Name => name;

    public DeterministicActor Actor => actor;
    public Normalization Observations => observations;

    public override void Act(ReadOnlySpan<float> rawObs, Span<float> squashed)
    {
        observations.NormalizeObs(rawObs, _normObs);
        actor.Act(_normObs, 1, squashed);
    }
}
