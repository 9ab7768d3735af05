using OfflineSafety.Meta.Online;
using OfflineSafety.Meta.Online.DualAgent;

namespace OfflineSafety.Meta.Jobs;

/// <summary>
/// One online run as a front end asks for it (the `offsafe online` options, or an HTTP body):
/// names and numbers only; <see cref="OnlineJob"/> resolves them against the registries and the store.
/// </summary>
public sealed record OnlineRunRequest(string Environment, OnlineAlgorithm Algorithm, int Episodes)
{
    /// <summary>Dynamics variant id, or 'auto' for the held-out test variant.</summary>
    public string Variant { get; init; } = "auto";
    public int Seed { get; init; }

    /// <summary>MODEL[@V] from the model registry; null: pretrain a critic on the offline rows.</summary>
    public string? Critic { get; init; }

    /// <summary>MODEL[@V] of a skill prior in the registry (`offsafe fit-prior`); `safer` acts through it.</summary>
    public string? Prior { get; init; }

    /// <summary>NAME[@REF] of the offline rows; null: collect them with the environment's recipe.</summary>
    public string? Dataset { get; init; }

    public RecoveryKind Recovery { get; init; } = RecoveryKind.ModelFree;

    /// <summary>Rows to collect when no <see cref="Dataset"/> is given; null: the environment's per-variant size.</summary>
    public int? OfflineTransitions { get; init; }

    /// <summary>Critic (and recovery) pretraining steps; null: 10,000.</summary>
    public int? PretrainSteps { get; init; }

    /// <summary>SAC and recovery hidden widths; null: 256, 256.</summary>
    public int[]? Hidden { get; init; }

    /// <summary>SAC and critic batch size; null: 256.</summary>
    public int? BatchSize { get; init; }
    public bool LearnAlpha { get; init; }

    /// <summary>Deterministic evaluation episodes after training (0: none).</summary>
    public int EvaluationEpisodes { get; init; }

    /// <summary>Dataset that receives the run's transitions (null: online-&lt;env&gt;); ignored when <see cref="Record"/> is false.</summary>
    public string? RecordAs { get; init; }
    public bool Record { get; init; } = true;

    /// <summary>Hand the executed transitions back in <see cref="OnlineJobResult.Transitions"/> (to send them to a service), recorded here or not.</summary>
    public bool KeepTransitions { get; init; }

    /// <summary>Dual-agent baseline: "td3" (learns alongside), "controller" (the environment's scripted one) or a baseline .safetensors file; null: td3.</summary>
    public string? Baseline { get; init; }

    /// <summary>Dual-agent correction's own settings (ignored by the other methods).</summary>
    public DualAgentSettings DualAgent { get; init; } = new();

    /// <summary>Dual-agent with a TD3 baseline: where to store the trained baseline actor (a file --baseline reads back).</summary>
    public string? SaveBaseline { get; init; }

    /// <summary>Overrides eps_risk (the environment's, or the registry critic's).</summary>
    public float? EpsRisk { get; init; }

    /// <summary>Recovery RL: the opt-in changes to the paper's rule (hold, recovery critic, objective, relabelling, penalty); refused for other algorithms.</summary>
    public RecoveryRlVariation RecoveryVariation { get; init; } = RecoveryRlVariation.Paper;
}
