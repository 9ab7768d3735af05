using OfflineSafety.Envs.Spaces;
using OfflineSafety.Envs.Variants;
using OfflineSafety.Nn.Randomness;

namespace OfflineSafety.Envs.MuJoCo;

/// <summary>What a MuJoCo task makes of one step: its reward and whether s' violates the constraint.</summary>
public readonly record struct MuJoCoOutcome(double Reward, bool Unsafe);

/// <summary>
/// The episode bookkeeping shared by the MuJoCo environments (Gymnasium's MujocoEnv): clip the
/// action, hold the controls for <see cref="FrameSkip"/> mj_step calls, observe, score, end on a
/// violation (online) or the horizon. A task supplies its start distribution, observation, control
/// mapping and outcome. Every reset goes through mj_resetData first, so no solver warm-start or
/// other mjData history leaks from one episode into the next: a step depends only on the state
/// and the action.
/// </summary>
public abstract class MuJoCoEnvironment : ISafetyEnvironment
{
    private readonly EnvironmentOptions _options;
    private readonly float[] _observation;
    private readonly float[] _action;
    private readonly Xoshiro256StarStar _random;
    private int _step;
    private double _return;
    private bool _ended = true;

    protected MuJoCoEnvironment(MuJoCoSimulation simulation, DynamicsVariant variant, int observationDim, int actionDim,
        int frameSkip, int horizon, double? successReturn, ulong seed, EnvironmentOptions? options)
    {
        Simulation = simulation;
        Variant = variant;
        FrameSkip = frameSkip;
        Horizon = horizon;
        SuccessReturn = successReturn;
        _options = options ?? EnvironmentOptions.Online;
        _observation = new float[observationDim];
        _action = new float[actionDim];
        ObservationSpace = BoxSpace.Uniform(observationDim, float.NegativeInfinity, float.PositiveInfinity);
        ActionSpace = BoxSpace.Uniform(actionDim, -1f, 1f);
        _random = new Xoshiro256StarStar(seed);
    }

    public abstract string Id { get; }
    public DynamicsVariant Variant { get; }
    public BoxSpace ObservationSpace { get; }
    public BoxSpace ActionSpace { get; }
    public int Horizon { get; }

    /// <summary>mj_step calls per environment step.</summary>
    public int FrameSkip { get; }

    /// <summary>An episode whose return beats this succeeded; null: the task has no success test.</summary>
    public double? SuccessReturn { get; }

    public MuJoCoSimulation Simulation { get; }

    public ReadOnlySpan<float> Reset(ulong seed)
    {
        _random.Reseed(seed);
        return Reset();
    }

    public ReadOnlySpan<float> Reset()
    {
        Simulation.Reset();
        PerturbStart(_random, Simulation.Qpos, Simulation.Qvel);
        return Begin();
    }

    /// <summary>
    /// Starts from an observation. The observations leave out only what the dynamics do not depend
    /// on (the position along the floor), so the state is the observation with that set to 0.
    /// </summary>
    public ReadOnlySpan<float> ResetTo(ReadOnlySpan<float> state)
    {
        if (state.Length != _observation.Length)
            throw new ArgumentException($"{Id} state has {_observation.Length} values, got {state.Length}", nameof(state));
        Simulation.Reset();
        SetState(state, Simulation.Qpos, Simulation.Qvel);
        return Begin();
    }

    public StepResult Step(ReadOnlySpan<float> action)
    {
        if (_ended) throw new InvalidOperationException($"{Id}: Step called on an episode that ended; call Reset first");
        bool clipped = ActionSpace.Clip(action, _action);
        Actuate(_action, Simulation.Ctrl);
        double xBefore = Simulation.Qpos[0];
        Simulation.Step(FrameSkip);
        _step++;
        Observe(Simulation.Qpos, Simulation.Qvel, _observation);

        var outcome = Score(_action, xBefore);
        _return += outcome.Reward;
        bool terminal = outcome.Unsafe && _options.ViolationEndsEpisode;
        bool truncated = !terminal && _step >= Horizon;
        _ended = terminal || truncated;
        bool success = _ended && _return > SuccessReturn;
        return new StepResult(_observation, (float)outcome.Reward, outcome.Unsafe ? 1f : 0f, outcome.Unsafe, terminal, truncated,
            new StepInfo(success, clipped, _step));
    }

    /// <summary>Seconds of simulated time per environment step.</summary>
    public abstract double StepSeconds { get; }

    /// <summary>Adds the start noise to qpos0 and zero velocity (as left by mj_resetData).</summary>
    protected abstract void PerturbStart(Xoshiro256StarStar random, Span<double> qpos, Span<double> qvel);

    protected abstract void SetState(ReadOnlySpan<float> observation, Span<double> qpos, Span<double> qvel);

    protected abstract void Observe(ReadOnlySpan<double> qpos, ReadOnlySpan<double> qvel, Span<float> observation);

    /// <summary>Maps the clipped action in [-1, 1] to the actuators' controls (where a variant weakens a joint).</summary>
    protected abstract void Actuate(ReadOnlySpan<float> action, Span<double> ctrl);

    /// <summary>Reward and violation of s' (the simulation's state now); <paramref name="xBefore"/> is qpos[0] before the step.</summary>
    protected abstract MuJoCoOutcome Score(ReadOnlySpan<float> action, double xBefore);

    private ReadOnlySpan<float> Begin()
    {
        _step = 0;
        _return = 0;
        _ended = false;
        Observe(Simulation.Qpos, Simulation.Qvel, _observation);
        return _observation;
    }
}
