using System.CommandLine;
using OfflineSafety.Meta.Jobs;

namespace OfflineSafety.Pipeline.Cli;

/// <summary>
/// The options that describe a training job, shared by `meta-train` (run it now) and `plans add`
/// (store it), so a stored plan and a command line build the same <see cref="MetaTrainingRequest"/>.
/// </summary>
public sealed class MetaTrainingOptions
{
    private readonly Option<string> dataset;
    private readonly Option<string> algo = new("--algo") { Description = "mesa | multitask | single.", Required = true };
    private readonly Option<string[]> variants = new("--variants") { Description = "Variants to train on (default: all).", AllowMultipleArgumentsPerToken = true };
    private readonly Option<string[]> exclude = new("--exclude-variant") { Description = "Variant(s) to hold out, e.g. the test variant." };
    private readonly Option<string> model = new("--model") { Description = "Model name to publish as (next version).", Required = true };
    private readonly Option<int?> steps = new("--steps") { Description = "Training steps (meta-iterations for mesa)." };
    private readonly Option<float?> lr = new("--lr") { Description = "Adam learning rate (outer rate alpha_2 for mesa)." };
    private readonly Option<int?> batch = new("--batch-size") { Description = "Batch size (inner and outer for mesa)." };
    private readonly Option<int?> seed = new("--seed") { Description = "Random seed." };
    private readonly Option<string?> arch = new("--arch") { Description = "2x256 | 3x100 | comma list of hidden widths." };
    private readonly Option<int?> heads = new("--heads") { Description = "1 or 2 sigmoid heads (2: pessimistic max)." };
    private readonly Option<float?> gamma = new("--gamma-risk") { Description = "Risk discount (default per environment)." };
    private readonly Option<float?> eps = new("--eps-risk") { Description = "Risk threshold recorded with the model (default per environment)." };
    private readonly Option<float?> tau = new("--tau-safe") { Description = "Polyak rate of the target network (default 20 / steps; the papers: 2e-4, see docs/online.md)." };
    private readonly Option<double?> pos = new("--pos-fraction") { Description = "Fraction of unsafe rows per batch; negative samples the logged ratio." };
    private readonly Option<int?> tasks = new("--tasks-per-iteration") { Description = "mesa: K variants per meta-iteration." };
    private readonly Option<int?> innerSteps = new("--inner-steps") { Description = "mesa: inner SGD steps." };
    private readonly Option<float?> innerLr = new("--inner-lr") { Description = "mesa: inner step size alpha_1 (initial value when learned)." };
    private readonly Option<bool> fixedInner = new("--fixed-inner-lr") { Description = "mesa: do not learn per-tensor inner step sizes." };
    private readonly Option<bool> firstOrder = new("--first-order") { Description = "mesa: first-order MAML (no Hessian term)." };

    public MetaTrainingOptions(string datasetDescription)
    {
        dataset = new Option<string>("--dataset") { Description = datasetDescription, Required = true };
        algo.AcceptOnlyFromAmong(MetaTrainingJob.Algorithms);
    }

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { dataset, algo, variants, exclude, model, steps, lr, batch, seed, arch, heads, gamma, eps, tau, pos, tasks, innerSteps, innerLr, fixedInner, firstOrder })
            command.Options.Add(option);
    }

    public MetaTrainingRequest Build(ParseResult p) => new()
    {
        Dataset = p.GetValue(dataset)!,
        Algorithm = p.GetValue(algo)!,
        Model = p.GetValue(model)!,
        Variants = p.GetValue(variants) is { Length: > 0 } v
            ? v.SelectMany(x => x.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray()
            : null,
        ExcludeVariants = p.GetValue(exclude) ?? [],
        Steps = p.GetValue(steps),
        LearningRate = p.GetValue(lr),
        BatchSize = p.GetValue(batch),
        Seed = p.GetValue(seed),
        Architecture = p.GetValue(arch),
        Heads = p.GetValue(heads),
        GammaRisk = p.GetValue(gamma),
        EpsRisk = p.GetValue(eps),
        TauSafe = p.GetValue(tau),
        PosFraction = p.GetValue(pos),
        TasksPerIteration = p.GetValue(tasks),
        InnerSteps = p.GetValue(innerSteps),
        InnerLearningRate = p.GetValue(innerLr),
        FixedInnerLearningRate = p.GetValue(fixedInner),
        FirstOrder = p.GetValue(firstOrder),
    };
}
