using OfflineSafety.Errors;

namespace OfflineSafety.Meta.Online;

/// <summary>Recovery RL's switching rule, on its own so it can be read and tested.</summary>
public static class RecoverySwitch
{
    /// <summary>(s, a_task) is outside T_safe = {Q_risk &lt;= eps}: execute the recovery action instead (it is not re-checked).</summary>
    public static bool ShouldRecover(float taskActionRisk, float epsRisk) => taskActionRisk > epsRisk;

    /// <summary>Validates `--recovery-hold` (user input: one-line error naming the flag).</summary>
    public static int CheckHold(int steps) =>
        steps >= 1 ? steps : throw new BadInputException($"--recovery-hold must be at least 1 (1: the paper's per-step switch), got {steps}");
}

/// <summary>
/// The switch with a hold: once it fires, the recovery policy keeps control for <c>steps</c> steps
/// (the triggering one included) without the critic being asked, so a policy that clears the danger
/// is not handed back to a task policy that walks straight into it again. It forgets at episode
/// start. With 1 step it is <see cref="RecoverySwitch.ShouldRecover"/> on every step.
/// </summary>
public sealed class RecoveryHold(int steps)
{
    private readonly int _steps = RecoverySwitch.CheckHold(steps);
    private int _left;

    public int Steps => _steps;

    /// <summary>A new episode: no hold carries over.</summary>
    public void Reset() => _left = 0;

    /// <summary>True while an earlier trigger's hold lasts (and uses up one of its steps): recover without checking.</summary>
    public bool Holding()
    {
        if (_left == 0) return false;
        _left--;
        return true;
    }

    /// <summary>The switch on the task action's risk: fires as <see cref="RecoverySwitch.ShouldRecover"/> and, when it does, starts the hold.</summary>
    public bool Check(float taskActionRisk, float epsRisk)
    {
        if (!RecoverySwitch.ShouldRecover(taskActionRisk, epsRisk)) return false;
        _left = _steps - 1;
        return true;
    }
}
