using System.CommandLine;
using System.Globalization;
using OfflineSafety.Errors;
using OfflineSafety.Meta.Online.DualAgent;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// The dual agent's flags, one per field of <see cref="DualAgentSettings"/>, shared by `online --algo dual-agent` and
/// `experiment dual-agent` so that both read and check them alike. Each flag overrides its field; unset, the record's
/// default holds (the descriptions read it from there). docs/transfer.md lists the flags that give the paper's setting back.
/// </summary>
internal sealed class DualAgentOptions
{
    private static readonly DualAgentSettings Defaults = new();

    public Option<float?> LambdaLr { get; } = new("--lambda-lr") { Description = Inv($"eta_lambda of the dual step (default {Defaults.MultiplierLearningRate}, the paper's).") };
    public Option<float?> GammaSafe { get; } = new("--gamma-safe") { Description = Inv($"gbar, the discount of Q_I (default {Defaults.GammaSafe}).") };
    public Option<int?> Window { get; } = new("--constraint-window") { Description = Inv($"Most recent buffer rows the dual step averages Q_I over (default {Defaults.ConstraintWindow}; 0: the whole buffer, the paper's).") };
    public Option<int?> Warmup { get; } = new("--dual-warmup") { Description = Inv($"Updates before the dual step starts, lambda held at 0 (default {Defaults.DualWarmup}; 0: the paper's).") };
    public Option<bool> Normalize { get; } = new("--normalize-pull") { Description = "Divide the actor's lambda Qbar term by the batch's |Qbar| (TD3+BC's normalisation)." };
    public Option<float?> Trust { get; } = new("--trust-region") { Description = Inv($"rho: the safe agent is pi_B + a residual bounded by rho per action dimension (squashed units; default {Defaults.TrustRegion}; 0: the paper's unbounded actor).") };
    public Option<float?> Noise { get; } = new("--exploration-noise") { Description = Inv($"sigma of the Gaussian noise on either agent's training actions, squashed units (default {Defaults.ExplorationNoise}).") };
    public Option<float?> BaselineNoise { get; } = new("--baseline-noise") { Description = "sigma on the baseline's training actions only, overriding --exploration-noise there (default: the same sigma)." };
    public Option<float?> CriticTau { get; } = new("--safe-critic-tau") { Description = "Polyak rate of the safe agent's targets Q_I' and pi_S' (default: SAC's tau, 0.005)." };
    public Option<int?> CriticSteps { get; } = new("--safe-critic-steps") { Description = Inv($"n of Q_I's n-step targets along the logged steps (default {Defaults.CriticSteps}; 1: the paper's one-step target).") };
    public Option<float?> CriticCut { get; } = new("--safe-critic-cut") { Description = Inv($"With n > 1: cut each n-step Q_I target at the first logged action more than this far from pi_S' (squashed units; default {Defaults.CriticCutTolerance}; 0: no cut, the uncorrected n-step target).") };
    public Option<string?> CriticInput { get; } = new("--critic-input") { Description = $"Q_I's action input: action (the paper's) | baseline-deviation (a - pi_B(s)) (default {InputName(Defaults.CriticInput)})." };

    public IEnumerable<Option> All => [LambdaLr, GammaSafe, Window, Warmup, Normalize, Trust, Noise, BaselineNoise, CriticInput, CriticTau, CriticSteps, CriticCut];

    /// <summary>The record's defaults with every given flag applied; a value out of range is a one-line user error naming its flag.</summary>
    public DualAgentSettings Read(ParseResult p)
    {
        var settings = Defaults;
        if (p.GetValue(LambdaLr) is { } eta)
            settings = eta >= 0 ? settings with { MultiplierLearningRate = eta } : throw new BadInputException($"--lambda-lr must be non-negative, got {eta}");
        if (p.GetValue(GammaSafe) is { } g)
            settings = g > 0 && g < 1 ? settings with { GammaSafe = g } : throw new BadInputException($"--gamma-safe must be in (0, 1), got {g}");
        if (p.GetValue(Window) is { } w)
            settings = w >= 0 ? settings with { ConstraintWindow = w } : throw new BadInputException($"--constraint-window must be non-negative, got {w}");
        if (p.GetValue(Warmup) is { } wu)
            settings = wu >= 0 ? settings with { DualWarmup = wu } : throw new BadInputException($"--dual-warmup must be non-negative, got {wu}");
        if (p.GetValue(Normalize)) settings = settings with { NormalizePull = true };
        if (p.GetValue(Noise) is { } sigma)
            settings = sigma >= 0 && sigma <= 1 ? settings with { ExplorationNoise = sigma, BaselineNoise = sigma } : throw new BadInputException($"--exploration-noise must be in [0, 1], got {sigma}");
        if (p.GetValue(BaselineNoise) is { } sigmaB)
            settings = sigmaB >= 0 && sigmaB <= 1 ? settings with { BaselineNoise = sigmaB } : throw new BadInputException($"--baseline-noise must be in [0, 1], got {sigmaB}");
        if (p.GetValue(CriticTau) is { } tau)
            settings = tau > 0 && tau <= 1 ? settings with { CriticTargetRate = tau } : throw new BadInputException($"--safe-critic-tau must be in (0, 1], got {tau}");
        if (p.GetValue(CriticSteps) is { } nSteps)
            settings = nSteps >= 1 && nSteps <= 200 ? settings with { CriticSteps = nSteps } : throw new BadInputException($"--safe-critic-steps must be in [1, 200], got {nSteps}");
        if (p.GetValue(CriticCut) is { } tol)
        {
            if (!(tol >= 0 && tol <= 2)) throw new BadInputException($"--safe-critic-cut must be in [0, 2], got {tol}");
            // A cut only acts on an n-step target; asked for with n = 1 it would silently do nothing.
            if (tol > 0 && settings.CriticSteps < 2) throw new BadInputException("--safe-critic-cut needs --safe-critic-steps of at least 2");
            settings = settings with { CriticCutTolerance = tol };
        }
        if (p.GetValue(CriticInput) is { } input)
            settings = settings with { CriticInput = ParseInput(input) };
        if (p.GetValue(Trust) is { } rho)
            settings = rho >= 0 && rho <= 2 ? settings with { TrustRegion = rho } : throw new BadInputException($"--trust-region must be in [0, 2], got {rho}");
        return settings;
    }

    /// <summary>The given flags as they were typed (for a report's reproduce line), each with a leading space, in <see cref="All"/>'s order.</summary>
    public string Given(ParseResult p) =>
        string.Concat(All.Select(o => p.GetResult(o)).OfType<System.CommandLine.Parsing.OptionResult>().Where(r => !r.Implicit)
            .Select(r => " " + r.Option.Name + string.Concat(r.Tokens.Select(t => " " + t.Value))));

    /// <summary>The first dual-agent flag given on the command line, or null (other methods refuse them).</summary>
    public string? FirstGiven(ParseResult p) => All.FirstOrDefault(o => p.GetResult(o) is { Implicit: false })?.Name;

    internal static SafeCriticInput ParseInput(string name) => name switch
    {
        "action" => SafeCriticInput.Action,
        "baseline-deviation" => SafeCriticInput.BaselineDeviation,
        _ => throw new BadInputException($"--critic-input must be action or baseline-deviation, got '{name}'"),
    };

    internal static string InputName(SafeCriticInput input) => input == SafeCriticInput.BaselineDeviation ? "baseline-deviation" : "action";

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
