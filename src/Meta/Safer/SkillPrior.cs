using OfflineSafety.Nn.Autodiff;
using OfflineSafety.Nn.Distributions;
using OfflineSafety.Nn.Kernels;

namespace OfflineSafety.Meta.Safer;

/// <summary>
/// A fitted SAFER skill prior: the conditional flow a = f(z; s, c) over actions, the posterior
/// q(c | window) over the safety context, the state and action normalisation they were fitted in,
/// and the calibrated latent safety bound eta. Latents z live in the flow's standard-normal space;
/// states, contexts and actions in the caller's units (contexts in the posterior's units).
/// <para>
/// <see cref="Decode"/>, <see cref="ContextMean"/> and <see cref="LogDensity"/> run once per
/// environment step: they reuse one private tape and buffers and allocate nothing after their
/// first call, so an instance is not thread-safe; give each thread its own <see cref="Clone"/>.
/// </para>
/// </summary>
public sealed class SkillPrior
{
    private static readonly ComputeOptions SingleThread = new() { Threads = 1 };

    private readonly Tape _tape = new(SingleThread);
    private readonly float[] _condition;
    private readonly float[] _window;

    internal SkillPrior(SaferPriorSettings settings, ConditionalRealNvp flow, SafetyContextEncoder? encoder, int stateSize, int windowLength,
        float[] stateMean, float[] stateStd, float[] actionMean, float[] actionStd, float safetyBound)
    {
        if (flow.ConditionSize != stateSize + (encoder?.ContextSize ?? 0)) throw new ArgumentException("flow condition size is not state + context size", nameof(flow));
        Settings = settings;
        Flow = flow;
        Encoder = encoder;
        StateSize = stateSize;
        WindowLength = windowLength;
        StateMean = stateMean;
        StateStd = stateStd;
        ActionMean = actionMean;
        ActionStd = actionStd;
        SafetyBound = safetyBound;
        _condition = new float[flow.ConditionSize];
        _window = new float[windowLength * stateSize];
    }

    public int StateSize { get; }
    public int ActionSize => Flow.Dimension;
    public int ContextSize => Encoder?.ContextSize ?? 0;
    public int WindowLength { get; }

    /// <summary>eta, calibrated at fit time, in latent units: a policy acting in (-eta, eta)^ActionSize.</summary>
    public float SafetyBound { get; }

    /// <summary>The settings it was fitted with (variant, architecture, lambda, the bound eta was calibrated for).</summary>
    public SaferPriorSettings Settings { get; }

    public ConditionalRealNvp Flow { get; }
    public SafetyContextEncoder? Encoder { get; }
    public float[] StateMean { get; }
    public float[] StateStd { get; }
    public float[] ActionMean { get; }
    public float[] ActionStd { get; }

    /// <summary>The same prior with another latent bound (the parameters are shared, not copied).</summary>
    public SkillPrior WithSafetyBound(float eta) => new(Settings, Flow, Encoder, StateSize, WindowLength, StateMean, StateStd, ActionMean, ActionStd, eta);

    /// <summary>A prior sharing these parameters with its own buffers, for another thread.</summary>
    public SkillPrior Clone() => WithSafetyBound(SafetyBound);

    /// <summary>a = f(z; s, c): the flow's map from latent z (size ActionSize) to action.</summary>
    public void Decode(ReadOnlySpan<float> state, ReadOnlySpan<float> context, ReadOnlySpan<float> latent, Span<float> action)
    {
        Check(state, StateSize, nameof(state));
        Check(context, ContextSize, nameof(context));
        Check(latent, ActionSize, nameof(latent));
        Check(action, ActionSize, nameof(action));
        FillCondition(state, context);
        _tape.Reset();
        using var scope = _tape.NoGrad();
        var x = Flow.Forward(_tape, _tape.Constant(latent, 1, ActionSize), _tape.Constant(_condition, 1, _condition.Length));
        for (int i = 0; i < action.Length; i++) action[i] = ActionMean[i] + ActionStd[i] * x[i];
    }

    /// <summary>z = f^-1(a; s, c), the latent that <see cref="Decode"/> maps to <paramref name="action"/>.</summary>
    public void Encode(ReadOnlySpan<float> state, ReadOnlySpan<float> context, ReadOnlySpan<float> action, Span<float> latent)
    {
        Check(state, StateSize, nameof(state));
        Check(context, ContextSize, nameof(context));
        Check(action, ActionSize, nameof(action));
        Check(latent, ActionSize, nameof(latent));
        FillCondition(state, context);
        _tape.Reset();
        using var scope = _tape.NoGrad();
        var a = _tape.Full(1, ActionSize, 0f);
        for (int i = 0; i < action.Length; i++) a[i] = (action[i] - ActionMean[i]) / ActionStd[i];
        var z = Flow.Inverse(_tape, a, _tape.Constant(_condition, 1, _condition.Length)).Latent;
        z.Data.CopyTo(latent);
    }

