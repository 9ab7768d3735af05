using OfflineSafety.Errors;
using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Distributions;
using OfflineSafety.Nn.Kernels;
using OfflineSafety.Nn.Optim;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Meta.Safer;

/// <summary>One progress report: means over the steps since the last one, normalised action units.</summary>
public sealed record SaferFitProgress(int Step, int Steps, float Loss, float SafeLogDensity, float UnsafeLogDensity, float Kl, bool UnsafeFrozen);

/// <summary>A fitted prior (eta calibrated) and what the fit measured, for the model card.</summary>
public sealed record SaferFitResult(SkillPrior Prior, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// SAFER prior training (paper Algorithm 2, typo corrected) and its two baselines, by
/// <see cref="SaferPriorSettings.Variant"/>. Per step: a safe batch and an unsafe batch, each with
/// its own window; c_safe ~ q(c | window_safe) and c_unsafe ~ q(c | window_unsafe), both
/// reparameterised (the paper's pseudo-code draws c_unsafe from the safe window: a typo, since
/// Eq. 5 conditions each action on its own context); then
/// <code>
/// NLL = -( mean log p(a_s | s_s, c_s) - lambda * mean max(log p(a_u | s_u, c_u), floor) - KL_s - KL_u )
/// </code>
/// minimised with a clipped global gradient norm. The divergence rule: the unsafe term is clamped
/// per example at <c>floor = UnsafeLogDensityFloor * ActionSize</c>, so an unsafe action already
/// that unlikely stops pulling (the term is bounded below, its gradient vanishes); and a step whose
/// loss or gradient is not finite is skipped and freezes the unsafe term for the rest of the fit.
/// PARROT: safe batches only, no context. Context-PARROT: safe batches with context, no unsafe term.
/// Eta is calibrated at the end on all the examples given (Algorithm 3, <see cref="SafetyBound"/>).
/// </summary>
public sealed class SaferPriorTrainer(SaferPriorSettings settings)
{
    public SaferPriorSettings Settings => settings;

    public SaferFitResult Fit(PriorExamples safe, PriorExamples unsafeExamples, Action<SaferFitProgress>? progress = null, CancellationToken ct = default)
    {
        settings.Validate();
        safe.Check();
        unsafeExamples.Check();
        if (safe.Count == 0) throw new BadInputException("prior fit: no safe examples");
        bool contrastive = settings.EffectiveLambda > 0f;
        if (contrastive && unsafeExamples.Count == 0) throw new BadInputException("prior fit: SAFER needs unsafe examples and there are none");
        if (safe.WindowLength != settings.WindowLength || unsafeExamples.WindowLength != settings.WindowLength)
            throw new ArgumentException($"examples carry windows of {safe.WindowLength} states, the settings ask for {settings.WindowLength}");

        int s = safe.StateSize, a = safe.ActionSize, c = settings.EffectiveContextSize, w = settings.WindowLength * s, b = settings.BatchSize;
        var random = new Xoshiro256StarStar((ulong)settings.Seed);
        // The baselines never see unsafe data, not even through the normalisation.
        var (stateMean, stateStd, actionMean, actionStd) = Moments(contrastive ? [safe, unsafeExamples] : [safe]);
        var flow = new ConditionalRealNvp(a, s + c, settings.Couplings, settings.FlowHidden, settings.LogScaleBound, random);
        var encoder = c > 0 ? new SafetyContextEncoder(s, settings.WindowLength, c, settings.EncoderWidth, settings.Encoder, random) : null;
        var prior = new SkillPrior(settings, flow, encoder, s, settings.WindowLength, stateMean, stateStd, actionMean, actionStd, 0f);

        var parameters = new List<Tensor>(flow.Parameters);
        if (encoder is not null) parameters.AddRange(encoder.Parameters);
        Action step;
        Action zero;
        if (settings.Optimizer == PriorOptimizer.Adam)
        {
            var adam = new Adam(parameters, settings.LearningRate);
            step = adam.Step;
            zero = adam.ZeroGrad;
        }
        else
        {
            var sgd = new SgdMomentum(parameters, settings.LearningRate, settings.Momentum);
            step = sgd.Step;
            zero = sgd.ZeroGrad;
        }

        var safeData = NormalizedExamples.Of(prior, safe);
        var unsafeData = contrastive ? NormalizedExamples.Of(prior, unsafeExamples) : null;
        var safeBatch = new BatchBuffers(b, s, a, w);
        var unsafeBatch = new BatchBuffers(b, s, a, w);
        var tape = new Tape(new ComputeOptions { Threads = settings.Threads });
        float lambda = settings.EffectiveLambda;
        float floor = settings.UnsafeLogDensityFloor * a;
        bool frozen = false;
        int skipped = 0, frozenAt = -1;
        double sumLoss = 0, sumSafe = 0, sumUnsafe = 0, sumKl = 0;
        int reported = 0;
        float lastLoss = float.NaN, lastSafe = float.NaN, lastUnsafe = float.NaN, lastKl = float.NaN;

        for (int n = 1; n <= settings.Steps; n++)
        {
            ct.ThrowIfCancellationRequested();
            tape.Reset();
            safeBatch.Draw(safeData, random);
            var (safeLogP, safeKl) = Term(tape, flow, encoder, safeBatch, random);
            var objective = tape.Sub(tape.Mean(safeLogP), tape.Mean(safeKl));
            float unsafeMean = float.NaN;
            if (contrastive && !frozen)
            {
                unsafeBatch.Draw(unsafeData!, random);
                var (unsafeLogP, unsafeKl) = Term(tape, flow, encoder, unsafeBatch, random);
                unsafeMean = Mean(unsafeLogP);
                var clamped = tape.Clamp(unsafeLogP, floor, float.PositiveInfinity);
                objective = tape.Sub(objective, tape.Add(tape.Scale(tape.Mean(clamped), lambda), tape.Mean(unsafeKl)));
            }
            var loss = tape.Neg(objective);
            float lossValue = loss.ToScalar();
            float safeMean = Mean(safeLogP), klMean = Mean(safeKl);
            zero();
            tape.Backward(loss);
            float norm = GradientClipping.ClipGlobalNorm(parameters, settings.GradientClipNorm);
            if (!float.IsFinite(lossValue) || !float.IsFinite(norm))
            {
                // A non-finite step would poison every parameter; drop it, and stop the term that can diverge.
                zero();
                skipped++;
                if (contrastive && !frozen) { frozen = true; frozenAt = n; }
                continue;
            }
            step();
            sumLoss += lossValue; sumSafe += safeMean; sumKl += klMean; reported++;
            if (!float.IsNaN(unsafeMean)) sumUnsafe += unsafeMean;
            if (n % settings.ProgressEvery == 0 || n == settings.Steps)
            {
                lastLoss = (float)(sumLoss / Math.Max(1, reported));
                lastSafe = (float)(sumSafe / Math.Max(1, reported));
                lastUnsafe = contrastive && !frozen ? (float)(sumUnsafe / Math.Max(1, reported)) : float.NaN;
                lastKl = (float)(sumKl / Math.Max(1, reported));
                progress?.Invoke(new SaferFitProgress(n, settings.Steps, lastLoss, lastSafe, lastUnsafe, lastKl, frozen));
                sumLoss = sumSafe = sumUnsafe = sumKl = 0;
                reported = 0;
            }
        }

        var (safeLatents, safeDensity) = prior.Analyse(safe);
        float[] unsafeLatents = [], unsafeDensity = [];
        if (unsafeExamples.Count > 0) (unsafeLatents, unsafeDensity) = prior.Analyse(unsafeExamples);
        float eta = SafetyBound.Calibrate(safeLatents, unsafeLatents, a, settings.UnsafeBound);
        var metrics = new Dictionary<string, double>
        {
            ["eta"] = eta,
            ["safe_examples"] = safe.Count,
            ["unsafe_examples"] = unsafeExamples.Count,
            ["safe_log_density"] = Average(safeDensity),
            ["final_loss"] = lastLoss,
            ["kl"] = lastKl,
            ["skipped_steps"] = skipped,
            ["unsafe_term_frozen_at"] = frozenAt,
        };
        if (unsafeDensity.Length > 0)
        {
            metrics["unsafe_log_density"] = Average(unsafeDensity);
            metrics["unsafe_fraction_inside_eta"] = SafetyBound.UnsafeFractionInside(safeLatents, unsafeLatents, a, eta);
        }
        return new SaferFitResult(prior.WithSafetyBound(eta), metrics);
    }

    // log p(a | s, c) per row with c ~ q(c | window) reparameterised, and KL(q || N(0, I)) per row.
    private static (Tensor LogP, Tensor Kl) Term(Tape tape, ConditionalRealNvp flow, SafetyContextEncoder? encoder, BatchBuffers batch, Xoshiro256StarStar random)
    {
        var states = tape.Constant(batch.States, batch.Rows, batch.StateSize);
        var actions = tape.Constant(batch.Actions, batch.Rows, batch.ActionSize);
        if (encoder is null) return (flow.LogDensity(tape, actions, states), tape.Full(batch.Rows, 1, 0f));
        var q = encoder.Forward(tape, tape.Constant(batch.Windows, batch.Rows, batch.Windows.Length / batch.Rows));
        var context = SafetyContextEncoder.Sample(tape, q, random);
        return (flow.LogDensity(tape, actions, SkillPrior.Condition(tape, states, context)), SafetyContextEncoder.KlToStandardNormal(tape, q));
    }

    private static float Mean(Tensor t)
    {
        double sum = 0;
        foreach (var v in t.Data) sum += v;
        return (float)(sum / t.Length);
    }

    private static double Average(float[] values)
    {
        double sum = 0;
        foreach (var v in values) sum += v;
        return values.Length == 0 ? double.NaN : sum / values.Length;
    }

    private static (float[] StateMean, float[] StateStd, float[] ActionMean, float[] ActionStd) Moments(PriorExamples[] sets)
    {
        int s = sets[0].StateSize, a = sets[0].ActionSize;
        var (sm, ss) = ColumnMoments(sets, s, static (e, i) => e.State(i));
        var (am, asd) = ColumnMoments(sets, a, static (e, i) => e.Action(i));
        return (sm, ss, am, asd);
    }

    private delegate ReadOnlySpan<float> RowOf(PriorExamples examples, int row);

    private static (float[] Mean, float[] Std) ColumnMoments(PriorExamples[] sets, int width, RowOf row)
    {
        var sum = new double[width];
        var squares = new double[width];
        long n = 0;
        foreach (var set in sets)
            for (int i = 0; i < set.Count; i++, n++)
            {
                var r = row(set, i);
                for (int j = 0; j < width; j++) { sum[j] += r[j]; squares[j] += (double)r[j] * r[j]; }
            }
        var mean = new float[width];
        var std = new float[width];
        for (int j = 0; j < width; j++)
        {
            double m = sum[j] / n;
            double sd = Math.Sqrt(Math.Max(0, squares[j] / n - m * m));
            mean[j] = (float)m;
            // A constant column would divide by zero; leaving it unscaled loses nothing.
            std[j] = sd > 1e-6 ? (float)sd : 1f;
        }
        return (mean, std);
    }

    /// <summary>Examples normalised once, so a training step only copies rows.</summary>
    private sealed class NormalizedExamples
    {
        public required int Count { get; init; }
        public required float[] States { get; init; }
        public required float[] Actions { get; init; }
        public required float[] Windows { get; init; }

        public static NormalizedExamples Of(SkillPrior prior, PriorExamples data)
        {
            int s = data.StateSize, a = data.ActionSize, w = data.WindowLength * s, n = data.Count;
            var states = new float[n * s];
            var actions = new float[n * a];
            var windows = new float[n * w];
            for (int i = 0; i < n; i++)
            {
                prior.NormalizeState(data.State(i), states.AsSpan(i * s, s));
                prior.NormalizeAction(data.Action(i), actions.AsSpan(i * a, a));
                prior.NormalizeWindow(data.Window(i), data.Filled[i], windows.AsSpan(i * w, w));
            }
            return new NormalizedExamples { Count = n, States = states, Actions = actions, Windows = windows };
        }
    }

    private sealed class BatchBuffers(int rows, int stateSize, int actionSize, int windowSize)
    {
        public int Rows => rows;
        public int StateSize => stateSize;
        public int ActionSize => actionSize;
        public float[] States { get; } = new float[rows * stateSize];
        public float[] Actions { get; } = new float[rows * actionSize];
        public float[] Windows { get; } = new float[rows * windowSize];

        public void Draw(NormalizedExamples data, Xoshiro256StarStar random)
        {
            for (int i = 0; i < rows; i++)
            {
                int k = random.NextInt(data.Count);
                Array.Copy(data.States, k * stateSize, States, i * stateSize, stateSize);
                Array.Copy(data.Actions, k * actionSize, Actions, i * actionSize, actionSize);
                Array.Copy(data.Windows, k * windowSize, Windows, i * windowSize, windowSize);
            }
        }
    }
}
