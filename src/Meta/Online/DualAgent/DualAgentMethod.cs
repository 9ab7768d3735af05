using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Online.Methods;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online.DualAgent;

/// <summary>
/// Dual-agent safety correction (Zhang et al., Algorithm 1) on the runner's loop: a baseline agent
/// (TD3, or fixed) and a safe agent share the runner's task buffer; each training step's action comes
/// from one of the two, picked by a coin (<see cref="DualAgentSettings.BaselineShare"/>), plus Gaussian
/// noise; every update steps the baseline (when it learns) and then the safe agent's primal-dual
/// correction towards the baseline's actions on the same batch. Evaluation runs the safe agent,
/// deterministic. The runner's SAC is not used: this method owns both of its learners.
/// </summary>
public sealed class DualAgentMethod : ISafetyMethod
{
    private readonly IBaselinePolicy _baseline;
    private readonly SafeCorrection _safe;
    private readonly SquashedActionBox _box;
    private readonly Normalization _observations;
    private readonly DualAgentSettings _settings;
    private readonly float[] _normObs;
    private readonly float[] _squashed;
    private readonly float[] _baselineBatch;
    private readonly float[] _baselineNext;
    private readonly float[] _baselineRecent;
    private readonly float[] _baselineHere;
    private readonly int[] _recentRows;
    private readonly float[]? _recentObs;
    private readonly MultiStepLookahead? _lookahead;
    private readonly float[] _chainBaseline;
    private readonly float[] _chainActions;

    public DualAgentMethod(SafetyMethodContext context)
    {
        var options = context.Options;
        _settings = options.DualAgent;
        _box = context.Box;
        _observations = context.Observations;
        int od = context.Observations.ObsDim, ad = context.Box.Dim;
        _baseline = context.Start.Baseline as IBaselinePolicy
            ?? new Td3Baseline(od, ad, context.Observations, options.Sac, _settings, context.Random);
        _safe = new SafeCorrection(od, ad, options.Sac, _settings, context.Random);
        _normObs = new float[od];
        _squashed = new float[ad];
        _baselineBatch = new float[options.Sac.BatchSize * ad];
        _baselineNext = new float[_safe.ReadsBaselineEverywhere ? options.Sac.BatchSize * ad : 0];
        _baselineRecent = new float[_safe.ReadsBaselineEverywhere && _settings.ConstraintWindow > 0 ? options.Sac.BatchSize * ad : 0];
        _baselineHere = new float[ad];
        _recentRows = new int[options.Sac.BatchSize];
        _recentObs = _settings.ConstraintWindow > 0 ? new float[options.Sac.BatchSize * od] : null;
        _lookahead = _settings.CriticSteps > 1
            ? new MultiStepLookahead(_settings.CriticSteps, _settings.GammaSafe, options.Sac.BatchSize, od, ad, _settings.CriticCutTolerance)
            : null;
        bool cuts = _lookahead?.Cuts == true;
        _chainActions = cuts ? new float[options.Sac.BatchSize * _lookahead!.Span * ad] : [];
        _chainBaseline = cuts && _safe.Residual ? new float[_chainActions.Length] : [];
    }

    public IBaselinePolicy Baseline => _baseline;
    public SafeCorrection Safe => _safe;

    public void Propose(SoftActorCritic policy, ReadOnlySpan<float> obs, Span<float> action, Xoshiro256StarStar random)
    {
        float sigma;
        if (random.NextFloat() < _settings.BaselineShare)
        {
            _baseline.Act(obs, _squashed);
            sigma = _settings.BaselineNoise;
        }
        else
        {
            SafeAct(obs);
            sigma = _settings.ExplorationNoise;
        }
        for (int d = 0; d < _squashed.Length; d++)
            _squashed[d] = Math.Clamp(_squashed[d] + (float)(sigma * random.NextNormal()), -1f, 1f);
        _box.ToEnvironment(_squashed, action);
    }

    public void Exploit(SoftActorCritic policy, ReadOnlySpan<float> obs, Span<float> action, Xoshiro256StarStar random)
    {
        SafeAct(obs);
        _box.ToEnvironment(_squashed, action);
    }

    /// <summary>pi_S(s) - pi_B(s) in squashed units: the correction the safe agent applies in the raw state <paramref name="obs"/>.</summary>
    public void Correction(ReadOnlySpan<float> obs, Span<float> correction)
    {
        SafeAct(obs);
        _baseline.Act(obs, _baselineHere);
        for (int d = 0; d < correction.Length; d++) correction[d] = _squashed[d] - _baselineHere[d];
    }

    private void SafeAct(ReadOnlySpan<float> obs)
    {
        if (_safe.Residual) _baseline.Act(obs, _baselineHere);
        _observations.NormalizeObs(obs, _normObs);
        _safe.Act(_normObs, _baselineHere, _squashed);
    }

    public void UpdateTaskPolicy(SoftActorCritic policy, SacBatch batch, ReplayBuffer taskBuffer, Xoshiro256StarStar random)
    {
        if (_baseline.Learnable) _baseline.Learn(batch, random);
        _baseline.Act(batch, taskBuffer, _baselineBatch);
        int ad = batch.ActDim;
        _lookahead?.Fill(batch, taskBuffer, _observations);
        if (_lookahead is { Cuts: true } cut)
        {
            // pi_S' at every followed state (fixed slots, so the tape's shapes never change), then the cut.
            if (_safe.Residual)
                for (int i = 0; i < batch.Size; i++)
                    for (int k = 0; k < cut.ChainLength(i); k++)
                        _baseline.Act(taskBuffer.ObsRow(cut.ChainRow(i, k)), _chainBaseline.AsSpan((i * cut.Span + k) * ad, ad));
            _safe.TargetAct(cut.ChainObs, batch.Size * cut.Span, _chainBaseline, _chainActions);
            cut.Cut(batch, taskBuffer, _observations, _chainActions, _box);
        }
        if (_safe.ReadsBaselineEverywhere)
            for (int i = 0; i < batch.Size; i++)
                _baseline.Act(taskBuffer.NextObsRow(_lookahead?.EndRow(i) ?? batch.Rows[i]), _baselineNext.AsSpan(i * ad, ad));
        if (_recentObs is not null)
        {
            int od = batch.ObsDim;
            taskBuffer.SampleRecentRows(_recentRows, _settings.ConstraintWindow, random);
            for (int i = 0; i < _recentRows.Length; i++)
            {
                _observations.NormalizeObs(taskBuffer.ObsRow(_recentRows[i]), _recentObs.AsSpan(i * od, od));
                if (_safe.ReadsBaselineEverywhere) _baseline.Act(taskBuffer.ObsRow(_recentRows[i]), _baselineRecent.AsSpan(i * ad, ad));
            }
        }
        _safe.Update(batch, taskBuffer, _baselineBatch, _baselineNext, _recentObs, _baselineRecent, _lookahead);
    }

    public float Lambda => _safe.Lambda;
}