    /// <summary>
    /// Posterior mean of c from the last <paramref name="count"/> states (row-major, oldest first,
    /// count &lt;= WindowLength; the current state last). Missing states are zero-padded in front,
    /// in normalised units, as in training. Writes nothing for a context-free prior.
    /// </summary>
    public void ContextMean(ReadOnlySpan<float> window, int count, Span<float> context)
    {
        if ((uint)count > (uint)WindowLength) throw new ArgumentOutOfRangeException(nameof(count), $"window of {count} states, the prior reads at most {WindowLength}");
        if (window.Length < count * StateSize) throw new ArgumentException($"window holds {window.Length} values, {count} states need {count * StateSize}", nameof(window));
        Check(context, ContextSize, nameof(context));
        if (Encoder is null) return;
        int pad = WindowLength - count;
        Array.Clear(_window, 0, pad * StateSize);
        for (int t = 0; t < count; t++) NormalizeState(window.Slice(t * StateSize, StateSize), _window.AsSpan((pad + t) * StateSize, StateSize));
        _tape.Reset();
        using var scope = _tape.NoGrad();
        var q = Encoder.Forward(_tape, _tape.Constant(_window, 1, _window.Length));
        q.Mean.Data.CopyTo(context);
    }

    /// <summary>log p(a | s, c) in the caller's action units (the normalisation's Jacobian included).</summary>
    public float LogDensity(ReadOnlySpan<float> state, ReadOnlySpan<float> context, ReadOnlySpan<float> action)
    {
        Check(state, StateSize, nameof(state));
        Check(context, ContextSize, nameof(context));
        Check(action, ActionSize, nameof(action));
        FillCondition(state, context);
        _tape.Reset();
        using var scope = _tape.NoGrad();
        var a = _tape.Full(1, ActionSize, 0f);
        for (int i = 0; i < action.Length; i++) a[i] = (action[i] - ActionMean[i]) / ActionStd[i];
        return Flow.LogDensity(_tape, a, _tape.Constant(_condition, 1, _condition.Length))[0] - ActionLogJacobian;
    }

    /// <summary>sum log std_a: log-densities in raw action units are the normalised ones minus this.</summary>
    public float ActionLogJacobian
    {
        get
        {
            float s = 0;
            foreach (var v in ActionStd) s += MathF.Log(v);
            return s;
        }
    }

    // ------------------------------------------------------------------ batches (training, calibration)

    internal void NormalizeState(ReadOnlySpan<float> state, Span<float> into)
    {
        for (int i = 0; i < StateSize; i++) into[i] = (state[i] - StateMean[i]) / StateStd[i];
    }

    internal void NormalizeAction(ReadOnlySpan<float> action, Span<float> into)
    {
        for (int i = 0; i < ActionSize; i++) into[i] = (action[i] - ActionMean[i]) / ActionStd[i];
    }

    /// <summary>A window normalised row by row; its <paramref name="filled"/> real states are the last rows, the padding in front stays zero.</summary>
    internal void NormalizeWindow(ReadOnlySpan<float> window, int filled, Span<float> into)
    {
        int pad = WindowLength - filled;
        into[..(pad * StateSize)].Clear();
        for (int t = pad; t < WindowLength; t++) NormalizeState(window.Slice(t * StateSize, StateSize), into.Slice(t * StateSize, StateSize));
    }

    /// <summary>
    /// Latents z = f^-1(a; s, E[c | window]) of every example, [Count * ActionSize], and their
    /// log-densities log p(a | s, E[c]) in normalised action units: what Algorithm 3 and Figure 1 read.
    /// </summary>
    public (float[] Latents, float[] LogDensities) Analyse(PriorExamples data, int chunk = 512)
    {
        data.Check();
        int n = data.Count, s = StateSize, a = ActionSize, w = WindowLength * StateSize;
        var latents = new float[n * a];
        var logp = new float[n];
        var tape = new Tape(SingleThread);
        var states = new float[chunk * s];
        var actions = new float[chunk * a];
        var windows = new float[chunk * w];
        for (int start = 0; start < n; start += chunk)
        {
            int rows = Math.Min(chunk, n - start);
            for (int i = 0; i < rows; i++)
            {
                NormalizeState(data.State(start + i), states.AsSpan(i * s, s));
                NormalizeAction(data.Action(start + i), actions.AsSpan(i * a, a));
                if (Encoder is not null) NormalizeWindow(data.Window(start + i), data.Filled[start + i], windows.AsSpan(i * w, w));
            }
            tape.Reset();
            using var scope = tape.NoGrad();
            var condition = Condition(tape, tape.Constant(states.AsSpan(0, rows * s), rows, s),
                Encoder is null ? null : Encoder.Forward(tape, tape.Constant(windows.AsSpan(0, rows * w), rows, w)).Mean);
            var inverse = Flow.Inverse(tape, tape.Constant(actions.AsSpan(0, rows * a), rows, a), condition);
            inverse.Latent.Data.CopyTo(latents.AsSpan(start * a));
            var density = tape.Add(ConditionalRealNvp.StandardNormalLogDensity(tape, inverse.Latent), inverse.LogDetInverse);
            density.Data.CopyTo(logp.AsSpan(start));
        }
        return (latents, logp);
    }

    internal static Tensor Condition(Tape tape, Tensor states, Tensor? context) => context is null ? states : tape.Concat(states, context);

    private void FillCondition(ReadOnlySpan<float> state, ReadOnlySpan<float> context)
    {
        NormalizeState(state, _condition.AsSpan(0, StateSize));
        context.CopyTo(_condition.AsSpan(StateSize));
    }

    private static void Check(ReadOnlySpan<float> values, int expected, string name)
    {
        if (values.Length != expected) throw new ArgumentException($"{name} has {values.Length} values, the prior expects {expected}", name);
    }
}
