using OfflineSafety.Meta.Critics;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// The learnable baseline (Algorithm 1, lines 20-25): TD3 on the task reward. Twin Q_R with clipped
/// double-Q targets r + gamma (1 - d) min Q'(s', pi'(s') + clipped noise), the deterministic policy
/// gradient on Q_1 every <see cref="DualAgentSettings.PolicyDelay"/> updates, Polyak targets.
/// </summary>
public sealed class Td3Baseline : IBaselinePolicy
{
    private readonly SacSettings _sac;
    private readonly DualAgentSettings _settings;
    private readonly Normalization _observations;
    private readonly DeterministicActor _actor, _actorTarget;
    private readonly TwinQ _critic;
    private readonly Adam _actorAdam;
    private readonly Tape _tape = new();
    private readonly float[] _normObs;
    private long _criticUpdates;

    public Td3Baseline(int obsDim, int actDim, Normalization observations, SacSettings sac, DualAgentSettings settings, Xoshiro256StarStar random)
    {
        _sac = sac;
        _settings = settings;
        _observations = observations;
        _actor = new DeterministicActor(obsDim, actDim, sac.Hidden, random);
        _actorTarget = _actor.Clone();
        _critic = new TwinQ(obsDim + actDim, sac.Hidden, sac.LearningRate, sac.Tau, random);
        _actorAdam = new Adam(_actor.Network.Parameters, sac.LearningRate);
        _normObs = new float[obsDim];
    }

    public string Name => "td3";
    public bool Learnable => true;
    public long Updates { get; private set; }

    /// <summary>The baseline's actor, e.g. to store it as a fixed baseline for later runs.</summary>
    public DeterministicActor Actor => _actor;

    public void Act(ReadOnlySpan<float> rawObs, Span<float> squashed)
    {
        _observations.NormalizeObs(rawObs, _normObs);
        _actor.Act(_normObs, 1, squashed);
    }

    public void Act(SacBatch batch, ReplayBuffer buffer, Span<float> squashed) => _actor.Act(batch.Obs, batch.Size, squashed);

    public void Learn(SacBatch batch, Xoshiro256StarStar random)
    {
        int b = batch.Size, od = batch.ObsDim, ad = batch.ActDim;
        var tape = _tape;
        tape.Reset();
        var s = tape.Constant(batch.Obs, b, od);
        var sa = tape.Concat(s, tape.Constant(batch.Action, b, ad));
        Tensor y;
        using (tape.NoGrad())
        {
            var s2 = tape.Constant(batch.NextObs, b, od);
            var noise = tape.Clamp(tape.Scale(tape.Normal(b, ad, random), _settings.TargetNoise), -_settings.TargetNoiseClip, _settings.TargetNoiseClip);
            var a2 = tape.Clamp(tape.Add(_actorTarget.Forward(tape, s2), noise), -1f, 1f);
            var q2 = _critic.TargetMin(tape, tape.Concat(s2, a2));
            var notDone = tape.OneMinus(tape.Constant(batch.Done, b, 1));
            y = tape.Add(tape.Constant(batch.Reward, b, 1), tape.Mul(notDone, tape.Scale(q2, _sac.Gamma)));
        }
        _critic.Regress(tape, sa, y);
        Updates++;
        if (++_criticUpdates % _settings.PolicyDelay != 0) return;

        var q = _critic.First(tape, tape.Concat(s, _actor.Forward(tape, s)));
        var actorLoss = tape.Neg(tape.Mean(q));
        _actorAdam.ZeroGrad();
        tape.Backward(actorLoss);
        _actorAdam.Step(_actorTarget.Network.Parameters, _sac.Tau);
        _critic.UpdateTargets();
    }
}
