using OfflineSafety.Envs;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Randomness;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Recovery;

/// <summary>
/// A recovery agent trained by RL on the constraint's margin (`--recovery-objective margin`): a second
/// <see cref="SoftActorCritic"/> on the reward r_rec = clamp(margin(s') / scale, 0, 1) with the violation
/// as a terminal, so a fall forfeits every later step's margin and its Q ranks actions by how long and
/// how far they keep the body up. The Q_risk recovery policy learns from a sigmoid critic fitted to
/// sparse fall labels, which is flat over actions on many near-fall states; this signal is dense.
/// It learns from the risk critic's batches (the same rows, in the same normalised units: executed
/// actions, offline rows and online steps alike), one SAC update per batch; its deterministic action
/// tanh(mean) is the recovery action. The switch and the task policy's relabelling are untouched.
/// </summary>
public sealed class MarginRecoveryAgent : IOnlineRecovery
{
    private readonly ISafetyMargin _margin;
    private readonly Normalization _normalization;
    private readonly SquashedActionBox _box;
    private readonly SacBatch _batch;
    private readonly float[] _rawObs;
    private readonly float[] _rawAction;
    // Acting is deterministic (tanh(mean)) and draws nothing; SoftActorCritic.Act still takes a generator.
    private readonly Xoshiro256StarStar _unused = new(0);
    private readonly bool _frozen;

    /// <param name="sac">the run's task-policy settings: the agent gets its network sizes and learning rate</param>
    public MarginRecoveryAgent(ISafetyMargin margin, Normalization normalization, SacSettings sac, SafetySettings safety, Xoshiro256StarStar random,
        ComputeOptions? compute = null)
    {
        _margin = margin;
        _normalization = normalization;
        _box = new SquashedActionBox(normalization.ActionLow, normalization.ActionHigh);
        int od = normalization.ObsDim, ad = normalization.ActDim;
        Settings = sac with { Gamma = safety.RecoveryMarginGamma, BatchSize = safety.CriticBatchSize, RandomSteps = 0 };
        Agent = new SoftActorCritic(od, _box, normalization, Settings, random, compute);
        _batch = new SacBatch(safety.CriticBatchSize, od, ad);
        _rawObs = new float[od];
        _rawAction = new float[ad];
        _frozen = safety.RecoveryMarginFrozen;
    }

    /// <summary>Refuses the combinations the margin objective does not support (one line naming the flags).</summary>
    public static void CheckSupported(RecoveryKind recovery, SafetySettings safety, bool cloning)
    {
        if (safety.RecoveryObjective != RecoveryObjective.Margin) return;
        if (recovery != RecoveryKind.ModelFree)
            throw new BadInputException("--recovery-objective margin trains a model-free recovery agent; model-based recovery has no recovery policy to replace");
        if (safety.RecoveryGamma is not null)
            throw new BadInputException("--recovery-objective margin replaces the recovery policy's risk objective; --recovery-gamma (a longer-horizon risk objective) cannot be combined with it");
        if (cloning)
            throw new BadInputException("--recovery-objective margin does not support --recovery-bc (cloning acts on the Q_risk recovery policy)");
    }

    /// <summary>The agent's SAC settings (the run's, with the margin discount and the critic batch size).</summary>
    public SacSettings Settings { get; }

    public SoftActorCritic Agent { get; }

    public ISafetyMargin Margin => _margin;

    /// <summary>The batch of the latest update (rewards and terminals as declared).</summary>
    public SacBatch Batch => _batch;

    /// <summary>r_rec of a step that reached <paramref name="nextObs"/> (raw units).</summary>
    public float Reward(ReadOnlySpan<float> nextObs) => Math.Clamp(_margin.Of(nextObs) / _margin.Scale, 0f, 1f);

    /// <summary>No bootstrap after a violation (whether or not it ended the logged episode) or a terminal.</summary>
    public static float Done(float isUnsafe, float terminal) => isUnsafe > 0f || terminal > 0f ? 1f : 0f;

    public void Act(ReadOnlySpan<float> obs, Span<float> action) => Agent.Act(obs, action, deterministic: true, _unused);

    /// <summary>The online step: one <see cref="Step"/>, or nothing when frozen (<see cref="SafetySettings.RecoveryMarginFrozen"/>).</summary>
    public void Learn(CriticBatch criticBatch, ReplayBuffer criticBuffer, Xoshiro256StarStar random)
    {
        if (!_frozen) Step(criticBatch, random);
    }

    /// <summary>One SAC update on <paramref name="criticBatch"/>'s transitions (read, not changed).</summary>
    public (float CriticLoss, float ActorLoss) Step(CriticBatch criticBatch, Xoshiro256StarStar random)
    {
        if (criticBatch.Size != _batch.Size) throw new ArgumentException($"batch of {criticBatch.Size} rows, the margin recovery agent takes {_batch.Size}");
        var n = _normalization;
        int od = _batch.ObsDim, ad = _batch.ActDim;
        for (int i = 0; i < _batch.Size; i++)
        {
            // The risk critic's batches are in its normalised units, which are also the agent's.
            criticBatch.ObsOf(i).CopyTo(_batch.Obs.AsSpan(i * od, od));
            var next = criticBatch.NextObsOf(i);
            next.CopyTo(_batch.NextObs.AsSpan(i * od, od));
            for (int d = 0; d < od; d++) _rawObs[d] = next[d] * n.ObsStd[d] + n.ObsMean[d];
            n.DenormalizeAction(criticBatch.ActionOf(i), _rawAction);
            _box.ToSquashed(_rawAction, _batch.Action.AsSpan(i * ad, ad));
            _batch.Reward[i] = Reward(_rawObs);
            _batch.Done[i] = Done(criticBatch.Unsafe[i], criticBatch.Terminal[i]);
            _batch.Rows[i] = criticBatch.Rows[i];
        }
        return Agent.Update(_batch, null, random);
    }

    /// <summary>
    /// Offline pretraining on <paramref name="rows"/> (class-balanced batches, as the Q_risk recovery
    /// policy's), with a generator of its own so the critic's phases draw what they drew before.
    /// </summary>
    public static MarginRecoveryAgent Pretrain(ISafetyMargin margin, Normalization normalization, TaskRows rows, SacSettings sac, SafetySettings safety,
        int steps, int seed, ComputeOptions? compute = null, CancellationToken ct = default)
    {
        var random = new Xoshiro256StarStar(Xoshiro256StarStar.DeriveSeed((ulong)seed, PretrainStream, 0));
        var agent = new MarginRecoveryAgent(margin, normalization, sac, safety, random, compute);
        var sampler = new ClassBalancedSampler(normalization, safety.PosFraction);
        var batch = new CriticBatch(safety.CriticBatchSize, normalization.ObsDim, normalization.ActDim);
        for (int i = 0; i < steps; i++)
        {
            ct.ThrowIfCancellationRequested();
            sampler.Sample(rows, batch, random);
            agent.Step(batch, random);
        }
        return agent;
    }

    // "margin" in ASCII.
    private const ulong PretrainStream = 0x6d617267696e;
}
