using OfflineSafety.Meta.Critics;
using OfflineSafety.Meta.Networks;
using OfflineSafety.Meta.Sampling;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Online;

/// <summary>
/// The online safety-critic step: the same risk loss and Polyak target as Meta's offline
/// <c>CriticUpdate</c>, but drawn from the critic replay buffer (offline rows + executed online
/// transitions) and with a' from the current task policy. Meta's update reads an immutable
/// <see cref="TaskRows"/> index, which a growing ring buffer is not, hence this sibling.
/// </summary>
public sealed class SafetyCriticUpdate
{
    private readonly SafetyCritic _critic;
    private readonly RiskTdStep _td;
    private readonly SafetySettings _settings;

    public SafetyCriticUpdate(SafetyCritic critic, SafetySettings settings, ComputeOptions? compute = null)
    {
        _critic = critic;
        _settings = settings;
        _td = new RiskTdStep(critic, settings.CriticBatchSize, settings.CriticLearningRate, settings.GammaRisk, settings.TargetRate, compute);
        Batch = new CriticBatch(settings.CriticBatchSize, critic.ObsDim, critic.ActDim);
    }

    public Tensor TargetParameters => _td.TargetParameters;

    /// <summary>The batch of the latest step; the recovery policy trains on its states.</summary>
    public CriticBatch Batch { get; }

    /// <summary>Fills <see cref="Batch"/> from the buffer (class-balanced) without a training step.</summary>
    public void Sample(ReplayBuffer buffer, ITargetPolicy policy, Xoshiro256StarStar random)
    {
        var batch = Batch;
        var rows = batch.Rows.AsSpan();
        buffer.SampleBalancedRows(rows, _settings.PosFraction, random);
        var n = _critic.Normalization;
        for (int i = 0; i < batch.Size; i++)
        {
            int row = rows[i];
            n.NormalizeObs(buffer.ObsRow(row), batch.ObsOf(i));
            n.NormalizeAction(buffer.ActionRow(row), batch.ActionOf(i));
            n.NormalizeObs(buffer.NextObsRow(row), batch.NextObsOf(i));
            batch.Unsafe[i] = buffer.Unsafe(row);
            batch.Terminal[i] = buffer.Terminal(row);
        }
        policy.ChooseNextActions(batch, random);
    }

    public float Step(ReplayBuffer buffer, ITargetPolicy policy, Xoshiro256StarStar random)
    {
        Sample(buffer, policy, random);
        return _td.Step(Batch);
    }
}
